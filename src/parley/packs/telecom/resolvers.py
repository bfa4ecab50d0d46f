"""Telecom slot resolvers and the technician-slot picker.

"Tomorrow before noon", "the second one", "в субботу после обеда" each pick one of the slots that were
just listed: the message's entities (date, time_of_day, time, ordinal) filter the listing, and the
first slot left wins. Nothing is picked from a slot that was not offered.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from parley.engine.slots import SlotAnswer, SlotQuery, resolve_msisdn
from parley.packs.base import CustomerContext, Reply
from parley.packs.telecom.actions import EVERY_NUMBER

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


# Words that describe one of a customer's numbers instead of giving it: "my main number", "the kids' one".
MAIN_NUMBER = re.compile(
    r"\b(?:main|primary|own|personal)\b|основн|личн|сво(?:й|ем|ём)\b|собственн", re.IGNORECASE
)
CHILD_NUMBER = re.compile(
    r"\b(?:kids?|child|children|son|daughter)\b|детск|ребен|ребён|сын|доч", re.IGNORECASE
)
CHILD_PLAN = re.compile(r"kid|child|детск", re.IGNORECASE)


def described_number(text: str, context: CustomerContext) -> str | None:
    """The one number that words point at: the customer's own (profile) phone for "my main number", the
    number on a children's plan for "the kids' number"; None when they point at none or at several."""
    subs = context.subscribers
    if CHILD_NUMBER.search(text):
        matching = [s.msisdn for s in subs if CHILD_PLAN.search(s.plan or "")]
    elif MAIN_NUMBER.search(text):
        matching = [s.msisdn for s in subs if s.msisdn == context.customer.phone]
    else:
        matching = [s.msisdn for s in subs if s.plan and s.plan.lower() in text.lower()]
    return matching[0] if len(matching) == 1 else None


def resolve_msisdn_for_action(query: SlotQuery) -> SlotAnswer:
    """The engine's number resolver, with what a mobile operator knows about its customer's numbers:
    - "unlock my number" needs no question when exactly one of the numbers is locked;
    - a number described rather than given ("my main number", "на детском");
    - the balance of every number when the customer asks about "both", or asks without naming one and none
      is being talked about: an overview costs nothing and changes nothing, a question costs a turn."""
    entities = query.entities
    numbers = [s.msisdn for s in query.context.subscribers]
    if entities.get("msisdn") or len(numbers) < 2:
        return resolve_msisdn(query)
    if query.action == "unlock_number" and not query.explicit:
        locked = [s.msisdn for s in query.context.subscribers if s.locked]
        if len(locked) == 1:
            return SlotAnswer(locked[0])
    described = described_number(query.text, query.context)
    if described:
        return SlotAnswer(described)
    if entities.get("every"):
        if query.action == "check_balance":
            return SlotAnswer(EVERY_NUMBER)
        query.dialog["listed_numbers"] = numbers
        return SlotAnswer(ask=Reply("ask.msisdn_one_at_a_time", {"numbers": numbers}, numbers))
    if query.action == "check_balance":
        named = entities.get("ordinal") is not None or query.dialog.get("focus_msisdn") in numbers
        if not named and not query.explicit and not query.expecting:
            return SlotAnswer(EVERY_NUMBER)
    return resolve_msisdn(query)


RESOLVERS = {
    "msisdn": resolve_msisdn_for_action,
    "when": resolve_when,
    "slot_id": resolve_slot_id,
    "booking_id": resolve_booking_id,
}
