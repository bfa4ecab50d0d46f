"""Durability and serialization: a restart loses nothing; one session's messages never interleave;
the checkpointer keeps one checkpoint per conversation."""

from __future__ import annotations

import sqlite3
import threading
from typing import Any

import pytest

from parley.bootstrap import build_system
from parley.engine.turn import InboundMessage

BOTH_DATABASES = pytest.mark.parametrize(
    "factory", ["make_system", pytest.param("make_pg_system", marks=pytest.mark.postgres)]
)


@BOTH_DATABASES
def test_a_restart_continues_the_conversation(factory: str, request: Any) -> None:
    system = request.getfixturevalue(factory)()
    first = system.engine.handle(InboundMessage("s-r", "C-1002", "where is my order 100287?"))
    assert first["pending_confirmation"] is None
    pending = system.engine.handle(
        InboundMessage("s-r", "C-1002", "move delivery of 100301 to this Saturday")
    )
    assert pending["pending_confirmation"]["action"] == "reschedule_delivery"
    settings = system.settings
    system.close()

    again = build_system(settings, parser=system.runtime.parser)
    try:
        result = again.engine.handle(InboundMessage("s-r", "C-1002", "yes"))
        assert [a["action"] for a in result["actions"]] == ["reschedule_delivery"]
        assert again.backend.get_order("100301").delivery_date == "2026-11-28"
        assert len(again.engine.conversation("s-r")["messages"]) >= 6
    finally:
        again.close()


def test_checkpoints_do_not_accumulate(make_system: Any) -> None:
    system = make_system()
    for text in ["hello", "where is my order 100301?", "thanks", "where is order 100287?"]:
        system.engine.handle(InboundMessage("s-c", "C-1002", text))
    path = system.settings.database_url.split(":///", 1)[1]
    with sqlite3.connect(path) as conn:
        count = conn.execute("SELECT COUNT(*) FROM checkpoints WHERE thread_id = 's-c'").fetchone()[0]
        writes = conn.execute("SELECT COUNT(*) FROM writes WHERE thread_id = 's-c'").fetchone()[0]
    assert count == 1 and writes == 0


@pytest.mark.postgres
def test_checkpoints_and_their_blobs_do_not_accumulate_on_postgres(make_pg_system: Any) -> None:
    import psycopg

    from parley.engine.checkpoint_pg import libpq_url

    system = make_pg_system()
    texts = ["hello", "where is my order 100301?", "thanks", "where is order 100287?", "move it to Saturday"]
    blobs = []
    with psycopg.connect(libpq_url(system.settings.database_url)) as conn:
        for text in texts:
            system.engine.handle(InboundMessage("s-c", "C-1002", text))
            blobs.append(
                conn.execute("SELECT COUNT(*) FROM checkpoint_blobs WHERE thread_id = 's-c'").fetchone()
            )
        count = conn.execute("SELECT COUNT(*) FROM checkpoints WHERE thread_id = 's-c'").fetchone()
        writes = conn.execute("SELECT COUNT(*) FROM checkpoint_writes WHERE thread_id = 's-c'").fetchone()
        # every blob left is one the latest checkpoint names, one per channel
        named = conn.execute(
            "SELECT COUNT(*) FROM checkpoint_blobs b JOIN checkpoints c USING (thread_id, checkpoint_ns) "
            "WHERE b.thread_id = 's-c' AND c.checkpoint -> 'channel_versions' ->> b.channel = b.version"
        ).fetchone()
    assert count == (1,) and writes == (0,)
    assert len(set(blobs[1:])) == 1 and named == blobs[-1]
    # and the state read back from them (not from the process's memory) is the one the turns left
    state = system.engine.graph.get_state({"configurable": {"thread_id": "s-c"}}).values
    assert state["dialog_context"]["focus_order_id"] == "100287"
    assert [m["text"] for m in state["messages"] if m["role"] == "customer"][-1] == "move it to Saturday"


def test_messages_of_one_session_are_processed_one_after_the_other(make_system: Any) -> None:
    system = make_system()
    inside = 0
    overlaps = 0
    guard = threading.Lock()
    original = system.engine.graph.ainvoke
    runs = 0

    async def observed(*args: Any, **kwargs: Any) -> Any:
        nonlocal inside, overlaps, runs
        with guard:
            inside += 1
            runs += 1
            overlaps += inside > 1
        try:
            return await original(*args, **kwargs)
        finally:
            with guard:
                inside -= 1

    system.engine.graph.ainvoke = observed
    errors: list[BaseException] = []

    def send(i: int) -> None:
        try:
            system.engine.handle(InboundMessage("s-lock", "C-1002", f"where is order 100301? ({i})"))
        except BaseException as exc:  # pragma: no cover - surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=send, args=(i,)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors and overlaps == 0 and runs == 6
    messages = system.engine.conversation("s-lock")["messages"]
    roles = [m["role"] for m in messages]
    assert roles == ["customer", "agent"] * 6  # never interleaved


