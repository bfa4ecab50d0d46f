"""The retail pack: which intent is served how (CONTRACT §4, retail)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from parley.engine.slots import REFERENCE_KEYS
from parley.nlu.types import NluResult
from parley.packs.base import (
    CustomerContext,
    IntentRoute,
    Pack,
    complaint_just_filed,
    route_complaint,
    serves_some,
)
from parley.packs.retail.actions import (
    ACTIONS,
    BEFORE_DELIVERY,
    REFUND_DAYS,
    RESCHEDULE_MAX_DAYS,
    RETURN_WINDOW_DAYS,
)
from parley.packs.retail.resolvers import RESOLVERS

ADDRESS_WORDS = re.compile(
    r"address|адрес|deliver\w*\s+(?:\S+\s+){0,3}?to\b|доставь\w* (на|по)"
    r"|apartment|\bflat\b|\bapt\b|квартир|\bкв\b|подъезд|entrance"
    # a move of house, not of the delivery: "I moved last week, send it to my new place", "я переехала"
    r"|\b(?:i|we)(?:'ve|\s+have)?\s+(?:just\s+|recently\s+)?moved\b|\bmoving\s+(?:house|home|out)\b"
    r"|\brelocat|\bnew\s+(?:place|home|house)\b|\b(?:send|ship)\s+(?:it|them|(?:my|the)\s+\w+)\s+to\s+(?:my|our|the|a)\b"
    r"|переех|переезж|переезд|новую\s+квартиру|новый\s+дом",
    re.I,
)
DATE_WORDS = re.compile(
    r"date|day|reschedul|move|postpone|later|earlier|sooner|дат|перенес|перенест|позже|раньше|быстрее|день",
    re.I,
)
EXCHANGE_WORDS = re.compile(r"exchang|swap\b|обмен|обменя", re.I)
# RetailCo has no exchange action: "can I exchange it?" — read as a change, a product or a general question —
# is told so plainly, with the way that works (a return and a new order)
EXCHANGE = IntentRoute(reply="order_change.exchange", reply_vars={"days": RETURN_WINDOW_DAYS})
PAYMENT_WORDS = re.compile(r"pay|card|cash|оплат|карт|наличн", re.I)


# "pay with them / ими" right after the points were told: the points, not a payment method to change
WITH_THEM = re.compile(r"\b(?:them|those|ими|этими|ими\s+же|бонусами|баллами|points)\b", re.I)


def pays_with_the_points(nlu: NluResult, dialog: dict[str, Any]) -> bool:
    """ "а можно ими оплатить заказ?" / "can I pay for my order with them?" after the points were told."""
    return (
        dialog.get("previous_answer") == "loyalty.status"
        and not nlu.entities.get("payment_method")
        and bool(PAYMENT_WORDS.search(nlu.text) and WITH_THEM.search(nlu.text))
    )


# "can the courier call me before?", "пусть курьер позвонит заранее", "leave it with my neighbour": a message
# for the courier. The chat has no way to reach one; it says so and offers an operator. Said in the past or
# denied ("the courier didn't call", "курьер не позвонил") it is a complaint about the delivery instead.
COURIER_INSTRUCTION = re.compile(
    r"\b(?:courier|driver|delivery\s+(?:guy|man|person))\W+(?:\w+\W+){0,4}?"
    r"(?:call|ring|phone|text|knock|wait|leave)\b"
    r"|\b(?:ask|tell)\s+(?:the\s+)?(?:courier|driver)"
    r"|\bleave\s+(?:it|the\s+(?:parcel|package|order|box))\s+(?:with|at|by|outside|in)\b"
    r"|курьер\w*\W+(?:\w+\W+){0,4}?(?:позвонит|позвонить|позвоните|набер[её]т|набрать|звонит|оставит|оставить"
    r"|подожд[её]т|подождать|постучит)"
    r"|(?:попросите|скажите|передайте)\s+курьер"
    r"|оставьте\s+(?:\w+\s+)?(?:у|возле|под|соседям|консьержу)\b",
    re.I,
)
SAID_DID_NOT = re.compile(
    r"\b(?:didn'?t|did\s+not|never|hasn'?t|wasn'?t|won'?t)\b|\bне\s+(?:позвон|звон|набрал|остав)", re.I
)


def courier_instruction(nlu: NluResult, context: CustomerContext) -> IntentRoute | None:
    """A message for the courier, from a customer with orders: read as a change of the order, a delivery
    problem, a fault or nothing at all, it is told plainly that the chat cannot pass it on, and offered an
    operator (a "yes" right after takes the offer)."""
    if not context.orders or not COURIER_INSTRUCTION.search(nlu.text) or SAID_DID_NOT.search(nlu.text):
        return None
    return IntentRoute(reply="delivery.instructions")


def route_order_change(nlu: NluResult, dialog: dict[str, Any], context: CustomerContext) -> IntentRoute:
    """ "Change my order" means one of three actions; the message's entities (or words) pick it."""
    e = nlu.entities
    if pays_with_the_points(nlu, dialog):
        return IntentRoute(reply="loyalty.redeem")
    if (rules := policy_answer(nlu) or courier_instruction(nlu, context)) is not None:
        return rules
    if e.get("time_of_day") and not (e.get("date") or e.get("address") or e.get("payment_method")):
        # "можно ли изменить время доставки на вечер?": a day can be chosen here, a time of day cannot
        return IntentRoute(reply="delivery.time_of_day", reply_vars=POLICY_FACTS)
    if e.get("address"):
        return IntentRoute(action="change_delivery_address")
    if e.get("date"):
        return IntentRoute(action="reschedule_delivery")
    if e.get("payment_method"):
        return IntentRoute(action="change_payment_method")
    text = nlu.text
    if EXCHANGE_WORDS.search(text):
        return EXCHANGE
    if ADDRESS_WORDS.search(text):
        return IntentRoute(action="change_delivery_address")
    if PAYMENT_WORDS.search(text):
        return IntentRoute(action="change_payment_method")
    if DATE_WORDS.search(text):
        return IntentRoute(action="reschedule_delivery")
    return IntentRoute(reply="order_change.what")


