"""Import and export of the reference backend in the CONTRACT §3 format.

Import is all-or-nothing: the whole payload is validated first (shape with pydantic, then
references between records and to what the database already holds), and only then written, in
one transaction. An error names the record (collection, index, id), the field and the problem.
Re-importing updates by id and only touches the fields the payload gives, so a re-import that
omits `code_word` or `booked` keeps what is stored.

Export writes the same format (never a code word or its hash) plus the records the system created
(CONTRACT §4), and import accepts those too, so an export moves a deployment between databases.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    field_validator,
    model_validator,
)
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from parley.backends.reference.addresses import normalize_address
from parley.backends.reference.backend import (
    booking_record,
    customer_record,
    order_record,
    payment_record,
    return_record,
    subscriber_record,
    ticket_record,
)
from parley.backends.reference.codeword import hash_code_word
from parley.backends.reference.models import (
    BookingRow,
    CatalogServiceRow,
    CustomerChannelRow,
    CustomerRow,
    LoyaltyRow,
    OrderRow,
    OutageRow,
    PaymentRow,
    PreferencesRow,
    ReturnRow,
    SubscriberRow,
    SubscriberServiceRow,
    TechnicianSlotRow,
    TicketRow,
)
from parley.store.db import Database
from parley.store.models import Escalation, OutboundMessage
from parley.store.types import iso

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
Money = Annotated[float, Field(ge=0)]
Currency = Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")]
Msisdn = Annotated[str, StringConstraints(pattern=r"^\+[1-9]\d{5,14}$")]
Language = Annotated[str, StringConstraints(pattern=r"^[a-z]{2}$")]
OrderStatus = Literal["new", "processing", "handed_to_courier", "delivered", "cancelled", "returned"]


class DataImportError(ValueError):
    """Invalid import data; nothing was written. `problems` lists every problem found."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        shown = problems[:10]
        more = f"\n… and {len(problems) - len(shown)} more" if len(problems) > len(shown) else ""
        super().__init__("invalid import data:\n" + "\n".join(f"- {p}" for p in shown) + more)


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class CustomerIn(_In):
    id: Text
    name: Text
    tier: Literal["standard", "premium", "vip"] = "standard"
    preferred_language: Language = "en"
    phone: str | None = None
    email: str | None = None
    channels: dict[str, Text] = Field(default_factory=dict)
    preferred_channels: list[str] = Field(default_factory=list)
    opted_out: bool = False
    code_word: Text | None = None

    @field_validator("email")
    @classmethod
    def _email(cls, value: str | None) -> str | None:
        if value is not None and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", value):
            raise ValueError("not an e-mail address")
        return value


class OrderItemIn(_In):
    sku: Text
    name: Text
    qty: int = Field(default=1, ge=1)
    price: Money = 0.0


class OrderIn(_In):
    id: Text
    customer_id: Text
    date: dt.date
    status: OrderStatus
    items: list[OrderItemIn] = Field(default_factory=list)
    total: Money = 0.0
    currency: Currency = "EUR"
    delivery_address: str = ""
    delivery_date: dt.date | None = None
    delivered_at: str | None = None
    tracking_url: str | None = None
    payment_method: Text = "card"

    @field_validator("delivered_at")
    @classmethod
    def _delivered_at(cls, value: str | None) -> str | None:
        if value is not None:
            datetime.fromisoformat(value.replace("Z", "+00:00"))  # raises ValueError with a clear message
        return value


class LoyaltyIn(_In):
    customer_id: Text
    tier: Text
    points: int = Field(default=0, ge=0)


class PreferencesIn(_In):
    customer_id: Text
    quiet_hours: list[Annotated[str, StringConstraints(pattern=r"^([01]\d|2[0-3]):[0-5]\d$")]] = Field(
        default_factory=list, max_length=2
    )
    timezone: str = "UTC"

    @field_validator("timezone")
    @classmethod
    def _timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r}") from None
        return value


class ServiceIn(_In):
    code: Text
    name: Text
    active: bool = False
    monthly_fee: Money = 0.0


class SubscriberIn(_In):
    msisdn: Msisdn
    customer_id: Text
    plan: Text
    balance: float
    currency: Currency = "RUB"
    traffic: dict[str, float] = Field(default_factory=dict)
    services: list[ServiceIn] = Field(default_factory=list)
    locked: bool = False
    region: str = ""


class CatalogIn(_In):
    code: Text
    name: Text
    monthly_fee: Money = 0.0


