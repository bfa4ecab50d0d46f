"""The retail pack: which intent is served how (CONTRACT §4, retail)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from parley.nlu.types import NluResult
from parley.packs.base import CustomerContext, IntentRoute, Pack
from parley.packs.retail.actions import ACTIONS

ADDRESS_WORDS = re.compile(r"address|адрес|deliver (it )?to|доставь\w* (на|по)", re.I)
DATE_WORDS = re.compile(
    r"date|day|reschedul|move|postpone|later|earlier|дат|перенес|перенест|позже|раньше|день", re.I
)
PAYMENT_WORDS = re.compile(r"pay|card|cash|оплат|карт|наличн", re.I)


def route_order_change(nlu: NluResult, dialog: dict[str, Any], context: CustomerContext) -> IntentRoute:
    """ "Change my order" means one of three actions; the message's entities (or words) pick it."""
    e = nlu.entities
    if e.get("address"):
        return IntentRoute(action="change_delivery_address")
    if e.get("date"):
        return IntentRoute(action="reschedule_delivery")
    if e.get("payment_method"):
        return IntentRoute(action="change_payment_method")
    text = nlu.text
    if ADDRESS_WORDS.search(text):
        return IntentRoute(action="change_delivery_address")
    if PAYMENT_WORDS.search(text):
        return IntentRoute(action="change_payment_method")
    if DATE_WORDS.search(text):
        return IntentRoute(action="reschedule_delivery")
    return IntentRoute(reply="order_change.what")


def route_delivery_issue(nlu: NluResult, dialog: dict[str, Any], context: CustomerContext) -> IntentRoute:
    """A problem with an order already marked delivered ("it never reached me") is a complaint to
    investigate — unless the same message already complains, which files the whole message; with an
    order still on its way, the customer first gets where it is."""
    order_id = nlu.entities.get("order_id") or dialog.get("focus_order_id")
    order = next((o for o in context.orders if o.id == order_id), None)
    complains = any(span.intent == "complaint" for span in nlu.spans or [])
    if order is not None and order.status == "delivered" and not complains:
        return IntentRoute(action="file_complaint", preface="delivery_issue.preface", describes_problem=True)
    return IntentRoute(action="get_order_status", preface="delivery_issue.preface", describes_problem=True)


def route_payment_issue(nlu: NluResult, dialog: dict[str, Any], context: CustomerContext) -> IntentRoute:
    if nlu.entities.get("payment_method") or re.search(r"change|chang|смен|помен|измен", nlu.text, re.I):
        return IntentRoute(action="change_payment_method")
    return IntentRoute(reply="payment_issue.info")


def build() -> Pack:
    return Pack(
        name="retail",
        folder=Path(__file__).parent,
        actions=ACTIONS,
        routes={
            "order_status": IntentRoute(action="get_order_status"),
            "order_change": route_order_change,
            "order_cancel": IntentRoute(action="cancel_order"),
            "delivery_issue": route_delivery_issue,
            "return_request": IntentRoute(action="initiate_return"),
            "payment_issue": route_payment_issue,
            "complaint": IntentRoute(
                action="file_complaint", preface="complaint.preface", describes_problem=True
            ),
            "product_question": IntentRoute(reply="product_question.answer"),
            "compliment": IntentRoute(reply="compliment.answer"),
            "account_management": IntentRoute(reply="account_management.answer"),
            "general_question": IntentRoute(reply="general_question.answer"),
            "farewell": IntentRoute(reply="farewell.answer"),
        },
    )
