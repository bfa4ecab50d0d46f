"""Plain records crossing the backend ports (CONTRACT §3 and §4).

Frozen-free dataclasses rather than ORM rows, so that the engine, policy and packs never touch
SQLAlchemy and any adapter (SQL, HTTP, in-memory) can produce them.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


class Record:
    def as_dict(self) -> dict[str, Any]:
        return asdict(self)  # type: ignore[call-overload]


@dataclass(slots=True)
class Customer(Record):
    id: str
    name: str
    tier: str = "standard"
    preferred_language: str = "en"
    phone: str | None = None
    email: str | None = None
    channels: dict[str, str] = field(default_factory=dict)
    preferred_channels: list[str] = field(default_factory=list)
    opted_out: bool = False
    # The code word itself is never carried in a record: adapters keep a hash and answer
    # `TelecomBackend.verify_code_word`.


@dataclass(slots=True)
class OrderItem(Record):
    sku: str
    name: str
    qty: int = 1
    price: float = 0.0


@dataclass(slots=True)
class Order(Record):
    id: str
    customer_id: str
    date: str
    status: str
    items: list[OrderItem] = field(default_factory=list)
    total: float = 0.0
    currency: str = "EUR"
    delivery_address: str = ""
    delivery_date: str | None = None
    delivered_at: str | None = None
    tracking_url: str | None = None
    payment_method: str = "card"


@dataclass(slots=True)
class Loyalty(Record):
    customer_id: str
    tier: str
    points: int = 0


@dataclass(slots=True)
class Preferences(Record):
    customer_id: str
    quiet_hours: list[str] = field(default_factory=list)
    timezone: str = "UTC"


@dataclass(slots=True)
class SubscriberService(Record):
    code: str
    name: str
    active: bool = False
    monthly_fee: float = 0.0


@dataclass(slots=True)
class Subscriber(Record):
    msisdn: str
    customer_id: str
    plan: str
    balance: float
    currency: str = "RUB"
    traffic: dict[str, float] = field(default_factory=dict)  # data_mb_left, minutes_left, sms_left
    services: list[SubscriberService] = field(default_factory=list)
    locked: bool = False
    region: str = ""


@dataclass(slots=True)
class CatalogService(Record):
    code: str
    name: str
    monthly_fee: float = 0.0


@dataclass(slots=True)
class Outage(Record):
    id: int
    region: str
    start: str  # ISO-8601 ("from" in the import format)
    end: str  # ISO-8601 ("to" in the import format)
    kind: str = "mobile_data"


@dataclass(slots=True)
class TechnicianSlot(Record):
    id: str
    region: str
    start: str
    end: str
    booked: bool = False


@dataclass(slots=True)
class ReturnRecord(Record):
    id: str
    order_id: str
    customer_id: str
    reason: str
    status: str
    created_at: str
    items: list[str] = field(default_factory=list)  # the items returned; empty: the whole order


@dataclass(slots=True)
class Ticket(Record):
    id: str
    customer_id: str
    msisdn: str | None
    order_id: str | None
    text: str
    compensation: float
    created_at: str
    category: str = "general"
    outage_id: int | None = None


@dataclass(slots=True)
class Payment(Record):
    id: str
    customer_id: str
    msisdn: str | None
    amount: float
    currency: str
    url: str
    created_at: str
    status: str = "pending"  # pending | paid


@dataclass(slots=True)
class Booking(Record):
    id: str
    slot_id: str
    customer_id: str
    created_at: str
    status: str = "active"  # active | cancelled
    msisdn: str | None = None
