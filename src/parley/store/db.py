"""Engines and sessions for SQLite (the laptop default) and PostgreSQL (scale-out).

SQLite is configured so that it behaves like a real transactional database under several threads
and processes: WAL (readers never block the writer), a busy timeout instead of instant "database is
locked", foreign keys on, and SQLAlchemy — not the sqlite3 module — emitting BEGIN, so that
transactional DDL and SAVEPOINTs work. Write sessions start with `BEGIN IMMEDIATE`, taking the write
lock up front: a read-then-write transaction can then never fail half-way with SQLITE_BUSY.

Per-turn reads (`Database.reading`) run without a transaction at all — autocommit, each statement
sees the latest committed data — and, inside `Database.shared_reads()`, all on one connection. A
turn makes about ten one-row lookups: giving each its own pooled connection plus BEGIN and ROLLBACK
cost more than the queries (measured in benchmarks/README.md, "Dialogue turns"); on PostgreSQL it
also saves two round trips per lookup.
"""

from __future__ import annotations

import logging
import sqlite3
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, exc
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import StaticPool

log = logging.getLogger(__name__)
SQLITE_BUSY_TIMEOUT_MS = 15_000
# A pooled PostgreSQL connection used less than this long ago is handed out without a liveness check.
PING_AFTER_IDLE_S = 1.0
_BEGIN_OPTION = "parley_sqlite_begin"
_NO_BEGIN = "NONE"  # autocommit reads: the sqlite3 module runs with isolation_level=None, so no BEGIN at all


# SQLSTATEs of a connection that is gone: class 08 (connection exception), and the server shutting
# down, crashing or starting up (57P01-57P03).
_CONNECTION_GONE = ("08", "57P01", "57P02", "57P03")


def connection_lost(error: BaseException) -> bool:
    """Whether `error` says a database connection went away (a server restart, a dropped network, an
    administrator's terminate) rather than that a statement was wrong: the one failure that is worth
    running again, on fresh connections. SQLAlchemy marks such errors itself (`connection_invalidated`);
    psycopg's own pools (the checkpointer's, the session locks') raise the driver's error as is."""
    if isinstance(error, exc.DBAPIError):
        return bool(error.connection_invalidated)
    psycopg = sys.modules.get("psycopg")  # not imported: the error cannot be one of its
    if psycopg is not None and isinstance(error, psycopg.OperationalError):
        state = error.sqlstate
        return state is None or state.startswith(_CONNECTION_GONE)
    return False


