"""Database fixtures shared by tests/store and tests/backends: every test runs on SQLite, and on
PostgreSQL too when PARLEY_TEST_DATABASE_URL points at a server (e.g.
postgresql://postgres@127.0.0.1:5432/parley_test).

For PostgreSQL a fresh database is created per test session (named after the URL's database plus a
random suffix) and dropped at the end; between tests its tables are truncated. For SQLite each test
gets a copy of a migrated template file, so migrations run once per session, not per test.
"""

from __future__ import annotations

import os
import secrets
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from parley.backends.reference import codeword
from parley.store.base import all_metadata
from parley.store.db import Database, normalize_url
from parley.store.migrate import upgrade

PG_ENV = "PARLEY_TEST_DATABASE_URL"
BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


def postgres_admin_url() -> str | None:
    return os.environ.get(PG_ENV) or None


def create_postgres_database() -> str:
    """A new, empty PostgreSQL database next to the one PARLEY_TEST_DATABASE_URL names."""
    import psycopg

    base = make_url(normalize_url(postgres_admin_url() or ""))
    name = f"{base.database or 'parley_test'}_{secrets.token_hex(4)}"
    admin = base.set(drivername="postgresql", database="postgres")
    with psycopg.connect(admin.render_as_string(hide_password=False), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return base.set(database=name).render_as_string(hide_password=False)


def drop_postgres_database(url: str) -> None:
    import psycopg

    target = make_url(url)
    admin = target.set(drivername="postgresql", database="postgres")
    with psycopg.connect(admin.render_as_string(hide_password=False), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{target.database}" WITH (FORCE)')


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    if not postgres_admin_url():
        pytest.skip(f"{PG_ENV} is not set")
    url = create_postgres_database()
    upgrade(url)
    try:
        yield url
    finally:
        drop_postgres_database(url)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.db"
    upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture(autouse=True)
def _cheap_code_word_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Real scrypt, lower cost: the stored hash carries its parameters, so behaviour is unchanged."""
    monkeypatch.setattr(codeword, "SCRYPT_N", 2**8)


@pytest.fixture(params=BACKENDS)
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    if request.param == "sqlite":
        path = tmp_path / "parley.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        database = Database(f"sqlite:///{path}")
    else:
        database = Database(request.getfixturevalue("postgres_url"))
        tables = ", ".join(f'"{t.name}"' for t in all_metadata().sorted_tables)
        with database.engine.begin() as conn:
            conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    try:
        yield database
    finally:
        database.dispose()


@pytest.fixture
def demo_db(db: Database) -> Database:
    from parley.demo import load_demo

    load_demo(db)
    return db
