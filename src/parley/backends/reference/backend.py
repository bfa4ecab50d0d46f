"""`SqlBackend`: the reference implementation of every port, on SQLAlchemy.

Concurrency is settled by the database, never by Python locks, so that any number of worker
processes can share one PostgreSQL:
- writers with an idempotency key insert under a UNIQUE constraint; the loser of a race reads the
  winner's row;
- booking a slot is a conditional `UPDATE ... WHERE booked = false` — exactly one caller sees a row;
- paying a payment is a conditional `UPDATE ... WHERE status = 'pending'` — the balance is credited once;
- balances change with `UPDATE ... SET balance = balance + x`, never read-modify-write.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from collections.abc import Callable, Sequence
from datetime import date, datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import CursorResult, Update, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from parley import clock
from parley.backends.ports import RecordNotFound, SlotTaken
from parley.backends.records import (
    Booking,
    CatalogService,
    Customer,
    Loyalty,
    Order,
    OrderItem,
    Outage,
    Payment,
    Preferences,
    ReturnRecord,
    Subscriber,
    SubscriberService,
    TechnicianSlot,
    Ticket,
)
from parley.backends.reference import codeword, lookups
from parley.backends.reference.addresses import PHONE_CHANNELS, normalize_address
from parley.backends.reference.models import (
    BookingRow,
    CatalogServiceRow,
    CustomerChannelRow,
    CustomerRow,
    OrderRow,
    OutageRow,
    PaymentRow,
    ReturnRow,
    SubscriberRow,
    SubscriberServiceRow,
    TechnicianSlotRow,
    TicketRow,
)
from parley.store.db import Database
from parley.store.driver_query import DriverQuery, all_together
from parley.store.models import UnlockAttempt
from parley.store.types import iso

RowT = TypeVar("RowT", ReturnRow, TicketRow, PaymentRow, BookingRow)

ORDER_FIELDS = frozenset(
    {"status", "delivery_address", "delivery_date", "payment_method", "delivered_at", "tracking_url"}
)
_NOT_FETCHED = object()  # a memo miss (None is a fetched "no such row")
_ID_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: ids are read out over the phone


def new_id(prefix: str, length: int = 8) -> str:
    return f"{prefix}-" + "".join(secrets.choice(_ID_ALPHABET) for _ in range(length))


def _execute_update(session: Session, statement: Update) -> int:
    result = session.execute(statement)
    assert isinstance(result, CursorResult)
    return result.rowcount


# ---- row -> record -------------------------------------------------------------------------------


def customer_record(row: Any, channels: dict[str, str] | None = None) -> Customer:
    return Customer(
        id=row.id,
        name=row.name,
        tier=row.tier,
        preferred_language=row.preferred_language,
        phone=row.phone,
        email=row.email,
        channels=channels if channels is not None else {c.channel: c.address for c in row.channels},
        preferred_channels=list(row.preferred_channels or []),
        opted_out=row.opted_out,
    )


def order_record(row: Any) -> Order:
    return Order(
        id=row.id,
        customer_id=row.customer_id,
        date=row.date.isoformat(),
        status=row.status,
        items=[OrderItem(**item) for item in row.items or []],
        total=float(row.total),
        currency=row.currency,
        delivery_address=row.delivery_address,
        delivery_date=row.delivery_date.isoformat() if row.delivery_date else None,
        delivered_at=row.delivered_at,
        tracking_url=row.tracking_url,
        payment_method=row.payment_method,
    )


def subscriber_record(row: Any, services: list[Any] | None = None) -> Subscriber:
    return Subscriber(
        msisdn=row.msisdn,
        customer_id=row.customer_id,
        plan=row.plan,
        balance=float(row.balance),
        currency=row.currency,
        traffic=dict(row.traffic or {}),
        services=[
            SubscriberService(code=s.code, name=s.name, active=s.active, monthly_fee=float(s.monthly_fee))
            for s in (services if services is not None else row.services)
        ],
        locked=row.locked,
        region=row.region,
    )


def outage_record(row: OutageRow) -> Outage:
    return Outage(id=row.id, region=row.region, start=row.start, end=row.end, kind=row.kind)


def slot_record(row: TechnicianSlotRow) -> TechnicianSlot:
    return TechnicianSlot(id=row.id, region=row.region, start=row.start, end=row.end, booked=row.booked)


def return_record(row: ReturnRow) -> ReturnRecord:
    return ReturnRecord(
        id=row.id,
        order_id=row.order_id,
        customer_id=row.customer_id,
        reason=row.reason,
        status=row.status,
        created_at=iso(row.created_at) or "",
        items=list(row.items or []),
    )


def ticket_record(row: TicketRow) -> Ticket:
    return Ticket(
        id=row.id,
        customer_id=row.customer_id,
        msisdn=row.msisdn,
        order_id=row.order_id,
        text=row.text,
        compensation=float(row.compensation),
        created_at=iso(row.created_at) or "",
        category=row.category,
        outage_id=row.outage_id,
    )


def payment_record(row: PaymentRow) -> Payment:
    return Payment(
        id=row.id,
        customer_id=row.customer_id,
        msisdn=row.msisdn,
        amount=float(row.amount),
        currency=row.currency,
        url=row.url,
        created_at=iso(row.created_at) or "",
        status=row.status,
    )


def booking_record(row: BookingRow) -> Booking:
    return Booking(
        id=row.id,
        slot_id=row.slot_id,
        customer_id=row.customer_id,
        created_at=iso(row.created_at) or "",
        status=row.status,
        msisdn=row.msisdn,
    )


# ---- payment tokens ------------------------------------------------------------------------------


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def sign_payment_token(secret_key: str, payment_id: str, expires: datetime) -> str:
    """`base64url(id.expiry) . base64url(hmac-sha256)` — tamper-evident, self-expiring, URL-safe."""
    payload = f"{payment_id}.{int(expires.timestamp())}".encode()
    signature = hmac.new(secret_key.encode(), payload, hashlib.sha256).digest()
    return f"{_b64(payload)}.{_b64(signature)}"


def verify_payment_token(secret_key: str, token: str, *, now: datetime) -> str | None:
    try:
        payload_text, signature_text = token.split(".")
        payload = _unb64(payload_text)
        signature = _unb64(signature_text)
        expected = hmac.new(secret_key.encode(), payload, hashlib.sha256).digest()
        if not hmac.compare_digest(signature, expected):
            return None
        payment_id, expiry = payload.decode().rsplit(".", 1)
        if now.timestamp() >= int(expiry):
            return None
    except (ValueError, UnicodeDecodeError):
        return None
    return payment_id


# ---- the adapter ---------------------------------------------------------------------------------


class SqlBackend:
    """Every port of `parley.backends.ports.Backend`, plus unlock-attempt counting and payment tokens."""

    # Reads are sub-millisecond queries on Parley's own database: the engine runs them inline rather than
    # on a thread pool (see parley.engine.context).
    reads_are_local = True

    def __init__(
        self,
        db: Database,
        *,
        payment_base_url: str,
        secret_key: str,
        payment_ttl: timedelta = timedelta(hours=24),
    ) -> None:
        self.db = db
        self.payment_base_url = payment_base_url.rstrip("/")
        self._secret_key = secret_key
        self.payment_ttl = payment_ttl

    # -- CustomerDirectory

    # The per-turn reads below run prebuilt Core selects (lookups.py) on `Database.reading()`: the ORM's
    # identity map and relationship loading cost 2-5x the query itself for these one-shot lookups.

    def get_customer(self, customer_id: str) -> Customer | None:
        rows = self._fetched(("customer", customer_id))
        if rows is _NOT_FETCHED:
            with self.db.reading() as c:
                rows = lookups.CUSTOMER_WITH_CHANNELS.all(c, {"customer_id": customer_id})
        if not rows:
            return None
        channels = {r.channel_kind: r.channel_address for r in rows if r.channel_kind is not None}
        return customer_record(rows[0], channels)

    def list_customers(self, limit: int = 200) -> list[Customer]:
        """Customers by id — for the local demo's customer picker, not for production pages."""
        with self.db.read() as s:
            rows = s.scalars(select(CustomerRow).order_by(CustomerRow.id).limit(limit))
            return [customer_record(row) for row in rows]

    def find_customer_by_channel(self, channel: str, address: str) -> Customer | None:
        norm = normalize_address(channel, address)
        with self.db.read() as s:
            row = s.scalar(
                select(CustomerRow)
                .join(CustomerChannelRow)
                .where(CustomerChannelRow.channel == channel, CustomerChannelRow.address_norm == norm)
                .order_by(CustomerRow.id)
                .limit(1)
            )
            if row is None and channel in PHONE_CHANNELS:
                row = s.scalar(
                    select(CustomerRow)
                    .where(CustomerRow.phone.in_({address.strip(), norm}))
                    .order_by(CustomerRow.id)
                    .limit(1)
                )
            if row is None and channel == "email":
                row = s.scalar(
                    select(CustomerRow)
                    .where(func.lower(CustomerRow.email) == norm)
                    .order_by(CustomerRow.id)
                    .limit(1)
                )
            return customer_record(row) if row else None

    # -- OrderBackend

    def prefetch_context(self, customer_id: str, orders: int = 10) -> None:
        """Reads a turn's customer and their context — recent orders, loyalty, preferences, numbers and
        their services — in one round trip, for the lookups below to hand out during the turn.

        Kept as rows in the turn's memo (`Database.turn_memo`; each lookup builds fresh records from
        them), so an order the turn asks for by id after reading the recent ones costs no query either.
        Any write of the turn empties the memo. Outside a turn (no memo) it does nothing.
        """
        if self.db.turn_memo() is None:
            return
        batch = self.context_queries(customer_id, orders)
        with self.db.reading() as c:
            self.keep_context(customer_id, all_together(c, batch), orders)

    def context_queries(self, customer_id: str, orders: int = 10) -> list[tuple[DriverQuery, dict[str, Any]]]:
        """The statements of `prefetch_context`, for a caller that sends them with statements of its own
        in one round trip (the engine's opening of a turn on PostgreSQL); hand the rows to
        `keep_context`."""
        by_customer = {"customer_id": customer_id}
        return [
            (lookups.CUSTOMER_WITH_CHANNELS, by_customer),
            (lookups.RECENT_ORDERS, {**by_customer, "limit": orders}),
            (lookups.LOYALTY, by_customer),
            (lookups.PREFERENCES, by_customer),
            (lookups.SUBSCRIBERS, by_customer),
            (lookups.CUSTOMER_SERVICES, by_customer),
        ]

    def keep_context(self, customer_id: str, rows: Sequence[Sequence[Any]], orders: int = 10) -> None:
        """Keeps the rows of `context_queries` in the turn's memo (nothing outside a turn)."""
        memo = self.db.turn_memo()
        if memo is None:
            return
        customer, recent, loyalty, preferences, numbers, services = rows
        memo[("customer", customer_id)] = customer
        memo[("recent_orders", customer_id, orders)] = recent
        memo.update({("order", row.id): row for row in recent})
        memo[("loyalty", customer_id)] = loyalty[0] if loyalty else None
        memo[("preferences", customer_id)] = preferences[0] if preferences else None
        memo[("subscribers", customer_id)] = (numbers, services)

    def _fetched(self, key: tuple[Any, ...]) -> Any:
        """What `prefetch_context` read for `key` in this turn, or `_NOT_FETCHED`."""
        memo = self.db.turn_memo()
        return _NOT_FETCHED if memo is None else memo.get(key, _NOT_FETCHED)

    def recent_orders(self, customer_id: str, limit: int = 10) -> list[Order]:
        rows = self._fetched(("recent_orders", customer_id, limit))
        if rows is _NOT_FETCHED:
            with self.db.reading() as c:
                rows = lookups.RECENT_ORDERS.all(c, {"customer_id": customer_id, "limit": limit})
        return [order_record(r) for r in rows]

    def get_order(self, order_id: str) -> Order | None:
        row = self._fetched(("order", order_id))
        if row is _NOT_FETCHED:
            with self.db.reading() as c:
                row = lookups.ORDER.first(c, {"order_id": order_id})
        return order_record(row) if row else None

    def update_order(self, order_id: str, **changes: object) -> Order:
        unknown = set(changes) - ORDER_FIELDS
        if unknown:
            raise ValueError(f"cannot change order field(s): {', '.join(sorted(unknown))}")
        with self.db.session() as s:
            row = s.get(OrderRow, order_id)
            if row is None:
                raise RecordNotFound(f"order {order_id}")
            for name, value in changes.items():
                if name == "delivery_date" and isinstance(value, str):
                    value = date.fromisoformat(value)
                setattr(row, name, value)
            s.flush()
            return order_record(row)

    def create_return(
        self,
        order_id: str,
        customer_id: str,
        reason: str,
        idempotency_key: str,
        items: Sequence[str] = (),
    ) -> ReturnRecord:
        with self.db.session() as s:
            if s.get(OrderRow, order_id) is None:
                raise RecordNotFound(f"order {order_id}")

            def build() -> ReturnRow:
                return ReturnRow(
                    id=new_id("R"),
                    order_id=order_id,
                    customer_id=customer_id,
                    reason=reason,
                    items=list(items) or None,
                    status="requested",
                    created_at=clock.now(),
                    idempotency_key=idempotency_key,
                )

            return return_record(self._create_once(s, ReturnRow, idempotency_key, build))

    def returns_for_order(self, order_id: str) -> list[ReturnRecord]:
        with self.db.read() as s:
            query = select(ReturnRow).where(ReturnRow.order_id == order_id)
            rows = s.scalars(query.order_by(ReturnRow.created_at, ReturnRow.id))
            return [return_record(r) for r in rows]

    # -- LoyaltyBackend / PreferencesBackend

    def get_loyalty(self, customer_id: str) -> Loyalty | None:
        row = self._fetched(("loyalty", customer_id))
        if row is _NOT_FETCHED:
            with self.db.reading() as c:
                row = lookups.LOYALTY.first(c, {"customer_id": customer_id})
        return Loyalty(customer_id=row.customer_id, tier=row.tier, points=row.points) if row else None

    def get_preferences(self, customer_id: str) -> Preferences | None:
        row = self._fetched(("preferences", customer_id))
        if row is _NOT_FETCHED:
            with self.db.reading() as c:
                row = lookups.PREFERENCES.first(c, {"customer_id": customer_id})
        if row is None:
            return None
        return Preferences(
            customer_id=row.customer_id, quiet_hours=list(row.quiet_hours), timezone=row.timezone
        )

    # -- TicketBackend

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
    ) -> Ticket:
        with self.db.session() as s:
            if s.get(CustomerRow, customer_id) is None:
                raise RecordNotFound(f"customer {customer_id}")

            def build() -> TicketRow:
                return TicketRow(
                    id=new_id("T"),
                    customer_id=customer_id,
                    msisdn=msisdn,
                    order_id=order_id,
                    text=text,
                    category=category,
                    outage_id=outage_id,
                    compensation=compensation,
                    created_at=clock.now(),
                    idempotency_key=idempotency_key,
                )

            return ticket_record(self._create_once(s, TicketRow, idempotency_key, build))

    def tickets_for(self, customer_id: str) -> list[Ticket]:
        with self.db.read() as s:
            rows = s.scalars(
                select(TicketRow)
                .where(TicketRow.customer_id == customer_id)
                .order_by(TicketRow.created_at, TicketRow.id)
            )
            return [ticket_record(r) for r in rows]

    # -- TelecomBackend: numbers and services

    def subscribers_of(self, customer_id: str) -> list[Subscriber]:
        fetched = self._fetched(("subscribers", customer_id))
        if fetched is _NOT_FETCHED:
            by_customer = {"customer_id": customer_id}
            with self.db.reading() as c:
                fetched = all_together(
                    c, [(lookups.SUBSCRIBERS, by_customer), (lookups.CUSTOMER_SERVICES, by_customer)]
                )
        rows, services = fetched
        by_number: dict[str, list[Any]] = {r.msisdn: [] for r in rows}
        for service in services:
            by_number[service.msisdn].append(service)
        return [subscriber_record(r, by_number[r.msisdn]) for r in rows]

    def get_subscriber(self, msisdn: str) -> Subscriber | None:
        with self.db.read() as s:
            row = s.get(SubscriberRow, msisdn)
            return subscriber_record(row) if row else None

    def service_catalog(self) -> list[CatalogService]:
        with self.db.read() as s:
            rows = s.scalars(select(CatalogServiceRow).order_by(CatalogServiceRow.code))
            return [CatalogService(code=r.code, name=r.name, monthly_fee=float(r.monthly_fee)) for r in rows]

    def set_service_active(self, msisdn: str, service_code: str, active: bool) -> Subscriber:
        with self.db.session() as s:
            row = self._subscriber(s, msisdn)
            service = next((x for x in row.services if x.code == service_code), None)
            if service is None:
                entry = s.get(CatalogServiceRow, service_code)
                if entry is None:
                    raise RecordNotFound(f"service {service_code}")
                service = SubscriberServiceRow(
                    msisdn=msisdn,
                    code=entry.code,
                    name=entry.name,
                    active=active,
                    monthly_fee=entry.monthly_fee,
                )
                row.services.append(service)
            service.active = active
            s.flush()
            return subscriber_record(row)

    def set_locked(self, msisdn: str, locked: bool) -> Subscriber:
        with self.db.session() as s:
            row = self._subscriber(s, msisdn)
            row.locked = locked
            s.flush()
            return subscriber_record(row)

    def credit_balance(self, msisdn: str, amount: float) -> Subscriber:
        with self.db.session() as s:
            self._credit(s, msisdn, amount)
            return subscriber_record(self._subscriber(s, msisdn))

    def verify_code_word(self, customer_id: str, candidate: str) -> bool:
        with self.db.read() as s:
            stored = s.scalar(select(CustomerRow.code_word_hash).where(CustomerRow.id == customer_id))
        return codeword.verify_code_word(stored, candidate)

    # -- unlock attempts (not a port method: the pack's action layer counts them across sessions)

    def record_unlock_attempt(self, customer_id: str, msisdn: str, success: bool) -> None:
        with self.db.session() as s:
            s.add(UnlockAttempt(customer_id=customer_id, msisdn=msisdn, success=success, at=clock.now()))

    def failed_unlock_attempts(self, customer_id: str, msisdn: str, within_hours: float = 24) -> int:
        """Wrong code words for this number within the window, counted after the last right one."""
        since = clock.now() - timedelta(hours=within_hours)
        scope = (
            UnlockAttempt.customer_id == customer_id,
            UnlockAttempt.msisdn == msisdn,
            UnlockAttempt.at >= since,
        )
        with self.db.read() as s:
            # Ordered by id, not time: under a frozen clock every attempt has the same instant.
            last_success = s.scalar(
                select(func.max(UnlockAttempt.id)).where(*scope, UnlockAttempt.success.is_(True))
            )
            query = select(func.count()).where(*scope, UnlockAttempt.success.is_(False))
            if last_success is not None:
                query = query.where(UnlockAttempt.id > last_success)
            return int(s.scalar(query) or 0)

    # -- outages and compensation

    def outages(self, region: str) -> list[Outage]:
        with self.db.read() as s:
            rows = s.scalars(select(OutageRow).where(OutageRow.region == region).order_by(OutageRow.start_at))
            return [outage_record(r) for r in rows]

    def compensated(self, msisdn: str, outage_id: int) -> bool:
        with self.db.read() as s:
            found = s.scalar(
                select(TicketRow.id)
                .where(
                    TicketRow.msisdn == msisdn, TicketRow.outage_id == outage_id, TicketRow.compensation > 0
                )
                .limit(1)
            )
            return found is not None

    # -- technician slots and bookings

    def free_slots(self, region: str) -> list[TechnicianSlot]:
        with self.db.read() as s:
            rows = s.scalars(
                select(TechnicianSlotRow)
                .where(
                    TechnicianSlotRow.region == region,
                    TechnicianSlotRow.booked.is_(False),
                    TechnicianSlotRow.start_at > clock.now(),
                )
                .order_by(TechnicianSlotRow.start_at, TechnicianSlotRow.id)
            )
            return [slot_record(r) for r in rows]

    def get_slot(self, slot_id: str) -> TechnicianSlot | None:
        with self.db.read() as s:
            row = s.get(TechnicianSlotRow, slot_id)
            return slot_record(row) if row else None

    def book_slot(self, slot_id: str, customer_id: str, msisdn: str | None, idempotency_key: str) -> Booking:
        with self.db.session() as s:
            existing = self._by_key(s, BookingRow, idempotency_key)
            if existing is not None:
                return booking_record(existing)
            claimed = _execute_update(
                s,
                update(TechnicianSlotRow)
                .where(TechnicianSlotRow.id == slot_id, TechnicianSlotRow.booked.is_(False))
                .values(booked=True),
            )
            if claimed == 0:
                # Blocked behind a concurrent call with the same key? Then its booking is ours.
                existing = self._by_key(s, BookingRow, idempotency_key)
                if existing is not None:
                    return booking_record(existing)
                if s.get(TechnicianSlotRow, slot_id) is None:
                    raise RecordNotFound(f"slot {slot_id}")
                raise SlotTaken(slot_id)

            def build() -> BookingRow:
                return BookingRow(
                    id=new_id("B"),
                    slot_id=slot_id,
                    customer_id=customer_id,
                    msisdn=msisdn,
                    status="active",
                    created_at=clock.now(),
                    idempotency_key=idempotency_key,
                )

            return booking_record(self._create_once(s, BookingRow, idempotency_key, build))

    def cancel_booking(self, booking_id: str) -> Booking:
        """Cancels (idempotently) and frees the slot; rebooking is cancel + `book_slot`."""
        with self.db.session() as s:
            row = s.get(BookingRow, booking_id)
            if row is None:
                raise RecordNotFound(f"booking {booking_id}")
            if row.status == "active":
                row.status = "cancelled"
                row.cancelled_at = clock.now()
                s.execute(
                    update(TechnicianSlotRow).where(TechnicianSlotRow.id == row.slot_id).values(booked=False)
                )
            s.flush()
            return booking_record(row)

    def bookings_for(self, customer_id: str) -> list[Booking]:
        with self.db.read() as s:
            rows = s.scalars(
                select(BookingRow)
                .where(BookingRow.customer_id == customer_id)
                .order_by(BookingRow.created_at, BookingRow.id)
            )
            return [booking_record(r) for r in rows]

    # -- payments

    def create_payment(
        self, customer_id: str, msisdn: str | None, amount: float, currency: str, idempotency_key: str
    ) -> Payment:
        if amount <= 0:
            raise ValueError("a payment amount must be positive")
        with self.db.session() as s:
            if s.get(CustomerRow, customer_id) is None:
                raise RecordNotFound(f"customer {customer_id}")

            def build() -> PaymentRow:
                payment_id = new_id("P", 12)
                created = clock.now()
                expires = created + self.payment_ttl
                token = sign_payment_token(self._secret_key, payment_id, expires)
                return PaymentRow(
                    id=payment_id,
                    customer_id=customer_id,
                    msisdn=msisdn,
                    amount=round(amount, 2),
                    currency=currency,
                    status="pending",
                    token=token,
                    url=f"{self.payment_base_url}/pay/{token}",
                    created_at=created,
                    expires_at=expires,
                    idempotency_key=idempotency_key,
                )

            return payment_record(self._create_once(s, PaymentRow, idempotency_key, build))

    def get_payment(self, payment_id: str) -> Payment | None:
        with self.db.read() as s:
            row = s.get(PaymentRow, payment_id)
            return payment_record(row) if row else None

    def open_payment(self, customer_id: str, msisdn: str, amount: float) -> Payment | None:
        with self.db.read() as s:
            row = s.scalars(
                select(PaymentRow)
                .where(
                    PaymentRow.customer_id == customer_id,
                    PaymentRow.msisdn == msisdn,
                    PaymentRow.amount == round(amount, 2),
                    PaymentRow.status == "pending",
                    PaymentRow.expires_at > clock.now(),
                )
                .order_by(PaymentRow.created_at.desc())
                .limit(1)
            ).first()
            return payment_record(row) if row else None

    def verify_payment_token(self, token: str) -> str | None:
        """The payment id a token grants, or None when it is forged, malformed or expired."""
        return verify_payment_token(self._secret_key, token, now=clock.now())

    def mark_payment_paid(self, payment_id: str) -> Payment:
        with self.db.session() as s:
            paid = _execute_update(
                s,
                update(PaymentRow)
                .where(PaymentRow.id == payment_id, PaymentRow.status == "pending")
                .values(status="paid", paid_at=clock.now()),
            )
            row = s.get(PaymentRow, payment_id, populate_existing=True)
            if row is None:
                raise RecordNotFound(f"payment {payment_id}")
            if paid and row.msisdn:
                self._credit(s, row.msisdn, float(row.amount))
            return payment_record(row)

    # -- helpers

    def _subscriber(self, s: Session, msisdn: str) -> SubscriberRow:
        row = s.get(SubscriberRow, msisdn, populate_existing=True)
        if row is None:
            raise RecordNotFound(f"subscriber {msisdn}")
        return row

    def _credit(self, s: Session, msisdn: str, amount: float) -> None:
        changed = _execute_update(
            s,
            update(SubscriberRow)
            .where(SubscriberRow.msisdn == msisdn)
            .values(balance=SubscriberRow.balance + round(amount, 2)),
        )
        if not changed:
            raise RecordNotFound(f"subscriber {msisdn}")

    @staticmethod
    def _by_key(s: Session, model: type[RowT], key: str) -> RowT | None:
        return s.scalar(select(model).where(model.idempotency_key == key))

    def _create_once(self, s: Session, model: type[RowT], key: str, build: Callable[[], RowT]) -> RowT:
        """Inserts `build()` unless `key` was used; a lost race (or an id collision) is resolved here."""
        for _ in range(5):
            existing = self._by_key(s, model, key)
            if existing is not None:
                return existing
            row = build()
            try:
                with s.begin_nested():
                    s.add(row)
            except IntegrityError:
                continue  # the key was taken meanwhile (re-read above) or the random id collided (retry)
            return row
        raise RuntimeError(f"could not create {model.__tablename__} record for key {key!r}")
