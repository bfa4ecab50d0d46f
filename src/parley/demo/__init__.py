"""The bundled demo company: an online shop that also runs a mobile network (both packs at once).

`data.json` is written as of its anchor day, 2026-11-26. `load_demo` moves every date by the
distance from the anchor to today (per `parley.clock`), so "delivered 4 days ago", "tomorrow's
technician slots" and "yesterday's outage" stay true whenever the demo runs; under the tests'
frozen clock (PARLEY_NOW=2026-11-26…) the data loads exactly as written.
"""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from importlib import resources
from typing import TYPE_CHECKING, Any

from parley import clock

if TYPE_CHECKING:
    from parley.backends.reference.io import ImportReport
    from parley.store.db import Database

ANCHOR = date(2026, 11, 26)


def raw_demo_data() -> dict[str, Any]:
    """The demo data exactly as bundled (anchored at 2026-11-26)."""
    text = resources.files(__package__).joinpath("data.json").read_text(encoding="utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


def _shift_date(value: str | None, days: timedelta) -> str | None:
    return (date.fromisoformat(value) + days).isoformat() if value else value


def _shift_instant(value: str | None, days: timedelta) -> str | None:
    return (datetime.fromisoformat(value) + days).isoformat() if value else value


def demo_payload(today: date | None = None) -> dict[str, Any]:
    """The demo data with its dates moved so that the anchor day becomes `today` (default: the clock's)."""
    data = raw_demo_data()
    shift = (today or clock.now().date()) - ANCHOR
    if not shift:
        return data
    for order in data["orders"]:
        order["date"] = _shift_date(order["date"], shift)
        order["delivery_date"] = _shift_date(order.get("delivery_date"), shift)
        order["delivered_at"] = _shift_instant(order.get("delivered_at"), shift)
    for outage in data["outages"]:
        outage["from"] = _shift_instant(outage["from"], shift)
        outage["to"] = _shift_instant(outage["to"], shift)
    for slot in data["technician_slots"]:
        slot["start"] = _shift_instant(slot["start"], shift)
        slot["end"] = _shift_instant(slot["end"], shift)
    return data


def load_demo(db: Database, *, today: date | None = None) -> ImportReport:
    """Imports the demo company into the reference backend (idempotent: a re-run updates in place)."""
    from parley.backends.reference.io import import_data

    return import_data(db, demo_payload(today))
