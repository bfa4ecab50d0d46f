"""RetailCo's own slot resolvers: the engine's, with what only this pack knows about its actions."""

from __future__ import annotations

import re

from parley.engine.slots import DEFAULT_RESOLVERS, SlotAnswer, SlotQuery, ask_order, resolve_order
from parley.packs.retail.actions import BEFORE_DELIVERY, CHANGEABLE

# The order statuses each action can act on; "refund_status" looks for the orders whose money moves.
ELIGIBLE: dict[str, tuple[str, ...]] = {
    "cancel_order": CHANGEABLE,
    "change_delivery_address": CHANGEABLE,
    "change_payment_method": CHANGEABLE,
    "reschedule_delivery": BEFORE_DELIVERY,
    "initiate_return": ("delivered",),
    "refund_status": ("cancelled", "returned"),
}


def resolve_order_for_action(query: SlotQuery) -> SlotAnswer:
    """Like the engine's order resolver, but "which order?" offers only the orders the action can act on:
    "cancel my order" lists the ones not yet shipped, and "the kettle one" between a kettle still being
    prepared and one delivered long ago means the first. Exactly one such order needs no question (the
    read-back before anything changes names it). With none, every candidate is listed, and the action's
    own check then says why the chosen one cannot be done."""
    answer = resolve_order(query)
    if answer.ask is None or query.explicit:
        return answer
    status = {o.id: o.status for o in query.context.orders}
    if query.intent == "order_status":
        # "where is my order?" (or "where's the kettle?") with one order still on its way is about that one;
        # with several, every order is listed (a delivered one may be the very parcel that never arrived)
        on_the_way = [i for i in answer.ask.quick_replies if status.get(i) in BEFORE_DELIVERY]
        if len(on_the_way) == 1:
            return SlotAnswer(on_the_way[0])
    statuses = ELIGIBLE.get(query.action)
    if statuses is None:
        return answer
    candidates = list(answer.ask.quick_replies) or list(status)
    eligible = [i for i in candidates if status.get(i) in statuses]
    if len(eligible) == 1:
        return SlotAnswer(eligible[0])
    if eligible and len(eligible) < len(candidates):
        return ask_order(query, eligible)
    return answer


# "квартира 21, а не 12", "flat 4B, not 4A": only the apartment of an address the customer already gave
APARTMENT_SAID = re.compile(
    r"(?:квартир[аыуе]?|кв\.?|apartment|apt\.?|flat)\s*(?:№|#|no\.?)?\s*(?P<number>\d+[а-яa-z]?)",
    re.IGNORECASE,
)
APARTMENT_IN_ADDRESS = re.compile(
    r"(?P<label>квартир[аыуе]?|кв\.?|apartment|apt\.?|flat)(?P<gap>\s*(?:№|#|no\.?)?\s*)\d+[а-яa-z]?",
    re.IGNORECASE,
)


def resolve_new_address(query: SlotQuery) -> SlotAnswer:
    """The engine's address resolver, plus a correction of the apartment alone: "ой, квартира 21, а не 12"
    right after the address was changed is the order's address with apartment 21."""
    if not query.entities.get("address"):
        said = APARTMENT_SAID.search(query.text)
        order = next((o for o in query.context.orders if o.id == query.params.get("order_id")), None)
        base = order.delivery_address if order else ""
        if said and APARTMENT_IN_ADDRESS.search(base):
            number = said.group("number")
            fixed = APARTMENT_IN_ADDRESS.sub(lambda m: f"{m['label']}{m['gap']}{number}", base, count=1)
            return SlotAnswer(fixed)
    return DEFAULT_RESOLVERS["new_address"](query)


RESOLVERS = {"order_id": resolve_order_for_action, "new_address": resolve_new_address}
