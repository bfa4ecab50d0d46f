"""Schema migrations, run programmatically: `upgrade(url)` is `alembic upgrade head` without an ini file.

Safe when several processes start at once: on PostgreSQL the upgrade runs inside one transaction
holding an advisory lock (transactional DDL, so a loser waits and then finds nothing to do); on
SQLite the transaction starts with BEGIN IMMEDIATE, which serializes writers the same way.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from alembic.config import Config
    from sqlalchemy import Engine

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
# An arbitrary constant: "parley" in ASCII, the key of the migration advisory lock.
ADVISORY_LOCK_KEY = 0x7061726C6579
# Not "alembic_version": the database may be shared with the company's own Alembic-managed app.
VERSION_TABLE = "parley_schema_version"


def alembic_config(url: str | None = None) -> Config:
    """An Alembic config pointing at the bundled migrations (also usable for `revision --autogenerate`)."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if url:
        config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(url: str) -> None:
    """Brings the database at `url` to the newest schema (idempotent)."""
    from sqlalchemy.pool import NullPool

    from parley.store.db import make_engine, normalize_url

    url = normalize_url(url)
    # An in-memory SQLite database lives in its connection: migrating a throwaway engine is useless,
    # callers with `sqlite://` must use `upgrade_engine(db.engine)`.
    engine = (
        make_engine(url)
        if url in ("sqlite://", "sqlite:///:memory:")
        else make_engine(url, poolclass=NullPool)
    )
    try:
        upgrade_engine(engine)
    finally:
        engine.dispose()


def upgrade_engine(engine: Engine) -> None:
    """Upgrades through an existing engine (needed for in-memory SQLite)."""
    from alembic import command

    config = alembic_config()
    with engine.connect() as conn:
        if conn.dialect.name == "sqlite":
            conn.execution_options(parley_sqlite_begin="IMMEDIATE")
        with conn.begin():
            if conn.dialect.name == "postgresql":
                conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({ADVISORY_LOCK_KEY})")
            config.attributes["connection"] = conn
            command.upgrade(config, "head")


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at (None when never migrated)."""
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"version_table": VERSION_TABLE})
        return context.get_current_revision()
