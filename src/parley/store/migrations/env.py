"""Alembic environment: run by `parley.store.migrate` (no alembic.ini needed) or the `alembic` CLI.

The connection normally comes from `config.attributes["connection"]`, opened by `migrate.upgrade`
inside a locked transaction. Only tables in Parley's metadata are considered, so other tables in the
same database (LangGraph checkpoints, the company's own) are never proposed for dropping.
"""

from __future__ import annotations

from typing import Any

from alembic import context
from sqlalchemy.engine import Connection

from parley.store.base import all_metadata
from parley.store.migrate import VERSION_TABLE

config = context.config
target_metadata = all_metadata()


def include_name(name: str | None, type_: str, parent_names: Any) -> bool:
    """Limits autogenerate to Parley's own tables."""
    if type_ == "table":
        return name in target_metadata.tables
    return True


def _configure(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        version_table=VERSION_TABLE,
        include_name=include_name,
        compare_type=True,
        render_as_batch=connection.dialect.name == "sqlite",
    )


def run_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _configure(connection)
        with context.begin_transaction():
            context.run_migrations()
        return
    from parley.store.db import make_engine

    engine = make_engine(config.get_main_option("sqlalchemy.url") or "")
    try:
        with engine.connect() as conn:
            _configure(conn)
            with context.begin_transaction():
                context.run_migrations()
    finally:
        engine.dispose()


def run_offline() -> None:
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=target_metadata,
        version_table=VERSION_TABLE,
        literal_binds=True,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_offline()
else:
    run_online()