class OutageIn(_In):
    id: int | None = None
    region: Text
    start: AwareDatetime = Field(alias="from")
    end: AwareDatetime = Field(alias="to")
    kind: Text = "mobile_data"

    @model_validator(mode="after")
    def _order(self) -> OutageIn:
        if self.end <= self.start:
            raise ValueError("'to' must be after 'from'")
        return self


class SlotIn(_In):
    id: Text
    region: Text
    start: AwareDatetime
    end: AwareDatetime
    booked: bool | None = None

    @model_validator(mode="after")
    def _order(self) -> SlotIn:
        if self.end <= self.start:
            raise ValueError("'end' must be after 'start'")
        return self


class ReturnIn(_In):
    id: Text
    order_id: Text
    customer_id: Text
    reason: str
    status: Text
    created_at: datetime
    items: list[Text] | None = None


class TicketIn(_In):
    id: Text
    customer_id: Text
    msisdn: str | None = None
    order_id: str | None = None
    text: str
    compensation: Money = 0.0
    created_at: datetime
    category: Text = "general"
    outage_id: int | None = None


class PaymentIn(_In):
    id: Text
    customer_id: Text
    msisdn: str | None = None
    amount: Annotated[float, Field(gt=0)]
    currency: Currency
    url: Text
    created_at: datetime
    status: Literal["pending", "paid"] = "pending"


class BookingIn(_In):
    id: Text
    slot_id: Text
    customer_id: Text
    created_at: datetime
    status: Literal["active", "cancelled"] = "active"
    msisdn: str | None = None


class OutboundIn(_In):
    id: Text
    customer_id: Text
    trigger: Text
    channel: str | None = None
    text: str = ""
    status: Text
    created_at: datetime


class EscalationIn(_In):
    id: int
    session_id: Text
    customer_id: Text
    reason: Text
    priority: Literal["low", "normal", "high", "urgent"]
    status: Literal["open", "assigned", "resolved", "returned"]
    created_at: datetime
    summary: str = ""


class ImportPayload(_In):
    customers: list[CustomerIn] = Field(default_factory=list)
    service_catalog: list[CatalogIn] = Field(default_factory=list)
    orders: list[OrderIn] = Field(default_factory=list)
    loyalty: list[LoyaltyIn] = Field(default_factory=list)
    preferences: list[PreferencesIn] = Field(default_factory=list)
    subscribers: list[SubscriberIn] = Field(default_factory=list)
    outages: list[OutageIn] = Field(default_factory=list)
    technician_slots: list[SlotIn] = Field(default_factory=list)
    returns: list[ReturnIn] = Field(default_factory=list)
    tickets: list[TicketIn] = Field(default_factory=list)
    payments: list[PaymentIn] = Field(default_factory=list)
    bookings: list[BookingIn] = Field(default_factory=list)
    outbound_messages: list[OutboundIn] = Field(default_factory=list)
    escalations: list[EscalationIn] = Field(default_factory=list)


COLLECTIONS = tuple(ImportPayload.model_fields)
_KEY_FIELDS = ("id", "msisdn", "customer_id", "code")


@dataclass
class ImportReport:
    created: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)

    def count(self, collection: str, created: bool) -> None:
        target = self.created if created else self.updated
        target[collection] = target.get(collection, 0) + 1

    @property
    def total(self) -> int:
        return sum(self.created.values()) + sum(self.updated.values())

    def summary(self) -> str:
        names = [c for c in COLLECTIONS if c in self.created or c in self.updated]
        parts = [f"{c}: {self.created.get(c, 0)} new, {self.updated.get(c, 0)} updated" for c in names]
        return "; ".join(parts) if parts else "nothing to import"


# ---- validation ----------------------------------------------------------------------------------


def _describe(payload: dict[str, Any], collection: str, index: int) -> str:
    try:
        record = payload[collection][index]
    except (KeyError, IndexError, TypeError):
        return f"{collection}[{index}]"
    if isinstance(record, dict):
        for key in _KEY_FIELDS:
            if isinstance(record.get(key), str | int) and record.get(key) != "":
                return f"{collection}[{index}] ({key} {record[key]})"
    return f"{collection}[{index}]"


