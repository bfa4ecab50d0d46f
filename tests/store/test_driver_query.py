"""`DriverQuery` reads exactly what SQLAlchemy reads, on the driver's cursor (SQLite and PostgreSQL)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event

from parley.backends.reference import lookups
from parley.store import conversations
from parley.store.db import Database
from parley.store.driver_query import DriverQuery

CASES: list[tuple[DriverQuery, dict[str, Any]]] = [
    (lookups.CUSTOMER, {"customer_id": "C-1006"}),
    (lookups.CUSTOMER_CHANNELS, {"customer_id": "C-1006"}),
    (lookups.RECENT_ORDERS, {"customer_id": "C-1006", "limit": 3}),  # dates, JSON items, LIMIT/OFFSET
    (lookups.ORDER, {"order_id": "100702"}),
    (lookups.LOYALTY, {"customer_id": "C-1006"}),
    (lookups.PREFERENCES, {"customer_id": "C-1006"}),
    (lookups.SUBSCRIBERS, {"customer_id": "C-2001"}),
    (lookups.SUBSCRIBER_SERVICES, {"numbers": ["+79160000001", "+79160000002"]}),  # IN (...): SQLAlchemy
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
            assert went_through_sqlalchemy == (query is lookups.SUBSCRIBER_SERVICES)
        assert lookups.ORDER.first(conn, {"order_id": "no-such-order"}) is None


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