def route_delivery_issue(nlu: NluResult, dialog: dict[str, Any], context: CustomerContext) -> IntentRoute:
    """A problem with an order already marked delivered ("it never reached me"), or with how a courier
    behaved ("he was rude and threw the parcel at the door"), is a complaint to investigate — unless the
    same message already complains, which files the whole message; otherwise, with an order still on its
    way, the customer first gets where it is."""
    if (message := courier_instruction(nlu, context)) is not None:
        return message
    order_id = nlu.entities.get("order_id") or dialog.get("focus_order_id")
    order = next((o for o in context.orders if o.id == order_id), None)
    complains = any(span.intent == "complaint" for span in nlu.spans or [])
    misconduct = bool(MISCONDUCT.search(nlu.text))
    if order is not None and not complains and (order.status == "delivered" or misconduct):
        # delivered yet missing, or a courier's conduct: a complaint to investigate
        return IntentRoute(action="file_complaint", preface="delivery_issue.preface", describes_problem=True)
    return IntentRoute(action="get_order_status", preface="delivery_issue.preface", describes_problem=True)


# "where is it?", "когда привезут?": an angry message that still asks where the order is
ASKS_WHERE = re.compile(
    r"\bwhere(?:'s|\s+is|\s+are)?\b|\bwhen\s+(?:will|is|do)\b"
    r"|\bгде\b|когда\s+(?:привез|доставят|будет|придёт|придет)",
    re.I,
)


def route_retail_complaint(nlu: NluResult, dialog: dict[str, Any], context: CustomerContext) -> IntentRoute:
    """An angry "третий раз пишу, где мой пылесос!!!" about an order still on its way asks where it is: it
    gets the status, with an apology, rather than a ticket that leaves the question open. Otherwise the
    shared complaint route (`packs.base.route_complaint`)."""
    order = next((o for o in context.orders if o.id == nlu.entities.get("order_id")), None)
    if order is not None and order.status in BEFORE_DELIVERY and ASKS_WHERE.search(nlu.text):
        return IntentRoute(
            action="get_order_status", preface="delivery_issue.preface", describes_problem=True
        )
    named = nlu.entities.get("order_id") or dialog.get("focus_order_id")
    named = named or any((span.entities or {}).get("order_id") for span in nlu.spans or [])
    if not named and context.orders and MISCONDUCT.search(nlu.text) and not complaint_just_filed(dialog):
        # "your courier was super rude to me yesterday": which delivery comes first, then the ticket for it
        # (the route is chosen again once the order is known, `_Decision.reroute`) — filed at once, the
        # ticket had no order, and the order said next filed a second one
        return IntentRoute(action="get_order_status", preface="complaint.preface", describes_problem=True)
    return route_complaint(nlu, dialog, context)


