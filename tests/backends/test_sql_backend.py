"""Conformance of `SqlBackend` to the ports (parley.backends.ports), on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import func, select

from parley.backends.ports import Backend, RecordNotFound, SlotTaken
from parley.backends.reference.backend import SqlBackend
from parley.backends.reference.models import BookingRow, CustomerRow, TicketRow
from parley.store.db import Database

BASE = "http://127.0.0.1:8000"


@pytest.fixture
def backend(demo_db: Database) -> SqlBackend:
    return SqlBackend(demo_db, payment_base_url=BASE + "/", secret_key="test-secret")


def test_is_a_backend(backend: SqlBackend) -> None:
    port: Backend = backend  # mypy checks the protocol; the runtime check is that every method exists
    for name in Backend.__dict__:
        if not name.startswith("_"):
            assert callable(getattr(port, name)), name


def test_customers_and_channels(backend: SqlBackend) -> None:
    anna = backend.get_customer("C-1001")
    assert anna is not None and anna.name == "Anna Petrova" and anna.tier == "standard"
    assert anna.channels["telegram"] == "100000001"
    assert backend.get_customer("C-9999") is None
    found = backend.find_customer_by_channel("sms", "+7 (916) 123-45-67")
    assert found is not None and found.id == "C-1001"
    found = backend.find_customer_by_channel("whatsapp", "79160000002")
    assert found is not None and found.id == "C-2002"
    found = backend.find_customer_by_channel("email", "John.Smith@Example.com")
    assert found is not None and found.id == "C-1002"
    assert backend.find_customer_by_channel("telegram", "000") is None


def test_a_customer_read_in_one_statement_with_or_without_channels(
    backend: SqlBackend, demo_db: Database
) -> None:
    with demo_db.session() as s:
        s.add(CustomerRow(id="C-NOCH", name="Nobody Reachable", tier="vip", preferred_channels=["web"]))
    lonely = backend.get_customer("C-NOCH")
    assert lonely is not None and lonely.channels == {} and lonely.tier == "vip"
    assert lonely.preferred_channels == ["web"] and lonely.opted_out is False
    anna = backend.get_customer("C-1001")
    with demo_db.read() as s:
        row = s.get(CustomerRow, "C-1001")
        assert row is not None
        expected = {c.channel: c.address for c in row.channels}
    assert anna is not None and anna.channels == expected and list(anna.channels) == sorted(expected)


def test_orders_newest_first_and_updates(backend: SqlBackend) -> None:
    orders = backend.recent_orders("C-1001")
    assert [o.id for o in orders] == ["100260", "100234", "100198", "100120"]
    assert [o.id for o in backend.recent_orders("C-1001", limit=2)] == ["100260", "100234"]
    assert all(o.customer_id == "C-1001" for o in orders)
    kettle = backend.get_order("100234")
    assert (
        kettle is not None
        and kettle.items[0].name == "Electric kettle"
        and kettle.total == pytest.approx(49.9)
    )
    assert backend.get_order("nope") is None

    changed = backend.update_order("100234", delivery_address="Moscow, Arbat 1", delivery_date="2026-11-30")
    assert changed.delivery_address == "Moscow, Arbat 1" and changed.delivery_date == "2026-11-30"
    assert backend.get_order("100234") == changed
    with pytest.raises(ValueError, match="total"):
        backend.update_order("100234", total=0)
    with pytest.raises(RecordNotFound):
        backend.update_order("nope", status="cancelled")


def test_loyalty_and_preferences(backend: SqlBackend) -> None:
    loyalty = backend.get_loyalty("C-1003")
    assert loyalty is not None and loyalty.tier == "vip" and loyalty.points > 0
    prefs = backend.get_preferences("C-1001")
    assert prefs is not None and prefs.timezone == "Europe/Moscow" and prefs.quiet_hours == ["22:00", "08:00"]
    assert backend.get_loyalty("C-9999") is None and backend.get_preferences("C-9999") is None


def test_a_turns_context_is_read_ahead_and_served_until_the_turn_writes(
    backend: SqlBackend, demo_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    statements: list[str] = []
    # a retail customer (orders) and a telecom one (numbers): the demo has nobody with both
    alone = (backend.recent_orders("C-1001"), backend.subscribers_of("C-2001"), backend.get_loyalty("C-1003"))
    backend_alone_customer = backend.get_customer("C-1001")
    with demo_db.shared_reads():
        with demo_db.reading() as conn:  # the turn's connection: count what reaches it
            driver: Any = conn.connection.driver_connection
        if demo_db.dialect == "sqlite":
            driver.set_trace_callback(statements.append)
        else:
            import psycopg

            original = psycopg.Cursor.execute

            def counted(self: Any, query: Any, *args: Any, **kwargs: Any) -> Any:
                statements.append(str(query))
                return original(self, query, *args, **kwargs)

            monkeypatch.setattr(psycopg.Cursor, "execute", counted)
        for customer in ("C-1001", "C-2001", "C-1003"):
            backend.prefetch_context(customer)
        read_ahead = len(statements)
        statements.clear()
        assert backend.get_customer("C-1001") == backend_alone_customer
        orders = backend.recent_orders("C-1001", 10)
        assert (orders, backend.subscribers_of("C-2001"), backend.get_loyalty("C-1003")) == alone
        assert backend.get_preferences("C-1001") is not None
        assert backend.get_order(orders[0].id) == orders[0]
        assert statements == []  # all of it from the read-ahead
        first = orders[0]
        assert backend.get_order(first.id) is not backend.get_order(first.id)  # fresh records each time

        backend.update_order(first.id, delivery_date="2026-12-24")  # the turn writes
        statements.clear()
        assert backend.get_order(first.id).delivery_date == "2026-12-24"  # type: ignore[union-attr]
        assert statements  # read again after the write
        if demo_db.dialect == "sqlite":
            driver.set_trace_callback(None)
    assert read_ahead == 18  # six statements a customer, one round trip on PostgreSQL (test_driver_query)
    statements.clear()
    backend.prefetch_context("C-2001")  # outside a turn: nothing is kept, nothing is read
    assert statements == []


def _count(db: Database, model: Any) -> int:
    with db.read() as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)


def test_writers_are_idempotent_by_key(backend: SqlBackend) -> None:
    first = backend.create_return("100198", "C-1001", "too small", idempotency_key="ret-1")
    again = backend.create_return("100198", "C-1001", "too small", idempotency_key="ret-1")
    assert first == again and first.status == "requested"
    other = backend.create_return("100198", "C-1001", "too small", idempotency_key="ret-2")
    assert other.id != first.id

    ticket = backend.create_ticket("C-2001", "no internet", msisdn="+79160000001", idempotency_key="t-1")
    assert (
        backend.create_ticket("C-2001", "no internet", msisdn="+79160000001", idempotency_key="t-1") == ticket
    )
    assert _count(backend.db, TicketRow) == 1
    assert backend.tickets_for("C-2001") == [ticket]
    with pytest.raises(RecordNotFound):
        backend.create_return("nope", "C-1001", "x", idempotency_key="ret-3")


def test_a_return_of_some_items_of_an_order(backend: SqlBackend) -> None:
    part = backend.create_return(
        "100287", "C-1002", "chipped", idempotency_key="p-1", items=["Ceramic mug set"]
    )
    whole = backend.create_return("100287", "C-1002", "changed my mind", idempotency_key="p-2")
    assert (part.items, whole.items) == (["Ceramic mug set"], [])
    # (both at the frozen clock's instant: no order between them to check)
    assert sorted(backend.returns_for_order("100287"), key=lambda r: r.reason) == [whole, part]


def test_concurrent_writers_with_one_key_create_one_record(backend: SqlBackend) -> None:
    results = _race(
        lambda: backend.create_ticket("C-2002", "slow", msisdn="+79160000002", idempotency_key="same"), n=4
    )
    assert len({r.id for r in results if not isinstance(r, BaseException)}) == 1
    assert not [r for r in results if isinstance(r, BaseException)]
    assert _count(backend.db, TicketRow) == 1


def test_compensation_is_recorded_once_per_outage_and_number(backend: SqlBackend) -> None:
    (outage,) = backend.outages("Moscow")
    assert outage.start == "2026-11-25T08:00:00+03:00" and outage.kind == "mobile_data"
    assert backend.outages("Saint Petersburg") == []
    assert not backend.compensated("+79160000001", outage.id)
    backend.create_ticket("C-2001", "slow", msisdn="+79160000001", idempotency_key="a", outage_id=outage.id)
    assert not backend.compensated("+79160000001", outage.id)  # a ticket without money is not compensation
    backend.create_ticket(
        "C-2001", "no data", msisdn="+79160000001", compensation=100, outage_id=outage.id, idempotency_key="b"
    )
    assert backend.compensated("+79160000001", outage.id)
    assert not backend.compensated("+79160000004", outage.id)


def test_services_lock_and_balance(backend: SqlBackend) -> None:
    sub = backend.set_service_active("+79160000001", "roaming", True)
    assert next(s for s in sub.services if s.code == "roaming").active
    sub = backend.set_service_active("+79160000001", "extra_data", True)  # not on the number yet
    extra = next(s for s in sub.services if s.code == "extra_data")
    assert extra.active and extra.monthly_fee == 200 and extra.name == "Extra 10 GB"
    assert not next(
        s for s in backend.set_service_active("+79160000001", "music", False).services if s.code == "music"
    ).active
    with pytest.raises(RecordNotFound):
        backend.set_service_active("+79160000001", "teleport", True)
    assert backend.set_locked("+79210000005", False).locked is False
    assert backend.credit_balance("+79210000006", 100).balance == pytest.approx(14.7)
    assert [s.msisdn for s in backend.subscribers_of("C-2002")] == ["+79160000002", "+79160000003"]
    assert {c.code: c.monthly_fee for c in backend.service_catalog()}["roaming"] == 150
    with pytest.raises(RecordNotFound):
        backend.credit_balance("+70000000000", 1)


def test_code_words_are_hashed_and_checked(backend: SqlBackend) -> None:
    assert backend.verify_code_word("C-2001", "подсолнух")
    assert backend.verify_code_word("C-2001", "  Подсолнух! ")
    assert backend.verify_code_word("C-2004", "береза")  # ё/е
    assert not backend.verify_code_word("C-2001", "ромашка")
    assert not backend.verify_code_word("C-2001", "")
    assert not backend.verify_code_word("C-1001", "anything")  # none set
    assert not backend.verify_code_word("C-9999", "anything")
    with backend.db.read() as s:
        stored = s.scalar(select(CustomerRow.code_word_hash).where(CustomerRow.id == "C-2001"))
    assert stored is not None and stored.startswith("scrypt$") and "подсолнух" not in stored


def test_slots_booking_cancel_and_rebook(backend: SqlBackend) -> None:
    free = backend.free_slots("Moscow")
    assert [s.id for s in free][:2] == ["slot-msk-1", "slot-msk-2"]
    assert free == sorted(free, key=lambda s: s.start)
    booking = backend.book_slot("slot-msk-1", "C-2001", "+79160000001", idempotency_key="bk-1")
    assert booking.status == "active" and booking.slot_id == "slot-msk-1"
    assert backend.book_slot("slot-msk-1", "C-2001", "+79160000001", idempotency_key="bk-1") == booking
    assert "slot-msk-1" not in [s.id for s in backend.free_slots("Moscow")]
    slot = backend.get_slot("slot-msk-1")
    assert slot is not None and slot.booked
    with pytest.raises(SlotTaken):
        backend.book_slot("slot-msk-1", "C-2002", None, idempotency_key="bk-2")
    with pytest.raises(RecordNotFound):
        backend.book_slot("slot-nope", "C-2002", None, idempotency_key="bk-3")

    # Rebooking = cancel + book.
    cancelled = backend.cancel_booking(booking.id)
    assert cancelled.status == "cancelled" and backend.cancel_booking(booking.id) == cancelled
    assert "slot-msk-1" in [s.id for s in backend.free_slots("Moscow")]
    moved = backend.book_slot("slot-msk-3", "C-2001", "+79160000001", idempotency_key="bk-4")
    assert {(b.slot_id, b.status) for b in backend.bookings_for("C-2001")} == {
        ("slot-msk-1", "cancelled"),
        ("slot-msk-3", "active"),
    }
    assert moved.id != booking.id


def test_past_slots_are_not_free(backend: SqlBackend, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PARLEY_NOW", "2026-11-28T12:00:00+03:00")
    assert [s.id for s in backend.free_slots("Moscow")] == ["slot-msk-4", "slot-msk-5", "slot-msk-6"]


def _race(fn: Callable[[], Any], n: int = 2) -> list[Any]:
    barrier = threading.Barrier(n)
    results: list[Any] = [None] * n

    def run(i: int) -> None:
        barrier.wait()
        try:
            results[i] = fn()
        except BaseException as error:  # noqa: BLE001 - collected for the assertion
            results[i] = error

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def test_two_customers_racing_for_one_slot(backend: SqlBackend) -> None:
    slots = ["slot-msk-2", "slot-msk-3", "slot-msk-4", "slot-msk-5", "slot-msk-6"]
    for slot_id in slots:

        def book(slot_id: str = slot_id) -> Any:
            return backend.book_slot(slot_id, "C-2001", None, idempotency_key=uuid.uuid4().hex)

        results = _race(book)
        assert sum(isinstance(r, SlotTaken) for r in results) == 1, results
        assert sum(not isinstance(r, BaseException) for r in results) == 1, results
    assert _count(backend.db, BookingRow) == len(slots)


def test_payments_links_tokens_and_crediting(backend: SqlBackend, monkeypatch: pytest.MonkeyPatch) -> None:
    payment = backend.create_payment("C-2005", "+79210000006", 200, "RUB", idempotency_key="pay-1")
    assert payment.status == "pending" and payment.amount == 200
    assert backend.create_payment("C-2005", "+79210000006", 200, "RUB", idempotency_key="pay-1") == payment
    assert payment.url.startswith(f"{BASE}/pay/")
    token = payment.url.rsplit("/", 1)[1]
    assert backend.verify_payment_token(token) == payment.id
    assert backend.verify_payment_token(token[:-2] + ("AA" if token[-2:] != "AA" else "BB")) is None
    assert backend.verify_payment_token("garbage") is None
    assert backend.verify_payment_token("") is None
    forged = SqlBackend(backend.db, payment_base_url=BASE, secret_key="other").verify_payment_token(token)
    assert forged is None

    paid = backend.mark_payment_paid(payment.id)
    assert paid.status == "paid"
    assert backend.mark_payment_paid(payment.id).status == "paid"
    sub = backend.get_subscriber("+79210000006")
    assert sub is not None and sub.balance == pytest.approx(-85.3 + 200)  # credited once
    assert backend.get_payment(payment.id) == paid
    assert backend.get_payment("P-NOPE") is None
    with pytest.raises(ValueError):
        backend.create_payment("C-2005", "+79210000006", 0, "RUB", idempotency_key="pay-2")

    monkeypatch.setenv("PARLEY_NOW", "2026-11-27T10:00:01+03:00")  # 24 h + 1 s later
    assert backend.verify_payment_token(token) is None


def test_open_payment_is_the_newest_pending_unexpired_one(
    backend: SqlBackend, monkeypatch: pytest.MonkeyPatch
) -> None:
    number = "+79210000006"
    assert backend.open_payment("C-2005", number, 86) is None
    older = backend.create_payment("C-2005", number, 86, "RUB", idempotency_key="open-1")
    monkeypatch.setenv("PARLEY_NOW", "2026-11-26T10:05:00+03:00")
    newer = backend.create_payment("C-2005", number, 86, "RUB", idempotency_key="open-2")
    backend.create_payment("C-2005", number, 500, "RUB", idempotency_key="open-3")
    assert backend.open_payment("C-2005", number, 86) == newer
    assert backend.open_payment("C-2006", number, 86) is None  # another customer's: never
    backend.mark_payment_paid(newer.id)
    assert backend.open_payment("C-2005", number, 86) == older
    monkeypatch.setenv("PARLEY_NOW", "2026-11-27T10:00:01+03:00")  # the older one's 24 h are over
    assert backend.open_payment("C-2005", number, 86) is None


def test_unlock_attempts_window_and_reset(backend: SqlBackend, monkeypatch: pytest.MonkeyPatch) -> None:
    number = "+79210000005"
    monkeypatch.setenv("PARLEY_NOW", "2026-11-25T09:00:00+03:00")
    backend.record_unlock_attempt("C-2004", number, success=False)  # 25 h before "now": outside the window
    monkeypatch.setenv("PARLEY_NOW", "2026-11-26T10:00:00+03:00")
    assert backend.failed_unlock_attempts("C-2004", number) == 0
    backend.record_unlock_attempt("C-2004", number, success=False)
    backend.record_unlock_attempt("C-2004", number, success=False)
    assert backend.failed_unlock_attempts("C-2004", number) == 2
    assert backend.failed_unlock_attempts("C-2004", "+79160000001") == 0
    backend.record_unlock_attempt("C-2004", number, success=True)
    assert backend.failed_unlock_attempts("C-2004", number) == 0
    backend.record_unlock_attempt("C-2004", number, success=False)
    assert backend.failed_unlock_attempts("C-2004", number) == 1
    assert backend.failed_unlock_attempts("C-2004", number, within_hours=48) == 1
