"""The telecom pack: which intent is served how (CONTRACT §4, telecom).

Loaded after retail, so its `file_complaint` (which serves order complaints the retail way) replaces
the retail one in the shared runtime.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from parley.backends.ports import Backend
from parley.backends.records import Subscriber
from parley.nlu.types import NluResult
from parley.packs.base import CustomerContext, IntentRoute, Pack, route_complaint, serves_some
from parley.packs.telecom.actions import ACTIONS
from parley.packs.telecom.booking import BookingFlow
from parley.packs.telecom.diagnostics import DiagnosticsFlow
from parley.packs.telecom.resolvers import RESOLVERS


def load_subscribers(backend: Backend, customer_id: str) -> list[Subscriber]:
    """The customer's numbers, loaded with the rest of the context each turn."""
    return backend.subscribers_of(customer_id)


# A top-up already made ("я пополнил на 500", "I topped up yesterday") ...
TOPPED_UP = re.compile(
    r"\b(?:topped\s+up|recharged|put\s+(?:\w+\s+){0,3}on\s+(?:my\s+)?(?:phone|number|account|balance)"
    r"|пополнил\w*|пополнял\w*|клал[аи]?\b|положил\w*|закинул\w*|кинул[аи]?\b)",
    re.IGNORECASE,
)
# ... that has not shown up on the balance ("не пришли", "hasn't arrived", "почему так мало?").
NOT_ARRIVED = re.compile(
    r"(?:not|n't|never|still\s+no)\s+(?:\w+\s+){0,2}?(?:arriv|come|came|show|credit|appear|chang|reach|go\w*\s+through)"
    r"|не\s+(?:\w+\s+){0,2}?(?:приш|зачисл|дош|поступ|отобраз|измен|появ|пополн)"
    r"|где\s+(?:мои\s+)?деньг|where\s+(?:is|are|did)\s+(?:my\s+)?(?:money|top.?up|payment)"
    r"|so\s+(?:little|low)|так\s+мало|почему\s+мало",
    re.IGNORECASE,
)


def tells_of_a_missing_top_up(nlu: NluResult, context: CustomerContext) -> bool:
    """ "я пополнил на 500, а деньги не пришли": a payment to trace, not a new payment link to send."""
    return bool(context.subscribers) and bool(TOPPED_UP.search(nlu.text) and NOT_ARRIVED.search(nlu.text))


# The top-up that did not arrive becomes a billing ticket (the complaint action files it against the number,
# in the customer's words): the chat sees only payments made through its own links, not a bank's or a
# terminal's, so tracing one is the billing team's work.
MISSING_TOP_UP = IntentRoute(action="file_complaint", preface="top_up.missing", describes_problem=True)


# "с меня списали за роуминг, хотя я его не подключал", "why was I billed for music streaming?": a charge for
# a service disputed — a billing ticket against the number in the customer's words, never troubleshooting
# that ends by offering to switch the disputed service on, nor a price list. Said in the past: "how much will
# roaming charge me?" asks a price.
CHARGED = re.compile(
    r"\b(?:charged|billed|debited|took\s+(?:money|\d+))\b|списали|списал[аи]?\b|сняли|снял[аи]?\b|вычли"
    r"|начислили|\bwhy\s+(?:do|are)\s+you\s+(?:charg|bill)\w*|почему\s+(?:вы\s+)?(?:списывает|снимает)\w*"
    # still being charged: "you keep charging me for anti-spam", "продолжаете списывать за музыку"
    r"|\b(?:keep|kept|still)\s+(?:on\s+)?(?:charging|billing)|продолжа\w*\s+(?:списыват|снимат)\w*"
    r"|(?:всё|все)\s+(?:ещё|еще)\s+(?:списыва|снима)\w*",
    re.I,
)
DISPUTED_CHARGE = IntentRoute(action="file_complaint", preface="billing.disputed", describes_problem=True)
TROUBLESHOOT = IntentRoute(flow="diagnostics", preface="tech_issue.preface", describes_problem=True)


def disputes_a_service_charge(nlu: NluResult, context: CustomerContext) -> bool:
    return bool(context.subscribers and nlu.entities.get("service") and CHARGED.search(nlu.text))


def route_service_deactivation(
    nlu: NluResult, dialog: dict[str, Any], context: CustomerContext
) -> IntentRoute:
    """ "you keep charging me for anti-spam even though I turned it off": when the service is on none of the
    customer's numbers, there is nothing to turn off and the charge is what they are telling us about — a
    billing ticket. When it is on somewhere, turning it off is the answer (asked as usual)."""
    code = nlu.entities.get("service")
    if disputes_a_service_charge(nlu, context) and not any(
        s.code == code and s.active for sub in context.subscribers for s in sub.services
    ):
        return DISPUTED_CHARGE
    return IntentRoute(action="deactivate_service")


def route_tech_issue(nlu: NluResult, dialog: dict[str, Any], context: CustomerContext) -> IntentRoute:
    return DISPUTED_CHARGE if disputes_a_service_charge(nlu, context) else TROUBLESHOOT


def route_service_question(nlu: NluResult, dialog: dict[str, Any], context: CustomerContext) -> IntentRoute:
    if disputes_a_service_charge(nlu, context):
        return DISPUTED_CHARGE
    return IntentRoute(action="describe_service")


def route_top_up(nlu: NluResult, dialog: dict[str, Any], context: CustomerContext) -> IntentRoute:
    return (
        MISSING_TOP_UP
        if tells_of_a_missing_top_up(nlu, context)
        else IntentRoute(action="create_payment_link")
    )


