"""Telecom slot resolvers and the technician-slot picker.

"Tomorrow before noon", "the second one", "в субботу после обеда" each pick one of the slots that were
just listed: the message's entities (date, time_of_day, time, ordinal) filter the listing, and the
first slot left wins. Nothing is picked from a slot that was not offered.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from parley.engine.slots import SlotAnswer, SlotQuery, resolve_msisdn
from parley.packs.base import Reply

# the hours a part of the day covers, by the slot's start time
TIME_OF_DAY = {
    "morning": (0, 12),
    "before_noon": (0, 12),
    "afternoon": (12, 24),
    "evening": (17, 24),
}


def _start(slot: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(str(slot["start"]))


def pick_slot(slots: Sequence[dict[str, Any]], entities: dict[str, Any]) -> dict[str, Any] | None:
    """The listed slot the customer's words point at, or None when they point at none (or say nothing)."""
    if not slots:
        return None
    ordinal = entities.get("ordinal")
    if isinstance(ordinal, int) and ordinal != 0:
        index = ordinal - 1 if ordinal > 0 else len(slots) + ordinal
        return slots[index] if 0 <= index < len(slots) else None
    said = False
    matching = list(slots)
    day = entities.get("date") or (str(entities["datetime"])[:10] if entities.get("datetime") else None)
    if day:
        said = True
        matching = [s for s in matching if _start(s).date().isoformat() == day]
    part = entities.get("time_of_day")
    if part in TIME_OF_DAY:
        said = True
        lo, hi = TIME_OF_DAY[part]
        matching = [s for s in matching if lo <= _start(s).hour < hi]
    clock_time = entities.get("time") or (
        str(entities["datetime"])[11:16] if entities.get("datetime") else None
    )
    if clock_time:
        said = True
        hour = int(str(clock_time)[:2])
        matching = [
            s
            for s in matching
            if _start(s).hour <= hour < max(_start(s).hour + 1, datetime.fromisoformat(str(s["end"])).hour)
        ]
    if not said or not matching:
        return None
    return matching[0]


def resolve_when(q: SlotQuery) -> SlotAnswer:
    """The moment or day a complaint is about, when the message names one; never asked for."""
    value = q.entities.get("datetime") or q.entities.get("date")
    return SlotAnswer(str(value)) if value else SlotAnswer()


def resolve_slot_id(q: SlotQuery) -> SlotAnswer:
    """A slot from the listing kept in the dialogue (the booking flow offers them)."""
    listed: list[dict[str, Any]] = q.dialog.get("listed_slots") or []
    chosen = pick_slot(listed, q.entities)
    if chosen is not None:
        return SlotAnswer(chosen["slot_id"])
    return SlotAnswer(ask=Reply("ask.slot_id", {"slots": listed}))


def resolve_booking_id(q: SlotQuery) -> SlotAnswer:
    booking = q.dialog.get("focus_booking_id")
    return SlotAnswer(booking) if booking else SlotAnswer(ask=Reply("ask.booking_id"))


def resolve_msisdn_for_action(query: SlotQuery) -> SlotAnswer:
    """Like the engine's number resolver, but "unlock my number" needs no question when exactly one of
    the customer's numbers is locked."""
    if query.action == "unlock_number" and not query.entities.get("msisdn") and not query.explicit:
        locked = [s.msisdn for s in query.context.subscribers if s.locked]
        if len(locked) == 1:
            return SlotAnswer(locked[0])
    return resolve_msisdn(query)


RESOLVERS = {
    "msisdn": resolve_msisdn_for_action,
    "when": resolve_when,
    "slot_id": resolve_slot_id,
    "booking_id": resolve_booking_id,
}
