"""`import_data` / `export_data` / `parley data` (CONTRACT §1 and §3)."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from parley.backends.reference.backend import SqlBackend
from parley.backends.reference.cli import app
from parley.backends.reference.io import DataImportError, export_data, import_data
from parley.backends.reference.models import CustomerRow, OrderRow, OutageRow
from parley.demo import demo_payload, load_demo, raw_demo_data
from parley.store.conversations import ConversationStore
from parley.store.db import Database
from parley.store.models import OutboundMessage


def _count(db: Database, model: Any) -> int:
    with db.read() as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)


def test_demo_import_is_idempotent(db: Database) -> None:
    first = load_demo(db)
    assert (
        first.created["customers"] == 11 and first.created["orders"] == 18 and first.created["outages"] == 1
    )
    before = export_data(db)
    second = load_demo(db)
    assert second.created == {} and second.updated["customers"] == 11
    assert export_data(db) == before
    assert _count(db, OutageRow) == 1


def _problem(db: Database, payload: dict[str, Any]) -> str:
    with pytest.raises(DataImportError) as caught:
        import_data(db, payload)
    return str(caught.value)


def test_invalid_record_is_named_and_nothing_is_imported(db: Database) -> None:
    payload = raw_demo_data()
    payload["orders"][3]["status"] = "lost"
    message = _problem(db, payload)
    assert "orders[3] (id 100120)" in message and "'status'" in message
    assert _count(db, CustomerRow) == 0 and _count(db, OrderRow) == 0


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (lambda p: p["customers"][1].update(tier="gold"), "customers[1] (id C-1002): field 'tier'"),
        (lambda p: p["customers"][0].pop("name"), "customers[0] (id C-1001): field 'name': Field required"),
        (lambda p: p["customers"][0].update(email="nope"), "field 'email'"),
        (lambda p: p["orders"][0].update(date="2026-02-30"), "orders[0] (id 100234): field 'date'"),
        (lambda p: p["orders"][0]["items"][0].update(qty=0), "field 'items.0.qty'"),
        (lambda p: p["orders"][0].update(customer_id="C-404"), "unknown customer 'C-404'"),
        (
            lambda p: p["subscribers"][0].update(msisdn="12345"),
            "subscribers[0] (msisdn 12345): field 'msisdn'",
        ),
        (lambda p: p["outages"][0].update({"to": "2026-11-25T07:00:00+03:00"}), "'to' must be after 'from'"),
        (lambda p: p["outages"][0].update({"from": "2026-11-25T08:00:00"}), "field 'from'"),
        (lambda p: p["technician_slots"][0].update(colour="red"), "field 'colour': Extra inputs"),
        (lambda p: p["preferences"][0].update(timezone="Mars/Olympus"), "unknown time zone"),
        (lambda p: p["orders"].append(copy.deepcopy(p["orders"][0])), "orders[18]: duplicate"),
        (lambda p: p.update(custmers=[]), "unknown collection 'custmers'"),
        (lambda p: p.update(orders={"id": 1}), "orders: Input should be a valid list"),
    ],
)
def test_validation_errors_name_the_record(db: Database, mutate: Any, expected: str) -> None:
    payload = raw_demo_data()
    mutate(payload)
    assert expected in _problem(db, payload)
    assert _count(db, CustomerRow) == 0


def test_not_an_object(db: Database) -> None:
    assert "JSON object" in _problem(db, [1, 2])  # type: ignore[arg-type]


def test_references_may_point_at_stored_records(db: Database) -> None:
    load_demo(db)
    report = import_data(
        db, {"orders": [{"id": "9", "customer_id": "C-1001", "date": "2026-11-26", "status": "new"}]}
    )
    assert report.created == {"orders": 1}


def test_reimport_updates_given_fields_and_keeps_the_rest(demo_db: Database) -> None:
    backend = SqlBackend(demo_db, payment_base_url="http://x", secret_key="k")
    backend.book_slot("slot-msk-1", "C-2001", None, idempotency_key="k1")
    import_data(
        demo_db,
        {
            "customers": [{"id": "C-2001", "name": "Ivan K."}],
            "technician_slots": [
                {"id": "slot-msk-1", "region": "Moscow", "start": "2026-11-27T10:00:00+03:00",
                 "end": "2026-11-27T12:30:00+03:00"}
            ],
        },
    )  # fmt: skip
    ivan = backend.get_customer("C-2001")
    assert ivan is not None and ivan.name == "Ivan K." and ivan.tier == "standard" and ivan.channels
    assert backend.verify_code_word("C-2001", "подсолнух")  # code word kept when omitted
    slot = backend.get_slot("slot-msk-1")
    assert slot is not None and slot.booked and slot.end == "2026-11-27T12:30:00+03:00"
    import_data(demo_db, {"customers": [{"id": "C-2001", "name": "Ivan K.", "code_word": "кактус"}]})
    assert backend.verify_code_word("C-2001", "кактус") and not backend.verify_code_word(
        "C-2001", "подсолнух"
    )


def _with_created_records(db: Database) -> None:
    backend = SqlBackend(db, payment_base_url="http://127.0.0.1:8000", secret_key="k")
    (outage,) = backend.outages("Moscow")
    backend.create_return(
        "100198", "C-1001", "does not fit", idempotency_key="r", items=["Наушники беспроводные"]
    )
    backend.create_ticket(
        "C-2001", "no data", msisdn="+79160000001", compensation=100, outage_id=outage.id, idempotency_key="t"
    )
    payment = backend.create_payment("C-2005", "+79210000006", 150, "RUB", idempotency_key="p")
    backend.mark_payment_paid(payment.id)
    backend.book_slot("slot-spb-1", "C-2004", "+79210000005", idempotency_key="b")
    store = ConversationStore(db)
    store.ensure_conversation("s-1", "C-1003", "web_chat")
    store.create_escalation("s-1", "C-1003", "customer_request", "high", "wants a human")
    with db.session() as s:
        s.add(
            OutboundMessage(
                id="M-1", customer_id="C-1001", trigger="order_shipped", channel="sms", text="Shipped!",
                status="sent", created_at=backend_now(),
            )
        )  # fmt: skip


def backend_now() -> Any:
    from parley import clock

    return clock.now()


def test_export_round_trip_and_no_code_words(demo_db: Database, tmp_path: Path) -> None:
    _with_created_records(demo_db)
    exported = export_data(demo_db)
    for collection in ("returns", "tickets", "payments", "bookings", "outbound_messages", "escalations"):
        assert len(exported[collection]) == 1, collection
    assert set(exported["tickets"][0]) >= {
        "id",
        "customer_id",
        "msisdn",
        "order_id",
        "text",
        "compensation",
        "created_at",
    }
    assert exported["tickets"][0]["compensation"] == 100
    assert exported["returns"][0]["items"] == ["Наушники беспроводные"]
    assert exported["outages"][0]["from"] == "2026-11-25T08:00:00+03:00"
    text = json.dumps(exported, ensure_ascii=False)
    for secret in ("code_word", "scrypt", "подсолнух", "ромашка", "maple"):
        assert secret not in text

    other = Database(f"sqlite:///{tmp_path / 'other.db'}")
    from parley.store.migrate import upgrade_engine

    upgrade_engine(other.engine)
    import_data(other, exported)
    assert export_data(other) == exported
    import_data(other, exported)  # idempotent for created records too
    assert export_data(other) == exported
    other.dispose()


def test_demo_dates_follow_the_clock() -> None:
    from datetime import date

    moved = demo_payload(date(2026, 12, 10))
    raw = raw_demo_data()
    assert raw["orders"][0]["date"] == "2026-11-20" and moved["orders"][0]["date"] == "2026-12-04"
    assert moved["outages"][0]["from"] == "2026-12-09T08:00:00+03:00"
    assert moved["technician_slots"][0]["start"] == "2026-12-11T10:00:00+03:00"
    assert demo_payload(date(2026, 11, 26)) == raw


def test_demo_covers_both_packs() -> None:
    data = raw_demo_data()
    tiers = {c["tier"] for c in data["customers"] if c["id"].startswith("C-2")}
    assert tiers == {"standard", "premium", "vip"}
    owners = [s["customer_id"] for s in data["subscribers"]]
    assert any(owners.count(o) > 1 for o in owners)
    assert any(s["locked"] for s in data["subscribers"]) and any(
        s["balance"] < 0 for s in data["subscribers"]
    )
    statuses = {o["status"] for o in data["orders"]}
    assert {"new", "processing", "handed_to_courier", "delivered", "cancelled"} <= statuses
    assert {s["region"] for s in data["technician_slots"]} == {"Moscow", "Saint Petersburg"}


# ---- the CLI ---------------------------------------------------------------------------------


@pytest.fixture
def cli_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    from parley.config import get_settings

    monkeypatch.setenv("PARLEY_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    get_settings.cache_clear()
    yield tmp_path
    get_settings.cache_clear()


def test_cli_import_and_export(cli_env: Path) -> None:
    runner = CliRunner()
    data_file = cli_env / "data.json"
    data_file.write_text(json.dumps(raw_demo_data(), ensure_ascii=False), encoding="utf-8")
    result = runner.invoke(app, ["import", str(data_file)])
    assert result.exit_code == 0, result.output
    assert "customers: 11 new" in result.output

    result = runner.invoke(app, ["export"])
    assert result.exit_code == 0
    exported = json.loads(result.stdout)
    assert len(exported["customers"]) == 11 and exported["payments"] == []

    out = cli_env / "out.json"
    result = runner.invoke(app, ["export", "--out", str(out)])
    assert result.exit_code == 0 and json.loads(out.read_text(encoding="utf-8")) == exported


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (None, "cannot read"),
        ("{not json", "not valid JSON"),
        (
            '{"orders": [{"id": "1", "customer_id": "C-1", "date": "2026-11-01", "status": "new"}]}',
            "unknown customer",
        ),
    ],
)
def test_cli_import_errors_are_clean(cli_env: Path, content: str | None, expected: str) -> None:
    path = cli_env / "bad.json"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    result = CliRunner().invoke(app, ["import", str(path)])
    assert result.exit_code == 1
    assert expected in result.output and "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