@serves_some
def route_missing_top_up(
    nlu: NluResult, dialog: dict[str, Any], context: CustomerContext
) -> IntentRoute | None:
    """The same message read as a payment problem or as nothing at all ("а почему так мало? я же вчера клал
    500" right after the balance), or a charge for a service disputed; every other such message is left to the
    other packs' routes."""
    if tells_of_a_missing_top_up(nlu, context):
        return MISSING_TOP_UP
    return DISPUTED_CHARGE if disputes_a_service_charge(nlu, context) else None


ASKS = re.compile(r"\?|^\s*(?:will|does|do|can|is|are|how|what)\b|\bли\b|будет\s+ли|сколько|как\b", re.I)
NOT_WORKING = re.compile(
    r"n'?t\s+work|not\s+working|stopped|no\s+signal|не\s+работа|перестал|нет\s+связи|пропал", re.I
)


@serves_some
def route_service_asked(
    nlu: NluResult, dialog: dict[str, Any], context: CustomerContext
) -> IntentRoute | None:
    """A question about a service of the catalog from a customer with a number, read as a general or a product
    question, or as nothing: "I'm going to Turkey next week, will my phone work there?", "я еду в Турцию,
    телефон будет работать?" — roaming: what it costs and whether it is on. A problem with it ("roaming
    doesn't work") is left to troubleshooting."""
    if not context.subscribers or NOT_WORKING.search(nlu.text):
        return None
    if nlu.entities.get("service") and ASKS.search(nlu.text):
        return IntentRoute(action="describe_service")
    if dialog.get("focus_service") and ASKS_PRICE.search(nlu.text) and not nlu.entities.get("order_id"):
        # "how much does it cost again?" right after roaming was turned on: the service in focus
        return IntentRoute(action="describe_service")
    return None


ASKS_PRICE = re.compile(
    r"how\s+much|\bcosts?\b|\bprice|\bfee\b|сколько\s+(?:\w+\s+){0,2}?сто(?:ит|ить)|стоимост|\bцен[аыу]", re.I
)


# A tariff plan to change ("хочу сменить тариф", "switch me to a cheaper plan", "подключите тариф Smart 300"):
# a change verb near "tariff"/"plan", or another/cheaper plan asked about.
PLAN_CHANGE = re.compile(
    r"\b(?:change|switch|upgrade|downgrade)\b(?:\s+\w+){0,3}?\s+(?:tariff|plan)\b"
    r"|\b(?:another|different|new|cheaper|better|other)\s+(?:tariff|plan)s?\b|\btariffs\b"
    r"|(?:смен|помен|измен|перей|перев|переход|подключ)\w*\s+(?:\w+\s+){0,3}?тариф"
    r"|(?:друг|нов|дешев|выгодн)\w*\s+тариф|тарифы\b",
    re.IGNORECASE,
)


@serves_some
def route_plan_change(nlu: NluResult, dialog: dict[str, Any], context: CustomerContext) -> IntentRoute | None:
    """A tariff plan to change or choose, from a customer with a number. Plans are not switched in this
    dialogue (no such action in the contract), and the words read as an order change or as nothing at all
    ("хочу сменить тариф" asked which delivery detail to change): the customer hears the plan each number is
    on and that an operator changes it, with the operator offered."""
    if not context.subscribers or nlu.entities.get("service") or not PLAN_CHANGE.search(nlu.text):
        return None
    numbers = [{"msisdn": s.msisdn, "plan": s.plan} for s in context.subscribers]
    return IntentRoute(reply="plan.change", reply_vars={"numbers": numbers})


def route_service_activation(nlu: NluResult, dialog: dict[str, Any], context: CustomerContext) -> IntentRoute:
    """ "подключите тариф Smart 300" is a plan, not a service of the catalog."""
    return route_plan_change(nlu, dialog, context) or IntentRoute(action="activate_service")


@serves_some
def route_product_question(
    nlu: NluResult, dialog: dict[str, Any], context: CustomerContext
) -> IntentRoute | None:
    """A plan to change, or a question about a catalog service."""
    return route_plan_change(nlu, dialog, context) or route_service_asked(nlu, dialog, context)


@serves_some
def route_general_question(
    nlu: NluResult, dialog: dict[str, Any], context: CustomerContext
) -> IntentRoute | None:
    """A general question from a customer with a line and no orders: about a service if it names one (or one
    is in focus), else what can be done here for the line — another pack's general answer is about orders."""
    if (served := route_product_question(nlu, dialog, context)) is not None:
        return served
    if context.subscribers and not context.orders:
        return IntentRoute(reply="help.capabilities", reply_vars={"orders": False, "line": True})
    return None


@serves_some
def route_unplaced(nlu: NluResult, dialog: dict[str, Any], context: CustomerContext) -> IntentRoute | None:
    return (
        route_missing_top_up(nlu, dialog, context)
        or route_plan_change(nlu, dialog, context)
        or route_service_asked(nlu, dialog, context)
    )


def build() -> Pack:
    return Pack(
        name="telecom",
        folder=Path(__file__).parent,
        actions=ACTIONS,
        routes={
            "balance_check": IntentRoute(action="check_balance"),
            "service_question": route_service_question,
            "service_activation": route_service_activation,
            "service_deactivation": route_service_deactivation,
            "number_unlock": IntentRoute(action="unlock_number"),
            "tech_issue": route_tech_issue,
            "top_up": route_top_up,
            "payment_issue": route_missing_top_up,
            "out_of_scope": route_unplaced,
            "general_question": route_general_question,
            "product_question": route_product_question,
            "order_change": route_plan_change,
            "technician_visit": IntentRoute(flow="booking", takes_problem=True),
            "complaint": route_complaint,
        },
        flows={"diagnostics": DiagnosticsFlow(), "booking": BookingFlow()},
        context_loaders={"subscribers": load_subscribers},
        resolvers=dict[str, Any](RESOLVERS),
    )