# General questions Parley can answer from the pack's own rules (actions.py); anything else (opening hours,
# prices, stores) is not in its data, and the generic answer says what it can do and offers an operator.
POLICY_TOPICS = (
    ("general_question.returns", re.compile(r"return|refund|send (it )?back|возвра|вернуть|верн[её]т", re.I)),
    ("general_question.cancellation", re.compile(r"cancel|отмен|отказ", re.I)),
    (
        "general_question.delivery_changes",
        re.compile(r"reschedul|chang\w* .*(address|date)|перенес|измен.*(адрес|дат)", re.I),
    ),
    ("general_question.payment", re.compile(r"pay|paypal|card|cash|оплат|карт|наличн|сбп", re.I)),
)


POLICY_FACTS = {
    "window_days": RETURN_WINDOW_DAYS,
    "reschedule_days": RESCHEDULE_MAX_DAYS,
    "refund_days": REFUND_DAYS,
}
# "what are the rules for returns?", "правила отмены заказа", "how do refunds work?": a question about the
# rules, whatever request the classifier heard in it
ASKS_THE_RULES = re.compile(
    r"\b(?:rules?|polic(?:y|ies)|terms|conditions)\b|\bhow\s+(?:do|does)\s+(?:\w+\s+){1,3}work"
    r"|\bправил(?:а|о|ам|ами|ах)?\b|\bуслови[яйе]\w*|\bпорядок\b|как\s+(?:работа|устроен)",
    re.I,
)


def policy_answer(nlu: NluResult) -> IntentRoute | None:
    """The rules of a topic the pack knows, for a question about them that names no order: told from the
    pack's own rules, with no action begun (the answer ends by asking for the order, should the customer
    want it done). A question about one order ("what are the rules for 100287?") is that order's request."""
    if nlu.entities.get("order_id") or not ASKS_THE_RULES.search(nlu.text):
        return None
    topic = next((reply for reply, words in POLICY_TOPICS if words.search(nlu.text)), None)
    return IntentRoute(reply=topic, reply_vars=POLICY_FACTS) if topic else None


# the request a topic's rules end by offering ("tell me which order"): a bare order number right after them
POLICY_OFFERS = {
    "general_question.returns": "initiate_return",
    "general_question.cancellation": "cancel_order",
    "general_question.payment": "change_payment_method",
    "general_question.refunds": "refund_status",
}


def takes_up_policy_offer(nlu: NluResult, dialog: dict[str, Any]) -> IntentRoute | None:
    """ "100287" or "the kettle one" right after the rules of returns: that order's return."""
    action = POLICY_OFFERS.get(str(dialog.get("previous_answer")))
    names_an_order = any(nlu.entities.get(k) for k in REFERENCE_KEYS)
    return IntentRoute(action=action) if action and names_an_order else None


def route_product_question(nlu: NluResult, dialog: dict[str, Any], context: CustomerContext) -> IntentRoute:
    if EXCHANGE_WORDS.search(nlu.text):
        return EXCHANGE
    # "the headphones one" after the rules of cancelling reads as a question about headphones
    if len(nlu.text.split()) <= 4 and "?" not in nlu.text and (taken := takes_up_policy_offer(nlu, dialog)):
        return taken
    return IntentRoute(reply="product_question.answer")


def route_general_question(nlu: NluResult, dialog: dict[str, Any], context: CustomerContext) -> IntentRoute:
    if EXCHANGE_WORDS.search(nlu.text):
        return EXCHANGE
    for reply, words in POLICY_TOPICS:
        if words.search(nlu.text):
            return IntentRoute(reply=reply, reply_vars=POLICY_FACTS)
    return IntentRoute(reply="general_question.answer")


# how the delivery was done, not where the parcel is: "the courier was rude", "бросил посылку у двери"
MISCONDUCT = re.compile(
    r"\brude|yelled|shouted|swore|insult|threw|thrown|left\s+(?:it\s+|the\s+parcel\s+)?(?:at|outside|by)\s+the\s+door"
    r"|нагруб|хами|хамил|груб|накричал|оскорб|бросил|швырнул|кинул|оставил\s+(?:\w+\s+)?у\s+(?:двери|подъезда)",
    re.IGNORECASE,
)
UNEXPECTED_CHARGE = re.compile(
    r"charg|billed|debited|twice|double|overcharg|списа|сняли|дважды|двойн|лишн", re.IGNORECASE
)
ASKS_ABOUT_REFUND = re.compile(
    r"refund|money\s+back|(?:get|receive|see)\s+(?:my\s+|the\s+|that\s+)?money"
    r"|money\W+(?:\w+\W+){0,3}(?:come|arrive|return)"
    r"|(?:деньг|средств)\w*\W+(?:\w+\W+){0,6}?(?:верн|прид|приш|поступ)|(?:верн|прид|поступ)\w*\W+(?:\w+\W+){0,3}"
    r"(?:деньг|средств)|возврат\w*\s+(?:денег|средств)"
    # "where is my money for order 100250?" (the words of an order-status question, about its money)
    r"|where(?:'s|\s+is)\s+(?:my\s+|the\s+)?money|где\s+(?:мои\s+|же\s+)?(?:деньг|средств)"
    r"|(?:деньг|средств)\w*\s+(?:\w+\s+){0,3}?где\b",
    re.IGNORECASE,
)


