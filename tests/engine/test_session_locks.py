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
