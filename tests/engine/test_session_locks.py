"""Session locks hold across processes: two lock objects stand for two worker processes (separate
file descriptors / separate PostgreSQL connections), so one must wait for the other."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import pytest

from parley.engine.locks import FileSessionLocks, PostgresSessionLocks


def assert_exclusive(first: object, second: object, session: str = "s-1") -> None:
    order: list[str] = []
    entered = threading.Event()

    def holder() -> None:
        with first.hold(session):  # type: ignore[attr-defined]
            order.append("first-in")
            entered.set()
            time.sleep(0.3)
            order.append("first-out")

    thread = threading.Thread(target=holder)
    thread.start()
    entered.wait(5)
    with second.hold(session):  # type: ignore[attr-defined]
        order.append("second-in")
    thread.join()
    assert order == ["first-in", "first-out", "second-in"]
    with second.hold("another-session"):  # other sessions are not blocked
        pass


def test_file_locks_exclude_across_workers(tmp_path: Path) -> None:
    assert_exclusive(FileSessionLocks(tmp_path), FileSessionLocks(tmp_path))


@pytest.mark.postgres
def test_advisory_locks_exclude_across_workers() -> None:
    url = os.environ["PARLEY_TEST_DATABASE_URL"]
    first, second = PostgresSessionLocks(url), PostgresSessionLocks(url)
    try:
        assert_exclusive(first, second)
    finally:
        first.close()
        second.close()


@pytest.mark.postgres
def test_a_turns_transaction_holds_the_lock_until_it_ends() -> None:
    """The engine's turn on PostgreSQL takes the session's lock inside its own transaction
    (engine/opening.py): another worker waits until that transaction commits or rolls back."""
    from parley.store.conversations import ConversationStore
    from parley.store.db import Database
    from parley.store.driver_query import all_together

    url = os.environ["PARLEY_TEST_DATABASE_URL"]
    first, second, db = PostgresSessionLocks(url), PostgresSessionLocks(url), Database(url)
    try:
        for end in ("COMMIT", "ROLLBACK"):
            order: list[str] = []

            def take(order: list[str] = order) -> None:
                with second.hold("s-1"):
                    order.append("second-in")

            waiter = threading.Thread(target=take)
            with first.hold_in_transaction("s-1") as (space, key), db.turn_transaction() as conn:
                all_together(conn, [ConversationStore.session_lock_query(space, key)], begin=True)
                waiter.start()
                time.sleep(0.3)
                order.append("first-ends")
                conn.connection.driver_connection.execute(end)  # type: ignore[union-attr]
            waiter.join(5)
            assert order == ["first-ends", "second-in"], end
    finally:
        first.close()
        second.close()
        db.dispose()