NEVER_GOT = re.compile(
    r"\bnever\s+(?:got|received|came|arrived)|(?:didn'?t|did\s+not|haven'?t|have\s+not|hasn'?t|still\s+(?:not|no))"
    r"\s+(?:\w+\s+){0,2}?(?:get|got|receiv|arriv|come|seen|see)|не\s+(?:\w+\s+){0,2}?(?:пришл|получил|вернул|поступ|дош)",
    re.I,
)
HOW_LONG = re.compile(
    r"how\s+long|how\s+many\s+days|сколько\s+(?:идёт|идет|длится|занимает|ждать|дней|времени)", re.I
)


def route_payment_issue(nlu: NluResult, dialog: dict[str, Any], context: CustomerContext) -> IntentRoute:
    if (rules := policy_answer(nlu)) is not None:
        return rules
    if not context.orders and context.subscribers and UNEXPECTED_CHARGE.search(nlu.text):
        # "charged twice for roaming" from a mobile customer with no orders: a billing complaint to
        # investigate (the shared complaint action files it against the number), not a leaflet about orders
        return IntentRoute(action="file_complaint", describes_problem=True)
    if nlu.entities.get("payment_method") or re.search(r"change|chang|смен|помен|измен", nlu.text, re.I):
        return IntentRoute(action="change_payment_method")
    asks_money_back = ASKS_ABOUT_REFUND.search(nlu.text) is not None
    if asks_money_back and (order_id := missing_parcel_just_filed(nlu, dialog)) is not None:
        return IntentRoute(reply="delivery_issue.money_back", reply_vars={"order_id": order_id})
    if ASKS_ABOUT_REFUND.search(nlu.text) and NEVER_GOT.search(nlu.text):
        # "I never received my refund for order 100250": the refund is missing, not asked about — a ticket for
        # the order, in the customer's words (when it should have arrived is the payments team's to check).
        # With no order known yet, "which order?" comes first (among those whose money moves), and the route
        # is chosen again once it is answered (`_Decision.reroute`).
        if nlu.entities.get("order_id") or dialog.get("focus_order_id"):
            return IntentRoute(action="file_complaint", preface="refund.missing", describes_problem=True)
        return IntentRoute(action="refund_status", describes_problem=True)
    if ASKS_ABOUT_REFUND.search(nlu.text):
        money_moves = any(o.status in ("cancelled", "returned") for o in context.orders)
        about_no_order = not (nlu.entities.get("order_id") or dialog.get("focus_order_id"))
        if about_no_order and (HOW_LONG.search(nlu.text) or not money_moves):
            # "сколько идёт возврат денег?" out of the blue, or a refund asked about with no order whose money
            # moves: the rule, and the offer to look one order up (a bare order number right after does).
            # Right after a return or a cancellation, "а деньги когда придут?" is about that order.
            return IntentRoute(reply="general_question.refunds", reply_vars=POLICY_FACTS)
        return IntentRoute(action="refund_status")  # "when will I get my refund?": looked up, not a leaflet
    return IntentRoute(reply="payment_issue.info")


# The line, not a product: a customer with a number who says "no signal" or "the internet is down" is the
# telecom pack's to troubleshoot.
LINE_WORDS = re.compile(
    r"internet|signal|network|coverage|roaming|mobile\s+data|\bsim\b|\bcalls?\b|\bsms\b|\bline\b"
    r"|интернет|сигнал|\bсеть|сети\b|связ|роуминг|\bсим|звонк|\bсмс|мобильн",
    re.IGNORECASE,
)


