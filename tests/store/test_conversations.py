"""`ConversationStore` on SQLite and PostgreSQL: one commit per turn, transcript, actions, escalations."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import event, func, select

from parley.store.conversations import ActionEntry, ConversationStore, TranscriptEntry
from parley.store.db import Database
from parley.store.models import TranscriptMessage


@pytest.fixture
def store(db: Database) -> ConversationStore:
    return ConversationStore(db)


@pytest.fixture
def commits(db: Database) -> Iterator[list[int]]:
    counter: list[int] = []

    def on_commit(_conn: Any) -> None:
        counter.append(1)

    event.listen(db.engine, "commit", on_commit)
    yield counter
    event.remove(db.engine, "commit", on_commit)


def _turn(store: ConversationStore, session_id: str, text: str, **kwargs: Any) -> None:
    defaults: dict[str, Any] = {
        "messages": [TranscriptEntry("customer", text), TranscriptEntry("agent", f"re: {text}")],
        "actions": [],
        "status": None,
        "language": None,
        "message_id": None,
        "response": None,
    }
    defaults.update(kwargs)
    store.record_turn(session_id, **defaults)


def test_ensure_creates_once_and_costs_nothing_after(store: ConversationStore, commits: list[int]) -> None:
    info = store.ensure_conversation("s-1", "C-1001", "web_chat")
    assert (info.session_id, info.customer_id, info.channel, info.status, info.language) == (
        "s-1", "C-1001", "web_chat", "active", None,
    )  # fmt: skip
    assert len(commits) == 1
    again = store.ensure_conversation("s-1", "C-9999", "sms")
    assert again.customer_id == "C-1001" and again.channel == "web_chat"
    assert len(commits) == 1
    assert store.get_conversation("s-1") == again
    assert store.get_conversation("nope") is None


def test_a_turn_is_one_commit(store: ConversationStore, commits: list[int]) -> None:
    store.ensure_conversation("s-1", "C-1001", "web_chat")
    commits.clear()
    action = ActionEntry(
        "cancel_order", {"order_id": "100234"}, True, {"status": "cancelled"}, idempotency_key="k1"
    )
    _turn(store, "s-1", "cancel it", actions=[action], status="active", language="en",
          message_id="m-1", response={"replies": [{"text": "done"}]})  # fmt: skip
    assert len(commits) == 1
    store.processed_response("s-1", "m-1")
    store.transcript("s-1")
    store.completed_actions("s-1")
    assert len(commits) == 1  # reads never commit
    info = store.get_conversation("s-1")
    assert info is not None and info.language == "en" and info.turn_count == 1


def test_transcript_order_limit_and_numbering(store: ConversationStore, db: Database) -> None:
    store.ensure_conversation("s-1", "C-1001", "web_chat")
    for i in range(5):
        _turn(store, "s-1", f"message {i}")
    transcript = store.transcript("s-1")
    assert [m.text for m in transcript][:3] == ["message 0", "re: message 0", "message 1"]
    assert len(transcript) == 10
    assert [m.text for m in store.transcript("s-1", limit=3)] == [
        "re: message 3",
        "message 4",
        "re: message 4",
    ]
    with db.read() as s:
        seqs = list(s.scalars(select(TranscriptMessage.seq).order_by(TranscriptMessage.seq)))
        turns = list(s.scalars(select(TranscriptMessage.turn).order_by(TranscriptMessage.seq)))
    assert seqs == list(range(1, 11)) and turns == [1, 1, 2, 2, 3, 3, 4, 4, 5, 5]
    assert transcript[0].role == "customer" and transcript[0].at.endswith("+00:00")


def test_actions_and_message_idempotency(store: ConversationStore) -> None:
    store.ensure_conversation("s-1", "C-1001", "web_chat")
    action = ActionEntry(
        "cancel_order", {"order_id": "100234"}, True, {}, idempotency_key="s-1:cancel:100234"
    )
    _turn(store, "s-1", "yes", actions=[action], message_id="m-1", response={"n": 1})
    _turn(store, "s-1", "yes", actions=[action], message_id="m-1", response={"n": 2})
    _turn(
        store,
        "s-1",
        "check",
        actions=[ActionEntry("get_order_status", {"order_id": "1"}, False, {"error": "x"})],
    )
    done = store.completed_actions("s-1")
    assert [(a.action, a.success) for a in done] == [("cancel_order", True), ("get_order_status", False)]
    assert done[0].as_dict() == {"action": "cancel_order", "params": {"order_id": "100234"}, "success": True,
                                 "data": {}, "at": done[0].at}  # fmt: skip
    assert store.processed_response("s-1", "m-1") == {"n": 1}
    assert store.processed_response("s-1", "m-2") is None


def test_bad_turns_write_nothing(store: ConversationStore, db: Database) -> None:
    with pytest.raises(LookupError):
        _turn(store, "ghost", "hello")
    store.ensure_conversation("s-1", "C-1001", "web_chat")
    with pytest.raises(ValueError):
        _turn(store, "s-1", "x", messages=[TranscriptEntry("robot", "beep")])
    with pytest.raises(ValueError):
        _turn(store, "s-1", "x", status="sleeping")
    with db.read() as s:
        assert s.scalar(select(func.count()).select_from(TranscriptMessage)) == 0


def test_customer_history_newest_first(store: ConversationStore, monkeypatch: pytest.MonkeyPatch) -> None:
    for day, session in ((20, "old"), (24, "mid"), (26, "new")):
        monkeypatch.setenv("PARLEY_NOW", f"2026-11-{day}T10:00:00+03:00")
        store.ensure_conversation(session, "C-1001", "telegram" if session == "old" else "web_chat")
        _turn(store, session, f"hello from {session}",
              actions=[ActionEntry("get_order_status", {"order_id": session}, True, {})])  # fmt: skip
    store.ensure_conversation("other", "C-1002", "web_chat")
    history = store.customer_history("C-1001")
    assert [h["session_id"] for h in history] == ["new", "mid", "old"]
    assert history[2]["channel"] == "telegram" and history[2]["started_at"].startswith("2026-11-20")
    assert history[0]["actions"][0]["params"] == {"order_id": "new"}
    assert history[0]["last_messages"][-1]["text"] == "re: hello from new"
    assert [h["session_id"] for h in store.customer_history("C-1001", limit=2, exclude_session="new")] == [
        "mid", "old",
    ]  # fmt: skip
    assert store.customer_history("C-404") == []


def test_escalation_queue(store: ConversationStore) -> None:
    for sid in ("s-1", "s-2", "s-3"):
        store.ensure_conversation(sid, "C-1001", "web_chat")
    first = store.create_escalation("s-1", "C-1001", "customer_request", "normal", "wants a human")
    second = store.create_escalation("s-2", "C-1001", "angry", "high", "angry twice")
    assert (first["queue_position"], second["queue_position"]) == (1, 2)
    assert second["status"] == "open" and second["priority"] == "high"
    conversation = store.get_conversation("s-2")
    assert conversation is not None and conversation.status == "escalated"

    again = store.create_escalation("s-2", "C-1001", "vip", "urgent", "again")
    assert again["id"] == second["id"] and again["priority"] == "urgent"  # not queued twice
    low = store.create_escalation("s-2", "C-1001", "x", "low", "x")
    assert low["priority"] == "urgent"

    open_one = store.open_escalation("s-2")
    assert open_one is not None and open_one["queue_position"] == 2
    assert store.open_escalation("s-3") is None

    assigned = store.set_escalation_status(first["id"], "assigned", assigned_to="op-1")
    assert assigned is not None and assigned["assigned_to"] == "op-1" and assigned["queue_position"] == 0
    assert store.open_escalation("s-2") == {
        **open_one,
        "queue_position": 1,
        "updated_at": open_one["updated_at"],
    }
    assert [e["id"] for e in store.list_escalations("open")] == [second["id"]]
    assert len(store.list_escalations()) == 2

    store.set_escalation_status(first["id"], "returned")
    conversation = store.get_conversation("s-1")
    assert conversation is not None and conversation.status == "active"
    store.set_escalation_status(second["id"], "resolved")
    conversation = store.get_conversation("s-2")
    assert conversation is not None and conversation.status == "resolved"
    assert store.open_escalation("s-2") is None
    assert store.set_escalation_status(999, "resolved") is None
    with pytest.raises(ValueError):
        store.create_escalation("s-3", "C-1001", "x", "whenever", "x")


def test_a_turn_numbered_from_the_counters_read_under_the_lock(store: ConversationStore) -> None:
    first = store.ensure_conversation("s-k", "C-1001", "web_chat")
    _turn(store, "s-k", "one", known=first, actions=[ActionEntry("get_order_status", {}, True)])
    second = store.get_conversation("s-k")
    assert second is not None and (second.turn_count, second.message_count) == (1, 2)
    _turn(store, "s-k", "two", known=second, status="resolved")
    third = store.get_conversation("s-k")
    assert third is not None and (third.turn_count, third.message_count, third.status) == (2, 4, "resolved")
    assert [m.text for m in store.transcript("s-k")] == ["one", "re: one", "two", "re: two"]
    assert [a.action for a in store.completed_actions("s-k")] == ["get_order_status"]

    # counters that went stale (a record written outside the session lock) cannot commit anything
    with pytest.raises(Exception, match="(?i)unique|duplicate"):
        _turn(store, "s-k", "three", known=second, status="active")
    assert store.get_conversation("s-k") == third
    assert [m.text for m in store.transcript("s-k")][-1] == "re: two"
