"""Filling an action's parameters from what the customer said and from the conversation's context.

Each resolver answers one question — "which order?", "which date?" — from the message's entities,
the customer's loaded context and the dialogue's memory (the order in focus, the orders just
listed). When it cannot answer it says how to ask, so the engine asks for exactly what is missing.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from parley.nlu.entities.answers import is_bare_answer
from parley.nlu.entities.products import names_item
from parley.packs.base import CustomerContext, Reply

BARE_NUMBER = re.compile(r"(?<![\w.,])(\d{1,7}(?:[.,]\d{1,2})?)(?![\w.,]*\d)")
FREE_TEXT_SLOTS = {"new_address", "reason", "text"}
DESCRIPTION_SLOTS = {"reason", "text"}  # free text that tells what went wrong
# entities that name an order, and so can answer "which order?"
REFERENCE_KEYS = ("order_id", "order_ref", "product", "ordinal")


@dataclass(slots=True)
class SlotQuery:
    slot: str
    entities: dict[str, Any]
    text: str
    context: CustomerContext
    dialog: dict[str, Any]
    expecting: bool  # the agent's last question asked for this slot
    explicit: bool = False  # the slot must be asked for: no defaults from focus or a single candidate
    action: str = ""  # the action being filled, so a pack can prefer candidates that fit it
    intent: str = ""  # what the customer asked for ("where is my order?" vs "it never arrived": one action)
    params: dict[str, Any] = field(default_factory=dict)
    previous: Any = None  # the value a correction replaces ("no, house 7" to an address just read back)


@dataclass(slots=True)
class SlotAnswer:
    value: Any = None
    ask: Reply | None = None
    # Other parameters settled by the same words ("10 pounds": the amount, and the currency it was said in);
    # None removes a parameter an earlier answer set.
    also: dict[str, Any] = field(default_factory=dict)
    # The slot cannot be filled at all ("I can't see any phone numbers in your account"): `ask` is said and
    # the task ends, instead of waiting for an answer that cannot come.
    dead_end: bool = False

    def apply(self, slot: str, params: dict[str, Any]) -> None:
        """Writes the value into the action's parameters, with what comes along with it."""
        params[slot] = self.value
        for key, value in self.also.items():
            if value is None:
                params.pop(key, None)
            else:
                params[key] = value


Resolver = Callable[[SlotQuery], SlotAnswer]


def order_listing(context: CustomerContext, ids: list[str] | None = None) -> list[dict[str, Any]]:
    orders = [o for o in context.orders if ids is None or o.id in ids]
    return [
        {"id": o.id, "date": o.date, "status": o.status, "products": ", ".join(i.name for i in o.items)}
        for o in orders[:5]
    ]


def ask_order(q: SlotQuery, ids: list[str] | None = None) -> SlotAnswer:
    if not q.context.orders:
        return SlotAnswer(ask=Reply("ask.order_id_none"))
    listing = order_listing(q.context, ids)
    q.dialog["listed_orders"] = [o["id"] for o in listing]
    return SlotAnswer(ask=Reply("ask.order_id", {"orders": listing}, [o["id"] for o in listing]))


def resolve_order(q: SlotQuery) -> SlotAnswer:
    e = q.entities
    orders = q.context.orders
    if e.get("order_id"):
        return SlotAnswer(str(e["order_id"]))
    listed: list[str] = q.dialog.get("listed_orders") or []
    ordinal = e.get("ordinal")
    if isinstance(ordinal, int) and listed:
        index = ordinal - 1 if ordinal > 0 else len(listed) + ordinal
        if 0 <= index < len(listed):
            return SlotAnswer(listed[index])
    ref = e.get("order_ref")
    focus = q.dialog.get("focus_order_id")
    if ref == "last" and orders:
        return SlotAnswer(orders[0].id)
    if ref == "previous" and len(orders) > 1:
        return SlotAnswer(orders[1].id)
    if ref == "first" and orders:
        return SlotAnswer(listed[0] if listed else orders[-1].id)
    if ref == "other":
        mentioned = [m for m in reversed(q.dialog.get("mentioned_orders") or []) if m != focus]
        if mentioned:
            return SlotAnswer(mentioned[0])
        others = [o.id for o in orders if o.id != focus]
        if len(others) == 1:
            return SlotAnswer(others[0])
        return ask_order(q, others or None)
    product = e.get("product")
    if product:
        needle = str(product).lower()
        matching = [o.id for o in orders if any(names_item(needle, i.name) for i in o.items)]
        if len(matching) == 1:
            return SlotAnswer(matching[0])
        # a product that fits several orders, or none: never the order in focus by default ("move the kettle's
        # delivery" while the headphones are in focus is not about the headphones)
        return ask_order(q, matching or None)
    if e.get("product_unknown"):
        return not_among_orders(q, str(e["product_unknown"]))
    if focus and not q.expecting and not q.explicit:
        return SlotAnswer(focus)
    if len(orders) == 1 and not q.explicit:
        return SlotAnswer(orders[0].id)
    return ask_order(q)


