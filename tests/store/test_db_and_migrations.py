"""Engines, sessions and migrations (parley.store.db / parley.store.migrate)."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import event, inspect, text
from sqlalchemy.pool import StaticPool

from parley.store.base import all_metadata
from parley.store.db import Database, make_engine, normalize_url
from parley.store.migrate import VERSION_TABLE, current_revision, upgrade, upgrade_engine
from tests.pg import create_postgres_database, drop_postgres_database, postgres_admin_url


def test_url_normalization() -> None:
    assert normalize_url("postgresql://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalize_url("postgres://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalize_url("sqlite:///x.db") == "sqlite:///x.db"
    engine = make_engine("postgresql://u@127.0.0.1/db")
    assert engine.dialect.driver == "psycopg" and engine.pool.size() == 5  # type: ignore[attr-defined]
    engine.dispose()


def test_sqlite_file_pragmas(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'a.db'}")
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 5000
    engine.dispose()


def test_in_memory_sqlite_is_shared_by_sessions() -> None:
    db = Database("sqlite://")
    assert isinstance(db.engine.pool, StaticPool)
    upgrade_engine(db.engine)
    with db.session() as s:
        s.execute(text("INSERT INTO service_catalog (code, name, monthly_fee) VALUES ('x', 'X', 1)"))
    with db.read() as s:
        assert s.execute(text("SELECT name FROM service_catalog")).scalar() == "X"
    db.dispose()


def test_session_commits_once_or_rolls_back(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'b.db'}"
    upgrade(url)
    db = Database(url)
    with pytest.raises(RuntimeError):
        with db.session() as s:
            s.execute(text("INSERT INTO service_catalog (code, name, monthly_fee) VALUES ('a', 'A', 1)"))
            raise RuntimeError("boom")
    with db.session() as s:
        s.execute(text("INSERT INTO service_catalog (code, name, monthly_fee) VALUES ('b', 'B', 1)"))
    with db.read() as s:
        assert s.execute(text("SELECT code FROM service_catalog")).scalars().all() == ["b"]
    db.dispose()


def _parity_diff(url: str) -> list[object]:
    metadata = all_metadata()
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(
                conn,
                opts={
                    "version_table": VERSION_TABLE,
                    "compare_type": True,
                    "include_name": lambda name, type_, parents: type_ != "table" or name in metadata.tables,
                },
            )
            return list(compare_metadata(context, metadata))
    finally:
        engine.dispose()


def test_models_and_migrations_agree_on_sqlite(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'c.db'}"
    upgrade(url)
    upgrade(url)  # idempotent
    assert _parity_diff(url) == []
    engine = make_engine(url)
    assert current_revision(engine) == "0003"
    assert set(all_metadata().tables) <= set(inspect(engine).get_table_names())
    engine.dispose()


def test_concurrent_upgrades_on_sqlite(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'd.db'}"
    errors: list[BaseException] = []
    barrier = threading.Barrier(3)

    def run() -> None:
        barrier.wait()
        try:
            upgrade(url)
        except BaseException as error:  # noqa: BLE001
            errors.append(error)

    threads = [threading.Thread(target=run) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert _parity_diff(url) == []


@pytest.mark.postgres
def test_models_and_migrations_agree_on_postgres_with_racing_upgrades() -> None:
    if not postgres_admin_url():
        pytest.skip("PARLEY_TEST_DATABASE_URL is not set")
    url = create_postgres_database()
    try:
        errors: list[BaseException] = []
        barrier = threading.Barrier(3)

        def run() -> None:
            barrier.wait()
            try:
                upgrade(url)
            except BaseException as error:  # noqa: BLE001
                errors.append(error)

        threads = [threading.Thread(target=run) for _ in range(3)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert errors == []
        assert _parity_diff(url) == []
    finally:
        drop_postgres_database(url)


def test_data_cli_import_does_not_load_the_database_layer() -> None:
    code = "import sys, parley.backends.reference.cli; print('sqlalchemy' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"


def test_reads_share_one_autocommit_connection_and_see_the_latest_commit(db: Database) -> None:
    upgrade_engine(db.engine)
    statements: list[str] = []
    checkouts: list[int] = []
    event.listen(
        db.read_engine, "before_cursor_execute", lambda *a: statements.append(a[2].split()[0].upper())
    )
    event.listen(db.read_engine.pool, "checkout", lambda *a: checkouts.append(1))
    count = text("SELECT count(*) FROM service_catalog")
    with db.shared_reads():
        with db.reading() as first:
            before = first.execute(count).scalar()
        # a commit made mid-way is visible to the next read: reads hold no snapshot
        with db.session() as s:
            s.execute(text("INSERT INTO service_catalog (code, name, monthly_fee) VALUES ('z', 'Z', 1)"))
        with db.reading() as second:
            assert second is first
            assert second.execute(count).scalar() == before + 1
            if db.dialect == "postgresql":
                assert second.connection.driver_connection.autocommit is True
    assert checkouts == [1]
    assert statements == ["SELECT", "SELECT"]  # no BEGIN, no ROLLBACK round trips
    with db.reading() as alone:  # outside shared_reads: a connection of its own
        assert alone.execute(count).scalar() == before + 1
    assert checkouts == [1, 1]


@pytest.mark.postgres
def test_postgres_connections_are_pinged_only_after_an_idle_spell(
    postgres_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No liveness round trip for a connection in steady use; a dead idle one is replaced unseen."""
    import psycopg

    from parley.store import db as db_module

    database = Database(postgres_url)
    dialect = database.engine.dialect
    pings: list[int] = []
    real_ping = dialect.do_ping

    def counted_ping(dbapi_connection: object) -> bool:
        pings.append(1)
        return real_ping(dbapi_connection)

    monkeypatch.setattr(dialect, "do_ping", counted_ping)
    backend_pid = text("SELECT pg_backend_pid()")
    try:
        with database.engine.connect() as conn:
            first_pid = conn.execute(backend_pid).scalar()
        with database.engine.connect() as conn:  # checked in a moment ago: trusted as is
            assert conn.execute(backend_pid).scalar() == first_pid
        assert pings == []

        monkeypatch.setattr(db_module, "PING_AFTER_IDLE_S", 0.05)
        admin = normalize_url(postgres_url).replace("postgresql+psycopg://", "postgresql://")
        with psycopg.connect(admin, autocommit=True) as killer:
            killer.execute("SELECT pg_terminate_backend(%s)", (first_pid,))
        time.sleep(0.1)
        with database.engine.connect() as conn:  # idle, pinged, found dead, replaced before use
            assert conn.execute(text("SELECT 1")).scalar() == 1
            assert conn.execute(backend_pid).scalar() != first_pid
        assert pings == [1]
    finally:
        database.dispose()