@serves_some
def route_product_fault(
    nlu: NluResult, dialog: dict[str, Any], context: CustomerContext
) -> IntentRoute | None:
    """Something the customer bought does not work ("my headphones have no sound", "чайник не включается"): a
    return of that order, its reason the fault as described, read back before anything happens — or, when
    the order cannot be returned any more, the return's own refusal with the way left (a warranty case).
    Messages about the line, from a customer with a number, and any from a customer with no orders, are left
    to another pack's route (telecom's troubleshooting)."""
    if not context.orders or (context.subscribers and LINE_WORDS.search(nlu.text)):
        return None
    if (message := courier_instruction(nlu, context)) is not None:
        return message  # "домофон не работает, пусть курьер позвонит": the intercom is not what was bought
    names_an_order = bool(nlu.entities.get("product") or nlu.entities.get("order_id"))
    if names_an_order or not context.subscribers:
        return IntentRoute(action="initiate_return", preface="product_fault.preface", describes_problem=True)
    return None


@serves_some
def route_unplaced(nlu: NluResult, dialog: dict[str, Any], context: CustomerContext) -> IntentRoute | None:
    """What a message the classifier places nowhere can still mean after the last answer: the English "can I
    pay for my order with them?" reads as out of scope alone, the Russian one as a change of the order."""
    if pays_with_the_points(nlu, dialog):
        return IntentRoute(reply="loyalty.redeem")
    # "what are the rules for returns?" reads as out of scope alone
    return policy_answer(nlu) or courier_instruction(nlu, context) or takes_up_policy_offer(nlu, dialog)


def route_return_request(nlu: NluResult, dialog: dict[str, Any], context: CustomerContext) -> IntentRoute:
    if (rules := policy_answer(nlu)) is not None:
        return rules
    if (order_id := missing_parcel_just_filed(nlu, dialog)) is not None:
        return IntentRoute(reply="delivery_issue.money_back", reply_vars={"order_id": order_id})
    return IntentRoute(action="initiate_return")


def missing_parcel_just_filed(nlu: NluResult, dialog: dict[str, Any]) -> str | None:
    """ "I want my money back" right after a parcel that never came was filed as a complaint: nothing can be
    sent back, so it is no return — the complaint already asks for the money, and the customer is told so.
    The order of that complaint, or None when the message is about another order or nothing was filed."""
    last = dialog.get("last_task") or {}
    order_id = (last.get("params") or {}).get("order_id")
    if last.get("intent") != "delivery_issue" or last.get("action") != "file_complaint" or not order_id:
        return None
    named = nlu.entities.get("order_id")
    if (named and named != order_id) or any(nlu.entities.get(k) for k in REFERENCE_KEYS if k != "order_id"):
        return None
    return str(order_id)


def route_order_cancel(nlu: NluResult, dialog: dict[str, Any], context: CustomerContext) -> IntentRoute:
    return policy_answer(nlu) or IntentRoute(action="cancel_order")


def route_loyalty(nlu: NluResult, dialog: dict[str, Any], context: CustomerContext) -> IntentRoute:
    """The customer's loyalty level and points, from the context loaded for the turn (read, never changed:
    points are spent at checkout, which this chat does not do)."""
    if context.loyalty_tier is None:
        return IntentRoute(reply="loyalty.unknown")
    return IntentRoute(
        reply="loyalty.status", reply_vars={"level": context.loyalty_tier, "points": context.loyalty_points}
    )


def route_order_status(nlu: NluResult, dialog: dict[str, Any], context: CustomerContext) -> IntentRoute:
    """ "где деньги за заказ 100350?" reads like "где заказ 100350?" to the classifier, but it asks where the
    order's money is: the refund's route, not the parcel's."""
    if ASKS_ABOUT_REFUND.search(nlu.text):
        return route_payment_issue(nlu, dialog, context)
    return IntentRoute(action="get_order_status")


def build() -> Pack:
    return Pack(
        name="retail",
        folder=Path(__file__).parent,
        actions=ACTIONS,
        resolvers=dict[str, Any](RESOLVERS),
        routes={
            "order_status": route_order_status,
            "order_change": route_order_change,
            "order_cancel": route_order_cancel,
            "delivery_issue": route_delivery_issue,
            "return_request": route_return_request,
            "payment_issue": route_payment_issue,
            "complaint": route_retail_complaint,
            "product_question": route_product_question,
            "compliment": IntentRoute(reply="compliment.answer"),
            "account_management": IntentRoute(reply="account_management.answer"),
            "general_question": route_general_question,
            "loyalty_status": route_loyalty,
            "farewell": IntentRoute(reply="farewell.answer"),
            "tech_issue": route_product_fault,  # only RetailCo's products; the line is telecom's
            "out_of_scope": route_unplaced,
        },
    )
