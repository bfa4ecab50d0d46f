"""`DriverQuery` reads exactly what SQLAlchemy reads, on the driver's cursor (SQLite and PostgreSQL)."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import bindparam, event, select

from parley.backends.reference import lookups
from parley.backends.reference.models import SubscriberServiceRow
from parley.store import conversations
from parley.store.db import Database
from parley.store.driver_query import DriverQuery, all_together

_services = SubscriberServiceRow.__table__
_SERVICES_OF_NUMBERS = DriverQuery(
    select(_services).where(_services.c.msisdn.in_(bindparam("numbers", expanding=True)))
)
CASES: list[tuple[DriverQuery, dict[str, Any]]] = [
    (lookups.CUSTOMER_WITH_CHANNELS, {"customer_id": "C-1006"}),  # an outer join, labelled columns
    (lookups.RECENT_ORDERS, {"customer_id": "C-1006", "limit": 3}),  # dates, JSON items, LIMIT/OFFSET
    (lookups.ORDER, {"order_id": "100702"}),
    (lookups.LOYALTY, {"customer_id": "C-1006"}),
    (lookups.PREFERENCES, {"customer_id": "C-1006"}),
    (lookups.SUBSCRIBERS, {"customer_id": "C-2001"}),
    (lookups.CUSTOMER_SERVICES, {"customer_id": "C-2001"}),  # a join
    (_SERVICES_OF_NUMBERS, {"numbers": ["+79160000001", "+79160000002"]}),  # IN (...): SQLAlchemy
]


def test_rows_are_those_sqlalchemy_reads(demo_db: Database) -> None:
    statements: list[str] = []
    event.listen(demo_db.read_engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
    with demo_db.reading() as conn:
        for query, params in CASES:
            expected = [tuple(row) for row in conn.execute(query.statement, params)]
            assert expected, query.statement
            statements.clear()
            rows = query.all(conn, params)
            assert [tuple(row) for row in rows] == expected
            keys = tuple(c.key for c in query.statement.selected_columns)
            assert all(tuple(row._fields) == keys for row in rows)
            # the driver runs it (SQLAlchemy sees no statement), except for an expanding IN list
            went_through_sqlalchemy = bool(statements)
            assert went_through_sqlalchemy == (query is _SERVICES_OF_NUMBERS)
        assert lookups.ORDER.first(conn, {"order_id": "no-such-order"}) is None


def test_queries_run_together_read_what_each_reads_alone(demo_db: Database) -> None:
    with demo_db.reading() as conn:
        alone = [[tuple(row) for row in query.all(conn, params)] for query, params in CASES]
        pipelines: list[int] = []
        driver = conn.connection.driver_connection
        if demo_db.dialect == "postgresql":
            original = driver.pipeline
            driver.pipeline = lambda: (pipelines.append(1), original())[1]  # type: ignore[union-attr]
        driver_cases = [case for case in CASES if case[0] is not _SERVICES_OF_NUMBERS]
        together = all_together(conn, driver_cases)
        assert [[tuple(row) for row in rows] for rows in together] == alone[: len(driver_cases)]
        assert all(
            tuple(rows[0]._fields) == tuple(c.key for c in q.statement.selected_columns)
            for (q, _), rows in zip(driver_cases, together, strict=True)
        )
        # on PostgreSQL, one pipeline: the statements went out together
        assert pipelines == ([1] if demo_db.dialect == "postgresql" else [])
        # a query SQLAlchemy must shape itself makes the batch run one by one, with the same rows
        assert [[tuple(r) for r in rows] for rows in all_together(conn, CASES)] == alone


def test_timestamps_and_json_of_the_conversation_store(demo_db: Database) -> None:
    store = conversations.ConversationStore(demo_db)
    created = store.ensure_conversation("s-dq", "C-1006", "web_chat")
    store.record_turn(
        "s-dq",
        messages=[conversations.TranscriptEntry("customer", "hi")],
        actions=[],
        status=None,
        language="en",
        message_id="m1",
        response={"replies": [{"text": "Hello"}], "n": 1.5},
    )
    info = store.get_conversation("s-dq")
    assert info is not None and info.created_at == created.created_at and info.turn_count == 1
    assert info.language == "en" and info.status == "active"  # NULL status/language keep the old value
    assert store.processed_response("s-dq", "m1") == {"replies": [{"text": "Hello"}], "n": 1.5}
    assert store.processed_response("s-dq", "m2") is None
    # The engine's first read: conversation and earlier response in one statement.
    info_again, earlier = store.conversation_and_response("s-dq", "m1")
    assert info_again == info and earlier == {"replies": [{"text": "Hello"}], "n": 1.5}
    assert store.conversation_and_response("s-dq", "m2") == (info, None)
    assert store.conversation_and_response("s-dq", None) == (info, None)
    assert store.conversation_and_response("s-none", "m1") == (None, None)


def test_a_turn_record_writes_what_sqlalchemy_would(demo_db: Database) -> None:
    """Transcript, action log (JSON, booleans, UTC instants, a repeated idempotency key) and counters."""
    store = conversations.ConversationStore(demo_db)
    store.ensure_conversation("s-dw", "C-1006", "web_chat")
    action = conversations.ActionEntry(
        action="cancel_order",
        params={"order_id": "100702"},
        success=True,
        data={"refund": 12.5, "note": "ок"},
        at="2026-11-26T10:00:00+03:00",
        idempotency_key="k-1",
    )
    for turn in (1, 2):
        store.record_turn(
            "s-dw",
            messages=[
                conversations.TranscriptEntry("customer", f"отмените {turn}", "2026-11-26T10:00:00+03:00"),
                conversations.TranscriptEntry("agent", "Done", "2026-11-26T07:00:01+00:00"),
            ],
            actions=[action],  # the same key twice: logged once
            status="active",
            language="ru",
            message_id=f"m{turn}",
            response={"turn": turn},
        )
    transcript = store.transcript("s-dw")
    assert [(m.role, m.text) for m in transcript] == [
        ("customer", "отмените 1"),
        ("agent", "Done"),
        ("customer", "отмените 2"),
        ("agent", "Done"),
    ]
    assert transcript[0].at == "2026-11-26T07:00:00+00:00"  # stored as the UTC instant
    logged = store.completed_actions("s-dw")
    assert len(logged) == 1 and logged[0].success is True and logged[0].data == {"refund": 12.5, "note": "ок"}
    info = store.get_conversation("s-dw")
    assert info is not None and info.turn_count == 2


def test_a_failing_statement_leaves_nothing_of_the_turn(demo_db: Database) -> None:
    """On PostgreSQL the turn's inserts are pipelined: a failure found when the results are read must
    still undo the whole turn (the counters' UPDATE included)."""
    store = conversations.ConversationStore(demo_db)
    store.ensure_conversation("s-fail", "C-1006", "web_chat")
    placeholder = "?" if demo_db.dialect == "sqlite" else "%s"
    broken = [(f"INSERT INTO no_such_table (x) VALUES ({placeholder})", (1,))]
    with pytest.raises(Exception, match="no_such_table"):
        store.record_turn(
            "s-fail",
            messages=[conversations.TranscriptEntry("customer", "hi")],
            actions=[],
            status=None,
            language="en",
            message_id="m1",
            response={"replies": []},
            also=broken,
        )
    info = store.get_conversation("s-fail")
    assert info is not None and info.turn_count == 0
    assert store.transcript("s-fail") == [] and store.processed_response("s-fail", "m1") is None
