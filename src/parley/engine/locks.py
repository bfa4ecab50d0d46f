"""Per-session serialization: two messages of one session are processed one after the other.

Inside a process a lock per session suffices; across worker processes the lock must live where they
all meet. On PostgreSQL that is an advisory lock keyed by the session id (held on a pooled
connection for the turn, released even if the turn fails). On SQLite, where several `parley serve
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
log = logging.getLogger(__name__)


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
    """Process-local lock plus `pg_advisory_lock` on a pooled connection for the whole turn."""

    def __init__(self, url: str, max_size: int = 8) -> None:
        from psycopg_pool import ConnectionPool

        from parley.engine.checkpoint_pg import libpq_url

        self.pool = ConnectionPool(
            libpq_url(url), min_size=1, max_size=max_size, kwargs={"autocommit": True}, open=True
        )
        self._local = _ProcessLocks()

    @contextmanager
    def hold(self, session_id: str) -> Iterator[None]:
        key = zlib.crc32(session_id.encode()) - 2**31  # a signed 32-bit key, stable across processes
        with self._local.hold(session_id), self.pool.connection() as conn:
            conn.execute("SELECT pg_advisory_lock(%s, %s)", (7001, key))
            try:
                yield
            finally:
                self._unlock(conn, key)

    @staticmethod
    def _unlock(conn: Any, key: int) -> None:
        """Releases the lock; on a connection that is gone there is nothing to release (a session-level
        advisory lock ends with its server session), and the turn it guarded is not failed for it."""
        import psycopg

        try:
            conn.execute("SELECT pg_advisory_unlock(%s, %s)", (7001, key))
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
