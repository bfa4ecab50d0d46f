"""Column types that behave the same on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, Dialect, Numeric
from sqlalchemy.types import TypeDecorator


class UtcDateTime(TypeDecorator[datetime]):
    """A timezone-aware instant, stored as UTC.

    SQLite has no time zones: naive UTC goes in and UTC is re-attached on the way out, so window
    queries ("failed unlock attempts in the last 24 h") compare like with like on both databases.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UtcDateTime column; use parley.clock.now()")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        assert isinstance(value, datetime)
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def Money() -> Numeric[float]:  # noqa: N802 - reads like a type in column declarations
    """Amounts with two decimals, returned as float (the records carry floats)."""
    return Numeric(14, 2, asdecimal=False)


def iso(value: datetime | None) -> str | None:
    """ISO-8601 text of an instant, always in UTC (stored and freshly created rows read the same), or None."""
    return value.astimezone(UTC).isoformat() if value is not None else None


def parse_instant(text: str) -> datetime:
    """An aware datetime from ISO-8601 text (a naive one is taken as UTC)."""
    value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return value if value.tzinfo else value.replace(tzinfo=UTC)
