"""The technician-visit flow: offer the free slots in the customer's region, pick one from the
customer's words, confirm; also rebooking (a new slot replaces the active booking) and cancelling.

It is a flow rather than a plain task because offering slots needs the backend, which slot
resolvers do not see; the listing is kept in the flow's state so "the second one" means the
second slot *offered*.
"""

from __future__ import annotations

import re
from typing import Any

from parley.nlu.types import NluResult
from parley.packs.base import ActionEnv, FlowStep, Reply
from parley.packs.telecom.actions import free_slots_for, slot_facts
from parley.packs.telecom.resolvers import pick_slot

MAX_OFFERED = 6
MAX_UNCLEAR = 2
# "не нужен" as words: "мне нужен мастер" holds the letters of "не нужен" and asks for the opposite
CANCEL_WORDS = re.compile(r"\bcancel|call off|don'?t need|отмен|\bне\s+нужен|\bне\s+нужно", re.I)


def active_booking(env: ActionEnv) -> dict[str, Any] | None:
    for booking in reversed(env.backend.bookings_for(env.customer_id)):
        if booking.status == "active":
            slot = env.backend.get_slot(booking.slot_id)
            return {
                "booking_id": booking.id,
                "start": slot.start if slot else "",
                "end": slot.end if slot else "",
            }
    return None


def offer_slots(env: ActionEnv, nlu: NluResult | None, base: dict[str, Any]) -> FlowStep:
    """Lists the free slots (or books the one already named); `base` carries the flow's other state."""
    slots = [slot_facts(s) for s in free_slots_for(env)[:MAX_OFFERED]]
    if not slots:
        return FlowStep(replies=[Reply("booking.no_slots")])
    chosen = pick_slot(slots, nlu.entities) if nlu is not None else None
    if chosen is not None:
        return confirm_slot(chosen, base)
    state = {**base, "step": "pick_slot", "slots": slots, "unclear": 0}
    return FlowStep(
        replies=[
            Reply(
                "booking.offer",
                {"slots": slots, **_current(base)},
                [str(i) for i in range(1, len(slots) + 1)],
            )
        ],
        state=state,
        expecting="slot",
    )


def _current(base: dict[str, Any]) -> dict[str, Any]:
    current = base.get("current")
    return {"current": current} if current else {}


def confirm_slot(slot: dict[str, Any], base: dict[str, Any]) -> FlowStep:
    params = {"slot_id": slot["slot_id"], "start": slot["start"], "end": slot["end"]}
    if base.get("current"):
        params["replaces"] = base["current"]["booking_id"]
    return FlowStep(confirm=("book_technician", params))


def pick_from_offer(env: ActionEnv, nlu: NluResult, state: dict[str, Any]) -> FlowStep:
    chosen = pick_slot(state.get("slots") or [], nlu.entities)
    if chosen is not None:
        return confirm_slot(chosen, state)
    if nlu.entities.get("answer") == "no":
        return FlowStep(replies=[Reply("task.dropped")])
    unclear = int(state.get("unclear", 0)) + 1
    if unclear > MAX_UNCLEAR:
        return FlowStep(replies=[Reply("booking.gave_up")])
    slots = state.get("slots") or []
    return FlowStep(
        replies=[Reply("booking.which", {"slots": slots}, [str(i) for i in range(1, len(slots) + 1)])],
        state={**state, "unclear": unclear},
        expecting="slot",
    )


class BookingFlow:
    name = "booking"

    def start(self, env: ActionEnv, nlu: NluResult, params: dict[str, Any]) -> FlowStep:
        current = active_booking(env)
        if CANCEL_WORDS.search(nlu.text):
            if current is None:
                return FlowStep(replies=[Reply("booking.none")])
            return FlowStep(confirm=("cancel_booking", current))
        return offer_slots(env, nlu, {"current": current} if current else {})

    def on_message(self, env: ActionEnv, nlu: NluResult, state: dict[str, Any]) -> FlowStep:
        return pick_from_offer(env, nlu, state)

    def resume(self, env: ActionEnv, state: dict[str, Any]) -> FlowStep:
        slots = state.get("slots") or []
        return FlowStep(replies=[Reply("booking.which", {"slots": slots})], state=state, expecting="slot")