def normalize_url(url: str) -> str:
    """`postgresql://` and `postgres://` mean psycopg 3 (the only PostgreSQL driver we pin)."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def make_engine(url: str, **overrides: Any) -> Engine:
    """An engine for `sqlite:///path`, `sqlite://` (in memory) or `postgresql://...`."""
    url = normalize_url(url)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return _sqlite_engine(url, in_memory=parsed.database in (None, "", ":memory:"), **overrides)
    options: dict[str, Any] = {}
    if "poolclass" not in overrides:
        options.update(pool_size=5, max_overflow=10, pool_recycle=1800, pool_timeout=30)
    options.update(overrides)
    engine = create_engine(url, **options)
    _ping_idle_connections(engine)
    return engine


def _ping_idle_connections(engine: Engine) -> None:
    """Checks a pooled connection's liveness on checkout, unless it was in use within the last second.

    `pool_pre_ping` pings on every checkout: one extra round trip per checkout, two per turn (the
    turn's read connection and its write transaction), for a check that only matters after a quiet
    spell — a server restart, an idle timeout, a network drop. Like HikariCP's `aliveBypassWindowMs`,
    a connection that was checked in less than `PING_AFTER_IDLE_S` ago is trusted; an older one is
    pinged, and a dead one is replaced by the pool (`DisconnectionError`) before anyone uses it.
    What remains is the window itself: a server that dies within a second of a connection's last use
    fails that one statement, after which SQLAlchemy invalidates the pool's stale connections.
    """
    dialect = engine.dialect

    @event.listens_for(engine.pool, "checkin")
    def _stamp(_dbapi_connection: Any, record: Any) -> None:
        record.info["parley_idle_since"] = time.monotonic()

    @event.listens_for(engine.pool, "checkout")
    def _ping(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        idle_since = record.info.get("parley_idle_since")
        if idle_since is None or time.monotonic() - idle_since < PING_AFTER_IDLE_S:
            return  # a new connection, or one in use a moment ago
        try:
            dialect.do_ping(dbapi_connection)
        except dialect.loaded_dbapi.Error as error:
            if dialect.is_disconnect(error, dbapi_connection, None):
                raise exc.DisconnectionError(str(error)) from error
            raise


def _ensure_wal(cursor: Any) -> None:
    """Puts a file database in WAL mode (it stays so; later connections only check).

    The switch itself does not wait on the busy handler: connections racing to open a new database
    (several workers, or concurrent migrations) can get "database is locked" for it. They retry until
    one switch has landed, within the busy timeout.
    """
    deadline = time.monotonic() + SQLITE_BUSY_TIMEOUT_MS / 1000
    while True:
        try:
            if str(cursor.execute("PRAGMA journal_mode").fetchone()[0]).lower() != "wal":
                cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or time.monotonic() > deadline:
                raise
            time.sleep(0.005)


def _sqlite_engine(url: str, *, in_memory: bool, **overrides: Any) -> Engine:
    options: dict[str, Any] = {
        "connect_args": {"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_MS / 1000}
    }
    if in_memory:
        # One shared connection: every session sees the same in-memory database.
        options["poolclass"] = StaticPool
    options.update(overrides)
    engine = create_engine(url, **options)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # SQLAlchemy emits BEGIN itself (see `_on_begin`)
        cursor = dbapi_connection.cursor()
        try:
            if not in_memory:
                _ensure_wal(cursor)
                cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
            cursor.execute("PRAGMA foreign_keys=ON")
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        mode = conn.get_execution_options().get(_BEGIN_OPTION, "DEFERRED")
        if mode != _NO_BEGIN:
            conn.exec_driver_sql(f"BEGIN {mode}")

    return engine


class Database:
    """An engine plus session factories; the unit every repository is built on.

    `session()` is the write unit of work: it commits once on success and rolls back on error.
    `read()` is for lookups: it never commits (so it never costs a durable write) and, on SQLite,
    does not take the write lock.
    """

    def __init__(self, url_or_engine: str | Engine) -> None:
        self.engine = make_engine(url_or_engine) if isinstance(url_or_engine, str) else url_or_engine
        writer_bind = self.engine
        if self.dialect == "sqlite":
            writer_bind = self.engine.execution_options(**{_BEGIN_OPTION: "IMMEDIATE"})
        self._writer_bind = writer_bind
        self._writer = sessionmaker(bind=writer_bind, expire_on_commit=False)
        self._reader = sessionmaker(bind=self.engine, expire_on_commit=False)
        self.read_engine = self._autocommit_reads()
        self._shared: ContextVar[Connection | None] = ContextVar(f"parley_reads_{id(self)}", default=None)
        self._memo: ContextVar[dict[Any, Any] | None] = ContextVar(f"parley_memo_{id(self)}", default=None)

    def _autocommit_reads(self) -> Engine:
        """The engine behind `reading()`: statements outside any transaction, from a pool of its own.

        A pool of its own because a turn holds its read connection while it writes: sharing one pool,
        enough concurrent turns could each hold a reader and all wait for a writer. On PostgreSQL the
        read pool is as large as the write pool (5 + 10 per process): at most 8 turns per process hold
        a session lock at once (engine/locks.py), so readers never wait on each other for long, and
        several worker processes stay well within the server's `max_connections`.
        """
        if self.dialect == "sqlite" and isinstance(self.engine.pool, StaticPool):
            # One connection shared by every session (in-memory): a reader closing it must not end a
            # writer's transaction, so reads keep their own (cheap) deferred transaction here.
            return self.engine
        url = self.engine.url.render_as_string(hide_password=False)
        if self.dialect == "sqlite":
            return make_engine(url, pool_size=5, max_overflow=40).execution_options(
                **{_BEGIN_OPTION: _NO_BEGIN}
            )
        return make_engine(url, isolation_level="AUTOCOMMIT", pool_size=5, max_overflow=10)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @property
    def url(self) -> str:
        return self.engine.url.render_as_string(hide_password=False)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A write transaction: one commit on success, rollback on any error."""
        self._forget_reads()
        with self._writer() as session:
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise

    @contextmanager
    def write_connection(self, joining: Connection | None = None) -> Iterator[Connection]:
        """A write transaction on a plain connection (Core statements only): one commit, or rollback.

        For hot paths that need no ORM: it skips the session's unit of work entirely. `joining`: a
        connection whose transaction the caller opened and ends itself (the engine's one-transaction
        turn on PostgreSQL, engine/opening.py); the statements join it, and nothing is committed here.
        """
        self._forget_reads()
        if joining is not None:
            yield joining
            return
        with self._writer_bind.begin() as conn:
            yield conn

    @contextmanager
    def reading(self) -> Iterator[Connection]:
        """A connection for Core lookups: the shared one inside `shared_reads()`, else a fresh one.

        Autocommit: every statement sees the latest committed data, and nothing is held open between
        statements (no snapshot, no lock). Never write through it.
        """
        shared = self._shared.get()
        if shared is not None:
            yield shared
            return
        with self.read_engine.connect() as conn:
            yield conn

    @contextmanager
    def shared_reads(self) -> Iterator[None]:
        """Within the block, this thread's `reading()` calls share one connection (one checkout), and
        `turn_memo()` is a dict for reads fetched ahead of their use."""
        if self._shared.get() is not None:
            yield
            return
        with self.read_engine.connect() as conn:
            token = self._shared.set(conn)
            memo_token = self._memo.set({})
            try:
                yield
            finally:
                self._memo.reset(memo_token)
                self._shared.reset(token)

    @contextmanager
    def turn_transaction(self) -> Iterator[Connection]:
        """PostgreSQL: the turn's read connection (see `shared_reads`) for a transaction the caller opens
        with its first statements (`all_together(..., begin=True)`) and ends with its record's COMMIT
        (`write_connection(joining=...)`). Whatever is still open when the block ends — an early
        answer, an error — is rolled back here (engine/opening.py)."""
        with self.reading() as conn:
            try:
                yield conn
            finally:
                _roll_back_if_open(conn)

    def turn_memo(self) -> dict[Any, Any] | None:
        """Rows a repository fetched ahead for the block of `shared_reads()` (None outside one).

        A repository that reads several things in one round trip keeps what it has not handed out yet
        here. Any write transaction on this database empties it: what was fetched before a write is
        never served after it.
        """
        return self._memo.get()

    def _forget_reads(self) -> None:
        memo = self._memo.get()
        if memo:
            memo.clear()

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A read-only transaction (rolled back at the end, never committed)."""
        with self._reader() as session:
            try:
                yield session
            finally:
                session.rollback()

    def dispose(self) -> None:
        self.engine.dispose()
        if self.read_engine is not self.engine:
            self.read_engine.dispose()


def _roll_back_if_open(conn: Connection) -> None:
    """Rolls back a transaction left open on `conn`; a connection that is gone took it with it, and
    one that cannot roll back is dropped from its pool."""
    from psycopg.pq import TransactionStatus

    driver: Any = conn.connection.driver_connection
    if driver.closed or driver.broken or driver.info.transaction_status == TransactionStatus.IDLE:
        return
    try:
        driver.rollback()
    except Exception:  # the turn's own error (if any) is the one to report
        log.exception("rolling back a turn's transaction failed; dropping its connection")
        conn.invalidate()
