"""Per-session serialization: two messages of one session are processed one after the other.

Inside a process a lock per session suffices; across worker processes the lock must live where they
all meet. On PostgreSQL that is an advisory lock keyed by the session id, taken in the turn's own
transaction and released by its COMMIT or ROLLBACK (engine/opening.py), or held on a pooled connection
of its own for a turn that opens step by step. On SQLite, where several `parley serve
--workers` share one file, it is an exclusive `flock` on one of a fixed set of lock files next to
the database (sessions hash onto them; a collision only serializes two unrelated sessions briefly).
"""

from __future__ import annotations

import fcntl
import logging
import os
import threading
import zlib
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any, Protocol

LOCK_BUCKETS = 256
LOCK_SPACE = 7001  # the first half of PostgreSQL's two-key advisory locks: Parley's sessions
log = logging.getLogger(__name__)


def session_key(session_id: str) -> int:
    """A signed 32-bit key for the session, the same in every process."""
    return zlib.crc32(session_id.encode()) - 2**31


class SessionLocks(Protocol):
    def hold(self, session_id: str) -> AbstractContextManager[None]: ...


class _ProcessLocks:
    """One re-usable lock per session id, dropped when nobody holds or waits for it."""

    def __init__(self) -> None:
        self._guard = threading.Lock()
        self._locks: dict[str, tuple[threading.Lock, int]] = {}

    @contextmanager
    def hold(self, session_id: str) -> Iterator[None]:
        with self._guard:
            lock, users = self._locks.get(session_id, (threading.Lock(), 0))
            self._locks[session_id] = (lock, users + 1)
        try:
            with lock:
                yield
        finally:
            with self._guard:
                lock, users = self._locks[session_id]
                if users <= 1:
                    del self._locks[session_id]
                else:
                    self._locks[session_id] = (lock, users - 1)


class FileSessionLocks:
    """Process-local lock plus an exclusive flock shared by every process on the machine."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        self._local = _ProcessLocks()

    @contextmanager
    def hold(self, session_id: str) -> Iterator[None]:
        bucket = zlib.crc32(session_id.encode()) % LOCK_BUCKETS
        with self._local.hold(session_id):
            fd = os.open(self.folder / f"{bucket:03d}.lock", os.O_RDWR | os.O_CREAT, 0o600)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX)
                yield
            finally:
                fcntl.flock(fd, fcntl.LOCK_UN)
                os.close(fd)


class PostgresSessionLocks:
    """Process-local lock plus a PostgreSQL advisory lock on the session's key.

    Two ways to hold it, which exclude each other (session- and transaction-level advisory locks share
    one key space): `hold` keeps `pg_advisory_lock` on a pooled connection of its own for the block;
    `hold_in_transaction` hands the caller `pg_advisory_xact_lock` to send first in a transaction of
    its own, which releases it when it ends — the engine's turn on PostgreSQL, where that saves the
    lock's and the unlock's round trips (engine/opening.py).
    """

    def __init__(self, url: str, max_size: int = 8) -> None:
        from psycopg_pool import ConnectionPool

        from parley.engine.checkpoint_pg import libpq_url

        self.pool = ConnectionPool(
            libpq_url(url), min_size=0, max_size=max_size, kwargs={"autocommit": True}, open=True
        )
        self._local = _ProcessLocks()
        # as many turns at once as `hold`'s pool allows: each holds a read connection for its turn and
        # may take a write connection besides (the store's pools are sized for it, store/db.py)
        self._turns = threading.BoundedSemaphore(max_size)

    @contextmanager
    def hold(self, session_id: str) -> Iterator[None]:
        key = session_key(session_id)
        with self._local.hold(session_id), self.pool.connection() as conn:
            conn.execute("SELECT pg_advisory_lock(%s, %s)", (LOCK_SPACE, key))
            try:
                yield
            finally:
                self._unlock(conn, key)

    @contextmanager
    def hold_in_transaction(self, session_id: str) -> Iterator[tuple[int, int]]:
        """The process-local part of the lock; yields the advisory lock's (space, key) for the caller
        to take first in its transaction with `pg_advisory_xact_lock` (released when it ends)."""
        with self._local.hold(session_id), self._turns:
            yield LOCK_SPACE, session_key(session_id)

    @staticmethod
    def _unlock(conn: Any, key: int) -> None:
        """Releases the lock; on a connection that is gone there is nothing to release (a session-level
        advisory lock ends with its server session), and the turn it guarded is not failed for it."""
        import psycopg

        try:
            conn.execute("SELECT pg_advisory_unlock(%s, %s)", (LOCK_SPACE, key))
        except psycopg.OperationalError:
            if not conn.broken:
                raise
            log.warning("session lock connection lost; the server released the lock with it")

    def reconnect(self) -> None:
        """Replaces the pool's dead connections (each idle one is tried; see `Engine.handle`)."""
        self.pool.check()

    def close(self) -> None:
        self.pool.close()


def make_session_locks(database_url: str, lock_dir: Path) -> SessionLocks:
    if database_url.startswith(("postgresql", "postgres")):
        return PostgresSessionLocks(database_url)
    return FileSessionLocks(lock_dir)