def not_among_orders(q: SlotQuery, product: str) -> SlotAnswer:
    """ "хочу вернуть чайник" with no kettle ordered: said so, and which order asked — never the one in focus
    or the only one that fits the action, which is not the thing the customer has in mind."""
    answer = ask_order(q)
    if answer.ask is not None and answer.ask.key == "ask.order_id":
        answer.ask = Reply(
            "ask.order_id_product_unknown", {**answer.ask.vars, "product": product}, answer.ask.quick_replies
        )
    return answer


def _entity_or_ask(entity: str, ask_key: str, free_text: bool = False) -> Resolver:
    def resolve(q: SlotQuery) -> SlotAnswer:
        value = q.entities.get(entity)
        if value:
            return SlotAnswer(value)
        if free_text and q.expecting:
            text = q.text.strip()
            # "100502" to "what is the new address?" names the order, it is no address (nor a reason)
            if len(text) >= 3 and not is_bare_answer(text) and any(ch.isalpha() for ch in text):
                return SlotAnswer(text[:500])
        return SlotAnswer(ask=Reply(ask_key))

    return resolve


def resolve_text(q: SlotQuery) -> SlotAnswer:
    return SlotAnswer(q.text.strip()[:2000]) if q.text.strip() else SlotAnswer(ask=Reply("ask.text"))


def resolve_msisdn(q: SlotQuery) -> SlotAnswer:
    numbers = [s.msisdn for s in q.context.subscribers]
    given = q.entities.get("msisdn")
    if given:
        return SlotAnswer(str(given))
    # "the second number" before any listing counts in the order a listing would show
    listed: list[str] = q.dialog.get("listed_numbers") or numbers
    ordinal = q.entities.get("ordinal")
    if isinstance(ordinal, int) and listed:
        index = ordinal - 1 if ordinal > 0 else len(listed) + ordinal
        if 0 <= index < len(listed):
            return SlotAnswer(listed[index])
    focus = q.dialog.get("focus_msisdn")
    if focus and focus in numbers and not q.explicit:
        return SlotAnswer(focus)
    if len(numbers) == 1:
        return SlotAnswer(numbers[0])
    if not numbers:
        return SlotAnswer(ask=Reply("ask.msisdn_none"), dead_end=True)
    q.dialog["listed_numbers"] = numbers
    return SlotAnswer(ask=Reply("ask.msisdn", {"numbers": numbers}, numbers))


def resolve_service(q: SlotQuery) -> SlotAnswer:
    """A service named in the message, else the one just talked about ("turn it off again")."""
    named = q.entities.get("service")
    if named:
        return SlotAnswer(named)
    focus = q.dialog.get("focus_service")
    if focus and not q.explicit:
        return SlotAnswer(focus)
    return SlotAnswer(ask=Reply("ask.service_code"))


def resolve_amount(q: SlotQuery) -> SlotAnswer:
    """The amount, and the currency the customer named with it (`amount_currency`), for the action to check
    against the account's: "top up 10 pounds" must not become 10 roubles."""
    amount = q.entities.get("amount")
    if isinstance(amount, dict) and amount.get("value"):
        return SlotAnswer(float(amount["value"]), also={"amount_currency": amount.get("currency")})
    numbers = BARE_NUMBER.findall(q.text)
    if q.expecting:  # the answer to "how much?": a bare number is the amount, not an order number
        if len(numbers) == 1:
            return SlotAnswer(float(numbers[0].replace(",", ".")), also={"amount_currency": None})
    elif not q.explicit and "amount" not in q.entities:
        # A request for an action that takes an amount ("actually make it 150" after a top-up link): its one
        # short number is the amount; an order number (six digits) or a phone number is not. Never once the
        # amount must be asked ("top up 10 pounds", refused: the 10 is not 10 roubles).
        named = {str(q.entities.get(k) or "") for k in ("order_id", "msisdn")}
        if (value := short_amount(q.text, named)) is not None:
            return SlotAnswer(value, also={"amount_currency": None})
    return SlotAnswer(ask=Reply("ask.amount"))


def short_amount(text: str, named: set[str] | frozenset[str] = frozenset()) -> float | None:
    """The message's only number, as an amount, when it has at most five digits before the decimal point and
    is none of `named` (an order number has six, a phone number more)."""
    numbers = BARE_NUMBER.findall(text)
    if len(numbers) != 1 or numbers[0] in named or len(re.split(r"[.,]", numbers[0])[0]) > 5:
        return None
    return float(numbers[0].replace(",", "."))


DEFAULT_RESOLVERS: dict[str, Resolver] = {
    "order_id": resolve_order,
    "new_address": _entity_or_ask("address", "ask.new_address", free_text=True),
    "new_date": _entity_or_ask("date", "ask.new_date"),
    "reason": _entity_or_ask("reason", "ask.reason", free_text=True),
    "method": _entity_or_ask("payment_method", "ask.method"),
    "service_code": resolve_service,
    "text": resolve_text,
    "msisdn": resolve_msisdn,
    "amount": resolve_amount,
}
