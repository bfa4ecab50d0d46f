"""RetailCo's own slot resolvers: the engine's, with what only this pack knows about its actions."""

from __future__ import annotations

import re
from typing import Any

from parley.engine.slots import DEFAULT_RESOLVERS, SlotAnswer, SlotQuery, ask_order, resolve_order
from parley.nlu.entities.products import names_item
from parley.packs.base import Reply
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


NOT_YET_SENT = re.compile(
    r"\b(?:has\s*n[o']?t|have\s*n[o']?t|not|never|still\s+not|yet\s+to\s+be)\s+(?:been\s+|yet\s+)?"
    r"(?:shipped|sent|dispatched|posted)\b"
    r"|(?:ещё|еще|до\s+сих\s+пор|так\s+и)\s+не\s+(?:отправ|отгруж|отгруз|передал)|не\s+(?:отправлен|отгружен)",
    re.IGNORECASE,
)


def resolve_order_for_action(query: SlotQuery) -> SlotAnswer:
    """Like the engine's order resolver, but "which order?" offers only the orders the action can act on:
    "cancel my order" lists the ones not yet shipped, and "the kettle one" between a kettle still being
    prepared and one delivered long ago means the first. Exactly one such order needs no question (the
    read-back before anything changes names it). With none, every candidate is listed, and the action's
    own check then says why the chosen one cannot be done."""
    answer = resolve_order(query)
    if answer.value and query.action == "initiate_return":
        answer.also.update(items_named(query, str(answer.value)))
    if answer.ask is None or query.entities.get("product_unknown"):
        return answer  # a thing the customer does not have in any order: no order of theirs is assumed
    status = {o.id: o.status for o in query.context.orders}
    if query.explicit:
        # the order must be said (asked again after a refusal, or after another request took the number
        # given): nothing is assumed, but the question still offers only the orders the action can act on
        eligible = [i for i in answer.ask.quick_replies if status.get(i) in ELIGIBLE.get(query.action, ())]
        return ask_order(query, eligible) if eligible else answer
    if query.intent == "order_status":
        # "where is my order?" (or "where's the kettle?") with one order still on its way is about that one;
        # with several, every order is listed (a delivered one may be the very parcel that never arrived)
        on_the_way = [i for i in answer.ask.quick_replies if status.get(i) in BEFORE_DELIVERY]
        if len(on_the_way) == 1:
            return SlotAnswer(on_the_way[0])
    if NOT_YET_SENT.search(query.text):
        # "I ordered a kettle and it still hasn't shipped": not the kettle delivered a month ago
        waiting = [i for i in answer.ask.quick_replies if status.get(i) in CHANGEABLE]
        if len(waiting) == 1:
            return SlotAnswer(waiting[0])
        if waiting:
            return ask_order(query, waiting)
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


def items_named(query: SlotQuery, order_id: str) -> dict[str, Any]:
    """ "Return the mug set" of an order with a kettle and a mug set returns the mug set alone: the items of
    the order that the product words name, when they are some of its items but not all."""
    product = query.entities.get("product")
    order = next((o for o in query.context.orders if o.id == order_id), None)
    if not product or order is None or len(order.items) < 2:
        return {}
    needle = str(product).lower()
    named = [i.name for i in order.items if names_item(needle, i.name)]
    return {"return_items": named} if 0 < len(named) < len(order.items) else {}


