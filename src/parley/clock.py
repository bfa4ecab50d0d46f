"""The one clock of the system.

Every "now" goes through here so that `PARLEY_NOW` freezes time everywhere at once: relative dates
("this Saturday", "через три дня"), return windows and quiet hours all become reproducible in tests.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime


def now() -> datetime:
    """The current time, timezone-aware; `PARLEY_NOW` (ISO-8601) freezes it."""
    frozen = os.environ.get("PARLEY_NOW")
    if frozen:
        value = datetime.fromisoformat(frozen.replace("Z", "+00:00"))
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    return datetime.now(UTC)


def today_iso() -> str:
    return now().date().isoformat()