def _validation_problems(payload: dict[str, Any], error: ValidationError) -> list[str]:
    problems = []
    for item in error.errors():
        loc = list(item["loc"])
        message = item["msg"]
        if not loc:
            problems.append(message)
        elif item["type"] == "extra_forbidden" and len(loc) == 1:
            problems.append(f"unknown collection {loc[0]!r} (expected: {', '.join(COLLECTIONS)})")
        elif len(loc) >= 2 and isinstance(loc[1], int):
            where = _describe(payload, str(loc[0]), loc[1])
            field_path = ".".join(str(p) for p in loc[2:])
            problems.append(f"{where}: {('field ' + repr(field_path) + ': ') if field_path else ''}{message}")
        else:
            problems.append(f"{'.'.join(str(p) for p in loc)}: {message}")
    return problems


def _existing_ids(s: Session, column: Any, wanted: set[str]) -> set[str]:
    found: set[str] = set()
    values = sorted(wanted)
    for start in range(0, len(values), 500):
        found.update(s.scalars(select(column).where(column.in_(values[start : start + 500]))))
    return found


def _reference_problems(s: Session, data: ImportPayload) -> list[str]:
    """Duplicates within a collection and references to records neither imported nor stored."""
    problems: list[str] = []
    for collection in COLLECTIONS:
        seen: set[Any] = set()
        for index, record in enumerate(getattr(data, collection)):
            key = next((getattr(record, k) for k in _KEY_FIELDS if hasattr(record, k)), None)
            if collection == "outages":
                key = (
                    ("id", record.id) if record.id is not None else (record.region, record.start, record.kind)
                )
            if key in seen:
                problems.append(f"{collection}[{index}]: duplicate of an earlier record in the same file")
            seen.add(key)

    def check(collection: str, attribute: str, target: str, column: Any, known: set[str]) -> None:
        records = getattr(data, collection)
        wanted = {getattr(r, attribute) for r in records if getattr(r, attribute) is not None} - known
        present = _existing_ids(s, column, wanted) if wanted else set()
        for index, record in enumerate(records):
            value = getattr(record, attribute)
            if value is not None and value not in known and value not in present:
                where = _describe_record(collection, index, record)
                problems.append(f"{where}: field {attribute!r}: unknown {target} {value!r}")

    customers = {c.id for c in data.customers}
    for collection in (
        "orders",
        "loyalty",
        "preferences",
        "subscribers",
        "returns",
        "tickets",
        "payments",
        "bookings",
    ):
        check(collection, "customer_id", "customer", CustomerRow.id, customers)
    check("returns", "order_id", "order", OrderRow.id, {o.id for o in data.orders})
    check(
        "bookings", "slot_id", "technician slot", TechnicianSlotRow.id, {t.id for t in data.technician_slots}
    )
    return problems


def _describe_record(collection: str, index: int, record: BaseModel) -> str:
    for key in _KEY_FIELDS:
        if hasattr(record, key):
            return f"{collection}[{index}] ({key} {getattr(record, key)})"
    return f"{collection}[{index}]"


# ---- writing -------------------------------------------------------------------------------------


def _upsert(
    s: Session,
    model: type[Any],
    records: list[Any],
    key: Callable[[Any], Any],
    values: Callable[[Any], dict[str, Any]],
    provided: Callable[[Any], set[str]],
    report: ImportReport,
    collection: str,
) -> dict[Any, Any]:
    """Inserts new rows, updates only the provided columns of existing ones; returns rows by key."""
    keys = [key(r) for r in records]
    existing: dict[Any, Any] = {}
    for start in range(0, len(keys), 500):
        for row in s.scalars(
            select(model).where(model.__mapper__.primary_key[0].in_(keys[start : start + 500]))
        ):
            existing[row.__mapper__.primary_key_from_instance(row)[0]] = row
    rows: dict[Any, Any] = {}
    for record, k in zip(records, keys, strict=True):
        full = values(record)
        row = existing.get(k)
        if row is None:
            row = model(**full)
            s.add(row)
            report.count(collection, created=True)
        else:
            for name in provided(record):
                if name in full:
                    setattr(row, name, full[name])
            report.count(collection, created=False)
        rows[k] = row
    return rows


def _same(record: BaseModel) -> set[str]:
    return set(record.model_fields_set)


def _customer_values(c: CustomerIn) -> dict[str, Any]:
    return {
        "id": c.id,
        "name": c.name,
        "tier": c.tier,
        "preferred_language": c.preferred_language,
        "phone": c.phone,
        "email": c.email,
        "preferred_channels": list(c.preferred_channels),
        "opted_out": c.opted_out,
    }


