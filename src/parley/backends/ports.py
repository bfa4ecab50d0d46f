"""The ports: what Parley needs from a company's systems, as small typed protocols.

Every adapter (the SQLAlchemy reference backend, an HTTP adapter, an in-memory fake) must keep
these contracts; the shared conformance tests in `tests/backends/` hold each adapter to them.

Common rules:
- Lookups of a missing record return None (or an empty list); they never raise.
- Writers are idempotent where a key is given (`idempotency_key`): the same key returns the
  record created the first time instead of creating another. This is what makes "yes" arriving
  twice execute an action once, even across processes.
- Timestamps are ISO-8601 strings from `parley.clock.now()`.
- Authorization is NOT the port's job: the action layer checks ownership before calling a writer.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from parley.backends.records import (
    Booking,
    CatalogService,
    Customer,
    Loyalty,
    Order,
    Outage,
    Payment,
    Preferences,
    ReturnRecord,
    Subscriber,
    TechnicianSlot,
    Ticket,
)


class CustomerDirectory(Protocol):
    """The CRM."""

    def get_customer(self, customer_id: str) -> Customer | None: ...

    def find_customer_by_channel(self, channel: str, address: str) -> Customer | None:
        """The customer whose `channels[channel]` (or phone/email) equals `address`."""
        ...


class OrderBackend(Protocol):
    def recent_orders(self, customer_id: str, limit: int = 10) -> list[Order]:
        """Newest first (by date, then id)."""
        ...

    def get_order(self, order_id: str) -> Order | None: ...

    def update_order(self, order_id: str, **changes: object) -> Order:
        """Sets fields of an order (status, delivery_address, delivery_date, payment_method)."""
        ...

    def create_return(
        self,
        order_id: str,
        customer_id: str,
        reason: str,
        idempotency_key: str,
        items: Sequence[str] = (),
    ) -> ReturnRecord:
        """Records a return and sets nothing else; the caller decides order status. `items`: the item
        names returned when not the whole order (empty: all of it)."""
        ...

    def returns_for_order(self, order_id: str) -> list[ReturnRecord]:
        """The returns registered for an order, oldest first."""
        ...


class LoyaltyBackend(Protocol):
    def get_loyalty(self, customer_id: str) -> Loyalty | None: ...


class PreferencesBackend(Protocol):
    def get_preferences(self, customer_id: str) -> Preferences | None: ...


class TicketBackend(Protocol):
    def create_ticket(
        self,
        customer_id: str,
        text: str,
        *,
        msisdn: str | None = None,
        order_id: str | None = None,
        category: str = "general",
        compensation: float = 0.0,
        outage_id: int | None = None,
        idempotency_key: str,
    ) -> Ticket: ...

    def tickets_for(self, customer_id: str) -> list[Ticket]: ...


class TelecomBackend(Protocol):
    def subscribers_of(self, customer_id: str) -> list[Subscriber]: ...

    def get_subscriber(self, msisdn: str) -> Subscriber | None: ...

    def service_catalog(self) -> list[CatalogService]: ...

    def set_service_active(self, msisdn: str, service_code: str, active: bool) -> Subscriber:
        """Adds the service from the catalog to the subscriber if absent, then sets its state."""
        ...

    def set_locked(self, msisdn: str, locked: bool) -> Subscriber: ...

    def credit_balance(self, msisdn: str, amount: float) -> Subscriber: ...

    def verify_code_word(self, customer_id: str, candidate: str) -> bool:
        """Constant-time comparison against the stored hash; False when none is set."""
        ...

    def outages(self, region: str) -> list[Outage]: ...

    def compensated(self, msisdn: str, outage_id: int) -> bool:
        """True once a ticket with compensation was recorded for this number and outage."""
        ...

    def free_slots(self, region: str) -> list[TechnicianSlot]:
        """Unbooked slots in the region, earliest first."""
        ...

    def get_slot(self, slot_id: str) -> TechnicianSlot | None: ...

    def book_slot(self, slot_id: str, customer_id: str, msisdn: str | None, idempotency_key: str) -> Booking:
        """Books a free slot; raises `SlotTaken` if another booking holds it."""
        ...

    def cancel_booking(self, booking_id: str) -> Booking: ...

    def bookings_for(self, customer_id: str) -> list[Booking]: ...

    def create_payment(
        self, customer_id: str, msisdn: str | None, amount: float, currency: str, idempotency_key: str
    ) -> Payment:
        """Creates a pending payment; the adapter fills `url` via the configured payment page base."""
        ...

    def get_payment(self, payment_id: str) -> Payment | None: ...

    def open_payment(self, customer_id: str, msisdn: str, amount: float) -> Payment | None:
        """The customer's newest payment for this number and amount that is still pending and unexpired:
        a link already sent, to give again rather than send a second one."""
        ...

    def mark_payment_paid(self, payment_id: str) -> Payment:
        """Marks paid and credits the number's balance, once."""
        ...


class SlotTaken(Exception):
    """The technician slot was booked by someone else in the meantime."""


class RecordNotFound(LookupError):
    """A writer was asked to change a record that does not exist (lookups return None instead)."""


class Backend(
    CustomerDirectory,
    OrderBackend,
    LoyaltyBackend,
    PreferencesBackend,
    TicketBackend,
    TelecomBackend,
    Protocol,
):
    """Everything the bundled packs use; the reference backend implements it whole."""