# Parts of an address a customer corrects alone: "квартира 21, а не 12", "ой нет, дом 7", "flat 14".
_NUMBER = r"\d+[а-яa-z]?"
PART_LABELS: dict[str, str] = {
    "apartment": r"квартир[аыуе]?|кв\.?|apartment|apt\.?|flat",
    "house": r"дом[аеу]?|д\.|house|building",
}
PART_SAID = {
    part: re.compile(rf"(?<!\w)(?:{labels})\s*(?:№|#|no\.?)?\s*(?P<number>{_NUMBER})\b", re.IGNORECASE)
    for part, labels in PART_LABELS.items()
}
PART_IN_ADDRESS = {
    part: re.compile(rf"(?<!\w)(?P<label>{labels})(?P<gap>\s*(?:№|#|no\.?)?\s*){_NUMBER}\b", re.IGNORECASE)
    for part, labels in PART_LABELS.items()
}
# a UK/US address starts with its house number: "221B Baker Street, London"
LEADING_HOUSE_NUMBER = re.compile(rf"^\s*{_NUMBER}(?=\s+\w)", re.IGNORECASE)
# "21, а не 12", "14, not 4": one number of the address for another
INSTEAD_OF = re.compile(
    rf"(?P<new>{_NUMBER})\s*,?\s*(?:а\s+не|но\s+не|not|instead\s+of)\s+(?P<old>{_NUMBER})\b", re.IGNORECASE
)
# what is left of an address once its house and apartment parts are taken out: a street or a town, if any
_PARTS_ONLY = re.compile(
    r"\b(?:ой|нет|не|а|но|no|not|instead\s+of|sorry|oh|the|it'?s)\b"
    rf"|(?<!\w)(?:{'|'.join(PART_LABELS.values())})|№|#|{_NUMBER}|[^\w]",
    re.IGNORECASE,
)


def names_only_parts(text: str) -> bool:
    """ "дом 7", "flat 14, not 4": house or apartment numbers and nothing of a street or a town."""
    return not _PARTS_ONLY.sub("", text).strip() and bool(re.search(r"\d", text))


def corrected_address(base: str, text: str) -> str | None:
    """`base` with the parts `text` corrects, or None when it corrects nothing `base` has."""
    if instead := INSTEAD_OF.search(text):
        old = re.compile(rf"(?<![\w]){re.escape(instead['old'])}(?![\w])", re.IGNORECASE)
        if len(old.findall(base)) == 1:
            return old.sub(instead["new"], base)
    fixed = base
    for part, said_pattern in PART_SAID.items():
        said = said_pattern.search(text)
        if said is None:
            continue
        number = said.group("number")
        if PART_IN_ADDRESS[part].search(fixed):
            fixed = PART_IN_ADDRESS[part].sub(rf"\g<label>\g<gap>{number}", fixed, count=1)
        elif part == "house" and LEADING_HOUSE_NUMBER.search(fixed):
            fixed = LEADING_HOUSE_NUMBER.sub(number, fixed, count=1)
        else:
            return None
    return fixed if fixed != base else None


def resolve_new_address(query: SlotQuery) -> SlotAnswer:
    """The engine's address resolver, plus corrections of a part of an address: "ой нет, дом 7" to the
    read-back of a new address is that address with house 7, and "квартира 21, а не 12" right after the
    change is the order's (new) address with apartment 21. A house or apartment number alone is never
    taken for a whole new address: with nothing to correct, the address is asked for."""
    given = query.entities.get("address")
    if given and not names_only_parts(given):
        return DEFAULT_RESOLVERS["new_address"](query)
    if names_only_parts(query.text) or given:
        order = next((o for o in query.context.orders if o.id == query.params.get("order_id")), None)
        base = query.previous or (order.delivery_address if order else "")
        fixed = corrected_address(base, query.text) if base else None
        if fixed:
            return SlotAnswer(fixed)
        if given:
            return SlotAnswer(ask=Reply("ask.new_address"))
    return DEFAULT_RESOLVERS["new_address"](query)


# "квартира 21, а не 12", "flat 4B, not 4A": only the apartment of an address the customer already gave
APARTMENT_SAID = re.compile(
    r"(?:квартир[аыуе]?|кв\.?|apartment|apt\.?|flat)\s*(?:№|#|no\.?)?\s*(?P<number>\d+[а-яa-z]?)",
    re.IGNORECASE,
)
APARTMENT_IN_ADDRESS = re.compile(
    r"(?P<label>квартир[аыуе]?|кв\.?|apartment|apt\.?|flat)(?P<gap>\s*(?:№|#|no\.?)?\s*)\d+[а-яa-z]?",
    re.IGNORECASE,
)


RESOLVERS = {"order_id": resolve_order_for_action, "new_address": resolve_new_address}