def _write_customers(s: Session, customers: list[CustomerIn], report: ImportReport) -> None:
    rows = _upsert(s, CustomerRow, customers, lambda c: c.id, _customer_values, _same, report, "customers")
    for c in customers:
        row = rows[c.id]
        if "code_word" in c.model_fields_set:
            row.code_word_hash = hash_code_word(c.code_word) if c.code_word else None
        if "channels" in c.model_fields_set or not row.channels:
            row.channels = [
                CustomerChannelRow(
                    channel=name, address=address, address_norm=normalize_address(name, address)
                )
                for name, address in sorted(c.channels.items())
            ]


def _write_subscribers(s: Session, subscribers: list[SubscriberIn], report: ImportReport) -> None:
    def values(sub: SubscriberIn) -> dict[str, Any]:
        return sub.model_dump(exclude={"services"})

    rows = _upsert(s, SubscriberRow, subscribers, lambda x: x.msisdn, values, _same, report, "subscribers")
    for sub in subscribers:
        row = rows[sub.msisdn]
        if "services" not in sub.model_fields_set and row.services:
            continue
        current = {service.code: service for service in row.services}
        merged = []
        for service in sub.services:
            target = current.get(service.code) or SubscriberServiceRow(msisdn=sub.msisdn, code=service.code)
            target.name, target.active, target.monthly_fee = service.name, service.active, service.monthly_fee
            merged.append(target)
        row.services = merged


def _write_outages(s: Session, outages: list[OutageIn], report: ImportReport) -> None:
    for outage in outages:
        start_at, end_at = outage.start, outage.end
        row = None
        if outage.id is not None:
            row = s.get(OutageRow, outage.id)
        if row is None:
            row = s.scalar(
                select(OutageRow).where(
                    OutageRow.region == outage.region,
                    OutageRow.kind == outage.kind,
                    OutageRow.start_at == start_at,
                )
            )
        created = row is None
        if row is None:
            row = OutageRow(id=outage.id) if outage.id is not None else OutageRow()
            s.add(row)
        row.region, row.kind = outage.region, outage.kind
        row.start, row.end = outage.start.isoformat(), outage.end.isoformat()
        row.start_at, row.end_at = start_at, end_at
        s.flush()
        report.count("outages", created=created)


def _slot_values(slot: SlotIn) -> dict[str, Any]:
    return {
        "id": slot.id,
        "region": slot.region,
        "start": slot.start.isoformat(),
        "end": slot.end.isoformat(),
        "start_at": slot.start,
        "booked": bool(slot.booked),
    }


def _slot_provided(slot: SlotIn) -> set[str]:
    fields = set(slot.model_fields_set)
    if "start" in fields:
        fields.add("start_at")
    if slot.booked is None:
        fields.discard("booked")
    return fields


def _payment_values(p: PaymentIn) -> dict[str, Any]:
    return {
        **p.model_dump(),
        "token": p.url.rstrip("/").rsplit("/", 1)[-1],
        "expires_at": p.created_at + timedelta(hours=24),
        "paid_at": p.created_at if p.status == "paid" else None,
    }


def _escalation_values(e: EscalationIn) -> dict[str, Any]:
    return {**e.model_dump(), "updated_at": e.created_at}


def import_data(db: Database, payload: Any) -> ImportReport:
    """Validates the whole payload, then upserts it in one transaction; raises `DataImportError`."""
    if not isinstance(payload, dict):
        raise DataImportError(["the file must hold a JSON object with collections such as 'customers'"])
    try:
        data = ImportPayload.model_validate(payload)
    except ValidationError as error:
        raise DataImportError(_validation_problems(payload, error)) from None
    report = ImportReport()
    with db.session() as s:
        problems = _reference_problems(s, data)
        if problems:
            raise DataImportError(problems)
        _write_customers(s, data.customers, report)
        dump = BaseModel.model_dump
        by_id, by_customer = (lambda x: x.id), (lambda x: x.customer_id)
        _upsert(
            s,
            CatalogServiceRow,
            data.service_catalog,
            lambda x: x.code,
            dump,
            _same,
            report,
            "service_catalog",
        )
        s.flush()
        _upsert(s, OrderRow, data.orders, by_id, _order_values, _same, report, "orders")
        _upsert(s, LoyaltyRow, data.loyalty, by_customer, dump, _same, report, "loyalty")
        _upsert(s, PreferencesRow, data.preferences, by_customer, dump, _same, report, "preferences")
        _write_subscribers(s, data.subscribers, report)
        _write_outages(s, data.outages, report)
        slots = data.technician_slots
        _upsert(s, TechnicianSlotRow, slots, by_id, _slot_values, _slot_provided, report, "technician_slots")
        s.flush()
        for collection, model, values in (
            ("returns", ReturnRow, dump),
            ("tickets", TicketRow, dump),
            ("payments", PaymentRow, _payment_values),
            ("bookings", BookingRow, dump),
            ("outbound_messages", OutboundMessage, dump),
            ("escalations", Escalation, _escalation_values),
        ):
            provided = _all_columns if collection in ("payments", "escalations") else _same
            _upsert(s, model, getattr(data, collection), by_id, values, provided, report, collection)
        s.flush()
        _sync_sequences(s)
    return report


