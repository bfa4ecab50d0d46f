"""The one declarative base and metadata shared by Parley's tables and the reference backend's.

A single metadata means a single Alembic history: one `upgrade head` creates everything, and the
model/migration parity test covers every table. The naming convention keeps constraint names stable
across SQLite and PostgreSQL, so autogenerate never sees spurious differences.
"""

from __future__ import annotations

from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def all_metadata() -> MetaData:
    """The metadata with every model module imported (what migrations and parity tests compare)."""
    import parley.backends.reference.models  # noqa: F401
    import parley.store.models  # noqa: F401

    return Base.metadata
