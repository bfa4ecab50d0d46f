"""Tables of the reference backend (CONTRACT §3 and the records of §4).

Dates the company gives us (order dates, slot and outage times) are kept as the ISO text it gave,
so they read back exactly; where we must compare instants (free slots after now, the outage natural
key) a UTC column sits beside the text.
"""

from __future__ import annotations

import datetime as dt
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from parley.store.base import Base
from parley.store.types import Money, UtcDateTime


class CustomerRow(Base):
    __tablename__ = "customers"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    tier: Mapped[str] = mapped_column(String(16), default="standard")
    preferred_language: Mapped[str] = mapped_column(String(8), default="en")
    phone: Mapped[str | None] = mapped_column(String(32))
    email: Mapped[str | None] = mapped_column(String(254))
    preferred_channels: Mapped[list[str]] = mapped_column(JSON, default=list)
    opted_out: Mapped[bool] = mapped_column(Boolean, default=False)
    # "scrypt$n$r$p$salt$hash" — never the word itself.
    code_word_hash: Mapped[str | None] = mapped_column(String(200))

    channels: Mapped[list[CustomerChannelRow]] = relationship(
        back_populates="customer",
        cascade="all, delete-orphan",
        lazy="selectin",
        order_by="CustomerChannelRow.channel",
    )


class CustomerChannelRow(Base):
    """One address per (customer, channel), normalized for lookup of inbound messages."""

    __tablename__ = "customer_channels"
    __table_args__ = (Index("ix_customer_channels_lookup", "channel", "address_norm"),)

    customer_id: Mapped[str] = mapped_column(
        String(64), ForeignKey("customers.id", ondelete="CASCADE"), primary_key=True
    )
    channel: Mapped[str] = mapped_column(String(32), primary_key=True)
    address: Mapped[str] = mapped_column(String(254))
    address_norm: Mapped[str] = mapped_column(String(254))

    customer: Mapped[CustomerRow] = relationship(back_populates="channels")


class OrderRow(Base):
    __tablename__ = "orders"
    __table_args__ = (Index("ix_orders_customer_date", "customer_id", "date"),)

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    customer_id: Mapped[str] = mapped_column(String(64), ForeignKey("customers.id"))
    date: Mapped[dt.date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(24))
    items: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    total: Mapped[float] = mapped_column(Money(), default=0.0)
    currency: Mapped[str] = mapped_column(String(3), default="EUR")
    delivery_address: Mapped[str] = mapped_column(Text, default="")
    delivery_date: Mapped[dt.date | None] = mapped_column(Date)
    delivered_at: Mapped[str | None] = mapped_column(String(40))
    tracking_url: Mapped[str | None] = mapped_column(String(500))
    payment_method: Mapped[str] = mapped_column(String(32), default="card")


class LoyaltyRow(Base):
    __tablename__ = "loyalty"

    customer_id: Mapped[str] = mapped_column(String(64), ForeignKey("customers.id"), primary_key=True)
    tier: Mapped[str] = mapped_column(String(32))
    points: Mapped[int] = mapped_column(Integer, default=0)


class PreferencesRow(Base):
    __tablename__ = "preferences"

    customer_id: Mapped[str] = mapped_column(String(64), ForeignKey("customers.id"), primary_key=True)
    quiet_hours: Mapped[list[str]] = mapped_column(JSON, default=list)
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")


class SubscriberRow(Base):
    __tablename__ = "subscribers"

    msisdn: Mapped[str] = mapped_column(String(20), primary_key=True)
    customer_id: Mapped[str] = mapped_column(String(64), ForeignKey("customers.id"), index=True)
    plan: Mapped[str] = mapped_column(String(100))
    balance: Mapped[float] = mapped_column(Money(), default=0.0)
    currency: Mapped[str] = mapped_column(String(3), default="RUB")
    traffic: Mapped[dict[str, float]] = mapped_column(JSON, default=dict)
    locked: Mapped[bool] = mapped_column(Boolean, default=False)
    region: Mapped[str] = mapped_column(String(100), default="")

    services: Mapped[list[SubscriberServiceRow]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="SubscriberServiceRow.code"
    )