def _sync_sequences(s: Session) -> None:
    """Explicit ids (outages, escalations from an export) must not collide with later generated ones."""
    if s.get_bind().dialect.name != "postgresql":
        return  # SQLite's INTEGER PRIMARY KEY continues after the largest id by itself
    for table in ("outages", "escalations"):
        s.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"COALESCE((SELECT MAX(id) FROM {table}), 0) + 1, false)"
            )
        )


def _all_columns(record: BaseModel) -> set[str]:
    return set(record.model_fields_set) | {"token", "expires_at", "paid_at", "updated_at"}


def _order_values(o: OrderIn) -> dict[str, Any]:
    values = o.model_dump()
    values["items"] = [item.model_dump() for item in o.items]
    return values


# ---- export --------------------------------------------------------------------------------------


def _all(s: Session, model: type[Any], *order: Any) -> Iterable[Any]:
    return s.scalars(select(model).order_by(*order))


def export_data(db: Database) -> dict[str, Any]:
    """The backend's state in the import format, plus the records created (no code words, no hashes)."""
    with db.read() as s:
        return {
            "customers": [customer_record(r).as_dict() for r in _all(s, CustomerRow, CustomerRow.id)],
            "orders": [
                order_record(r).as_dict() for r in _all(s, OrderRow, OrderRow.customer_id, OrderRow.id)
            ],
            "loyalty": [
                {"customer_id": r.customer_id, "tier": r.tier, "points": r.points}
                for r in _all(s, LoyaltyRow, LoyaltyRow.customer_id)
            ],
            "preferences": [
                {"customer_id": r.customer_id, "quiet_hours": list(r.quiet_hours), "timezone": r.timezone}
                for r in _all(s, PreferencesRow, PreferencesRow.customer_id)
            ],
            "subscribers": [
                subscriber_record(r).as_dict() for r in _all(s, SubscriberRow, SubscriberRow.msisdn)
            ],
            "service_catalog": [
                {"code": r.code, "name": r.name, "monthly_fee": float(r.monthly_fee)}
                for r in _all(s, CatalogServiceRow, CatalogServiceRow.code)
            ],
            "outages": [
                {"id": r.id, "region": r.region, "from": r.start, "to": r.end, "kind": r.kind}
                for r in _all(s, OutageRow, OutageRow.id)
            ],
            "technician_slots": [
                {"id": r.id, "region": r.region, "start": r.start, "end": r.end, "booked": r.booked}
                for r in _all(s, TechnicianSlotRow, TechnicianSlotRow.start_at, TechnicianSlotRow.id)
            ],
            "returns": [
                return_record(r).as_dict() for r in _all(s, ReturnRow, ReturnRow.created_at, ReturnRow.id)
            ],
            "tickets": [
                ticket_record(r).as_dict() for r in _all(s, TicketRow, TicketRow.created_at, TicketRow.id)
            ],
            "payments": [
                payment_record(r).as_dict() for r in _all(s, PaymentRow, PaymentRow.created_at, PaymentRow.id)
            ],
            "bookings": [
                booking_record(r).as_dict() for r in _all(s, BookingRow, BookingRow.created_at, BookingRow.id)
            ],
            "outbound_messages": [
                {
                    "id": r.id,
                    "customer_id": r.customer_id,
                    "trigger": r.trigger,
                    "channel": r.channel,
                    "text": r.text,
                    "status": r.status,
                    "created_at": iso(r.created_at),
                }
                for r in _all(s, OutboundMessage, OutboundMessage.created_at, OutboundMessage.id)
            ],
            "escalations": [
                {
                    "id": r.id,
                    "session_id": r.session_id,
                    "customer_id": r.customer_id,
                    "reason": r.reason,
                    "priority": r.priority,
                    "status": r.status,
                    "created_at": iso(r.created_at),
                    "summary": r.summary,
                }
                for r in _all(s, Escalation, Escalation.id)
            ],
        }