@BOTH_DATABASES
def test_two_workers_never_interleave_one_sessions_turns(factory: str, request: Any) -> None:
    """Two processes' engines on one database (two systems), three messages each to one session at
    once: the database's lock (PostgreSQL: taken in each turn's own transaction) serializes them."""
    first = request.getfixturevalue(factory)()
    second = build_system(first.settings, parser=first.runtime.parser)
    errors: list[BaseException] = []

    def send(system: Any, i: int) -> None:
        try:
            system.engine.handle(InboundMessage("s-both", "C-1002", f"where is order 100301? ({i})"))
        except BaseException as exc:  # pragma: no cover - surfaced below
            errors.append(exc)

    try:
        threads = [threading.Thread(target=send, args=(s, i)) for i in range(3) for s in (first, second)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        assert not errors and not any(t.is_alive() for t in threads)
        conversation = first.engine.conversation("s-both")
        assert [m["role"] for m in conversation["messages"]] == ["customer", "agent"] * 6
        assert first.runtime.conversations.get_conversation("s-both").turn_count == 6
    finally:
        second.close()


@pytest.mark.postgres
def test_a_postgres_turn_is_one_transaction_that_a_failure_rolls_back(make_pg_system: Any) -> None:
    """Lock, reads and record share the turn's read connection: no lock connection, no write one
    for an ordinary turn. A turn that fails releases the session with its rollback, so another
    worker's next message goes through at once."""
    from sqlalchemy import event

    first = make_pg_system()
    second = build_system(first.settings, parser=first.runtime.parser)
    try:
        first.engine.handle(InboundMessage("s-tx", "C-1002", "hello", message_id="m1"))
        reads: list[int] = []
        writes: list[int] = []
        event.listen(first.db.read_engine.pool, "checkout", lambda *a: reads.append(1))
        event.listen(first.db.engine.pool, "checkout", lambda *a: writes.append(1))
        lock_requests = first.engine.locks.pool.get_stats().get("requests_num", 0)
        answer = first.engine.handle(InboundMessage("s-tx", "C-1002", "where is my order 100301?"))
        assert answer["actions"][0]["params"]["order_id"] == "100301"
        assert (reads, writes) == ([1], [])
        assert first.engine.locks.pool.get_stats().get("requests_num", 0) == lock_requests
        assert first.engine.handle(InboundMessage("s-tx", "C-1002", "hi again", message_id="m1")) == (
            first.engine.handle(InboundMessage("s-tx", "C-1002", "hello", message_id="m1"))
        )  # a repeated message id is answered from the store (and its transaction rolled back)

        store = first.runtime.conversations
        store.record_turn = lambda *a, **k: (_ for _ in ()).throw(RuntimeError("disk full"))
        with pytest.raises(RuntimeError):
            first.engine.handle(InboundMessage("s-tx", "C-1002", "and where is 100287?"))
        done: list[dict[str, Any]] = []
        other = threading.Thread(
            target=lambda: done.append(
                second.engine.handle(InboundMessage("s-tx", "C-1002", "and where is 100287?"))
            )
        )
        other.start()
        other.join(10)
        assert done and done[0]["actions"][0]["params"]["order_id"] == "100287"
        assert second.runtime.conversations.get_conversation("s-tx").turn_count == 3
    finally:
        second.close()


def test_more_concurrent_turns_than_pooled_connections_all_complete(make_system: Any) -> None:
    """Each turn holds a read connection while it writes: readers and writers have separate pools,
    so turns holding readers can never leave the writes without a connection."""
    from sqlalchemy import event

    system = make_system()
    writers = system.db.engine.pool
    assert writers is not system.db.read_engine.pool
    in_use = peak = 0
    guard = threading.Lock()

    def checkout(*_: Any) -> None:
        nonlocal in_use, peak
        with guard:
            in_use += 1
            peak = max(peak, in_use)

    def checkin(*_: Any) -> None:
        nonlocal in_use
        with guard:
            in_use -= 1

    event.listen(system.db.read_engine.pool, "checkout", checkout)
    event.listen(system.db.read_engine.pool, "checkin", checkin)
    errors: list[BaseException] = []
    count = writers.size() + 7
    start = threading.Barrier(count)

    def customer(i: int) -> None:
        try:
            start.wait(timeout=30)
            for n in range(2):
                system.engine.handle(InboundMessage(f"s-many-{i}", "C-1002", f"where is order 100301? ({n})"))
        except BaseException as exc:  # pragma: no cover - surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=customer, args=(i,)) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors and not any(t.is_alive() for t in threads)
    assert peak > writers.size()  # more turns held readers at once than the write pool's size
    for i in range(len(threads)):
        assert len(system.engine.conversation(f"s-many-{i}")["messages"]) == 4


def test_a_goodbye_resolves_the_conversation_but_an_answer_misread_as_one_does_not(make_system: Any) -> None:
    system = make_system()
    # (C-1001 has two orders on their way, so "where is my order?" asks which)
    system.engine.handle(InboundMessage("s-bye", "C-1001", "where is my order?"))
    system.engine.handle(InboundMessage("s-bye", "C-1001", "the first one"))
    assert system.engine.conversation("s-bye")["status"] == "active"
    system.engine.handle(InboundMessage("s-bye", "C-1001", "thanks, goodbye!"))
    assert system.engine.conversation("s-bye")["status"] == "resolved"


def test_an_ordinary_turn_is_one_durable_commit_with_its_checkpoint(make_system: Any) -> None:
    from sqlalchemy import event

    system = make_system()
    system.engine.handle(InboundMessage("s-one", "C-1002", "hello"))
    commits: list[str] = []
    event.listen(system.db.engine, "commit", lambda conn: commits.append("store"))
    system.engine.checkpointer.conn.set_trace_callback(
        lambda sql: commits.append("checkpointer") if sql.strip().upper().startswith("COMMIT") else None
    )
    system.engine.handle(InboundMessage("s-one", "C-1002", "where is my order 100301?"))
    assert commits == ["store"]
    # the checkpoint went with that commit: the next turn continues from it
    again = system.engine.handle(InboundMessage("s-one", "C-1002", "and where is 100287?"))
    assert again["actions"][0]["params"]["order_id"] == "100287"
    assert system.engine.conversation("s-one")["dialog_context"]["focus_order_id"] == "100287"


def test_a_turn_reads_through_one_connection(make_system: Any) -> None:
    from sqlalchemy import event

    system = make_system()
    system.engine.handle(InboundMessage("s-reads", "C-1002", "hello"))
    checkouts: list[int] = []
    event.listen(system.db.read_engine.pool, "checkout", lambda *a: checkouts.append(1))
    answer = system.engine.handle(InboundMessage("s-reads", "C-1002", "where is my order 100301?"))
    assert answer["actions"][0]["params"]["order_id"] == "100301"
    assert checkouts == [1]  # customer, conversation, orders, loyalty, preferences...: one checkout


def test_a_turn_that_cannot_be_recorded_leaves_no_checkpoint_behind(make_system: Any) -> None:
    system = make_system()
    system.engine.handle(InboundMessage("s-atomic", "C-1002", "please cancel order 100301"))
    before = system.engine.graph.get_state({"configurable": {"thread_id": "s-atomic"}}).values
    store = system.runtime.conversations
    original = store.record_turn

    def failing(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("disk full")

    store.record_turn = failing
    try:
        system.engine.handle(InboundMessage("s-atomic", "C-1002", "move delivery of 100301 to this Saturday"))
    except RuntimeError:
        pass
    store.record_turn = original
    after = system.engine.graph.get_state({"configurable": {"thread_id": "s-atomic"}}).values
    assert after == before  # neither the transcript nor the dialogue state moved on


def test_a_code_word_is_never_stored_or_shown(make_system: Any) -> None:
    system = make_system()
    if "unlock_number" not in system.runtime.actions:
        return  # the telecom pack is not enabled in this tree
    system.engine.handle(InboundMessage("s-cw", "C-2004", "unlock my number please"))
    result = system.engine.handle(InboundMessage("s-cw", "C-2004", "берёза"))
    assert [a["action"] for a in result["actions"]] == ["unlock_number"]
    dump = str(system.engine.conversation("s-cw")) + str(result)
    state = system.engine.graph.get_state({"configurable": {"thread_id": "s-cw"}}).values
    assert "берёза" not in dump and "берёза" not in str(state)
    assert "[code word hidden]" in dump


def _terminate_connections(database_url: str) -> int:
    """What a server restart does to a running Parley: every connection of its database is gone."""
    import psycopg
    from sqlalchemy.engine import make_url

    from parley.engine.checkpoint_pg import libpq_url

    name = make_url(database_url).database
    with psycopg.connect(libpq_url(database_url), autocommit=True) as admin:
        row = admin.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = %s AND pid <> pg_backend_pid()",
            (name,),
        ).fetchone()
    return int(row[0]) if row else 0


@pytest.mark.postgres
def test_turns_survive_the_loss_of_every_database_connection(make_pg_system: Any) -> None:
    system = make_pg_system()
    pending = system.engine.handle(
        InboundMessage("s-lost", "C-1006", "Can I pay for order 100702 with PayPal instead?", message_id="m1")
    )
    assert pending["pending_confirmation"]["action"] == "change_payment_method"

    assert _terminate_connections(system.settings.database_url) >= 3  # reads, writes, checkpoints, locks
    done = system.engine.handle(InboundMessage("s-lost", "C-1006", "yes, please", message_id="m2"))
    assert [a["action"] for a in done["actions"]] == ["change_payment_method"]
    assert system.backend.get_order("100702").payment_method == "paypal"

    _terminate_connections(system.settings.database_url)
    again = system.engine.handle(InboundMessage("s-lost", "C-1006", "yes, please", message_id="m2"))
    assert again == done  # the repeated message id is answered from the store, nothing runs twice
    messages = system.engine.conversation("s-lost")["messages"]
    assert [m["role"] for m in messages] == ["customer", "agent", "customer", "agent"]


def test_only_a_lost_connection_counts_as_one() -> None:
    from sqlalchemy import create_engine, exc, text

    from parley.store.db import connection_lost

    engine = create_engine("sqlite://")
    with engine.connect() as conn, pytest.raises(exc.OperationalError) as raised:
        conn.execute(text("SELECT * FROM no_such_table"))
    assert not connection_lost(raised.value)
    assert not connection_lost(ValueError("no"))


def _alternating_workers_keep_one_conversation(first: Any, second: Any) -> None:
    """Two processes' engines on one database, taking turns in one session: each turn continues from
    the other's, never from a state the process itself remembers."""
    focus = first.engine.handle(InboundMessage("s-two", "C-1002", "where is my order 100301?"))
    assert focus["actions"][0]["params"]["order_id"] == "100301"
    moved = second.engine.handle(InboundMessage("s-two", "C-1002", "and where is 100287?"))
    assert moved["actions"][0]["params"]["order_id"] == "100287"
    # `first` remembers its own checkpoint (focus 100301); the conversation row names `second`'s
    asked = first.engine.handle(InboundMessage("s-two", "C-1002", "what about that one, where is it now?"))
    assert first.engine.conversation("s-two")["dialog_context"]["focus_order_id"] == "100287"
    assert all(a["params"].get("order_id") != "100301" for a in asked["actions"])


@BOTH_DATABASES
def test_worker_processes_taking_turns_continue_each_others_state(factory: str, request: Any) -> None:
    first = request.getfixturevalue(factory)()
    second = build_system(first.settings, parser=first.runtime.parser)
    try:
        _alternating_workers_keep_one_conversation(first, second)
    finally:
        second.close()


def test_the_latest_checkpoint_is_served_from_memory_only_when_the_store_names_it(make_system: Any) -> None:
    from langgraph.checkpoint.sqlite import SqliteSaver

    system = make_system()
    reads: list[str] = []
    stock = SqliteSaver.get_tuple

    def counted(self: Any, config: Any) -> Any:
        reads.append(str(config["configurable"]["thread_id"]))
        return stock(self, config)

    SqliteSaver.get_tuple = counted  # type: ignore[method-assign]
    try:
        system.engine.handle(InboundMessage("s-mem", "C-1002", "hello"))
        assert reads == ["s-mem"]  # a new conversation: nothing to remember yet
        pending = system.engine.handle(InboundMessage("s-mem", "C-1002", "please cancel order 100301"))
        system.engine.handle(InboundMessage("s-mem", "C-1002", "where is order 100287?"))
        assert reads == ["s-mem"]  # the turns after it: from memory

        store = system.runtime.conversations
        original = store.record_turn
        store.record_turn = lambda *a, **k: (_ for _ in ()).throw(RuntimeError("disk full"))
        with pytest.raises(RuntimeError):
            system.engine.handle(
                InboundMessage("s-mem", "C-1002", "move delivery of 100301 to this Saturday")
            )
        store.record_turn = original
        # the failed turn's checkpoint is in memory, but the row still names the one before it
        after = system.engine.handle(InboundMessage("s-mem", "C-1002", "yes"))
        assert reads == ["s-mem", "s-mem"]
        assert after["pending_confirmation"] is None
        assert all(a["action"] != "reschedule_delivery" for a in after["actions"])
        if pending["pending_confirmation"]:
            assert [a["action"] for a in after["actions"]] == [pending["pending_confirmation"]["action"]]
    finally:
        SqliteSaver.get_tuple = stock  # type: ignore[method-assign]