class SubscriberServiceRow(Base):
    __tablename__ = "subscriber_services"

    msisdn: Mapped[str] = mapped_column(
        String(20), ForeignKey("subscribers.msisdn", ondelete="CASCADE"), primary_key=True
    )
    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=False)
    monthly_fee: Mapped[float] = mapped_column(Money(), default=0.0)


class CatalogServiceRow(Base):
    __tablename__ = "service_catalog"

    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    monthly_fee: Mapped[float] = mapped_column(Money(), default=0.0)


class OutageRow(Base):
    __tablename__ = "outages"
    # The natural key makes re-importing the same outage (which carries no id) an update.
    __table_args__ = (UniqueConstraint("region", "start_at", "kind", name="uq_outages_natural"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    region: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(32), default="mobile_data")
    start: Mapped[str] = mapped_column(String(40))
    end: Mapped[str] = mapped_column(String(40))
    start_at: Mapped[datetime] = mapped_column(UtcDateTime())
    end_at: Mapped[datetime] = mapped_column(UtcDateTime())


class TechnicianSlotRow(Base):
    __tablename__ = "technician_slots"
    __table_args__ = (Index("ix_technician_slots_region_start", "region", "start_at"),)

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    region: Mapped[str] = mapped_column(String(100))
    start: Mapped[str] = mapped_column(String(40))
    end: Mapped[str] = mapped_column(String(40))
    start_at: Mapped[datetime] = mapped_column(UtcDateTime())
    booked: Mapped[bool] = mapped_column(Boolean, default=False)


class ReturnRow(Base):
    __tablename__ = "returns"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    order_id: Mapped[str] = mapped_column(String(64), ForeignKey("orders.id"), index=True)
    customer_id: Mapped[str] = mapped_column(String(64), ForeignKey("customers.id"))
    reason: Mapped[str] = mapped_column(Text)
    # the item names returned when not the whole order ("return the mug set" of a two-item order); NULL: all
    items: Mapped[list[str] | None] = mapped_column(JSON, nullable=True)
    status: Mapped[str] = mapped_column(String(16), default="requested")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    idempotency_key: Mapped[str | None] = mapped_column(String(200), unique=True)


class TicketRow(Base):
    __tablename__ = "tickets"
    __table_args__ = (Index("ix_tickets_msisdn_outage", "msisdn", "outage_id"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    customer_id: Mapped[str] = mapped_column(String(64), ForeignKey("customers.id"), index=True)
    msisdn: Mapped[str | None] = mapped_column(String(20))
    order_id: Mapped[str | None] = mapped_column(String(64))
    text: Mapped[str] = mapped_column(Text)
    category: Mapped[str] = mapped_column(String(32), default="general")
    outage_id: Mapped[int | None] = mapped_column(Integer)
    compensation: Mapped[float] = mapped_column(Money(), default=0.0)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    idempotency_key: Mapped[str | None] = mapped_column(String(200), unique=True)


class PaymentRow(Base):
    __tablename__ = "payments"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    customer_id: Mapped[str] = mapped_column(String(64), ForeignKey("customers.id"), index=True)
    msisdn: Mapped[str | None] = mapped_column(String(20))
    amount: Mapped[float] = mapped_column(Money())
    currency: Mapped[str] = mapped_column(String(3))
    status: Mapped[str] = mapped_column(String(16), default="pending")
    token: Mapped[str] = mapped_column(String(300))
    url: Mapped[str] = mapped_column(String(600))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime())
    paid_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    idempotency_key: Mapped[str | None] = mapped_column(String(200), unique=True)


class BookingRow(Base):
    __tablename__ = "bookings"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    slot_id: Mapped[str] = mapped_column(String(64), ForeignKey("technician_slots.id"), index=True)
    customer_id: Mapped[str] = mapped_column(String(64), ForeignKey("customers.id"), index=True)
    msisdn: Mapped[str | None] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(16), default="active")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    cancelled_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    idempotency_key: Mapped[str | None] = mapped_column(String(200), unique=True)
