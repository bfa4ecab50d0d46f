"""RetailCo's actions and their rules (CONTRACT §4, retail).

Every check starts from `env.own_order`, so another customer's order is simply "not found" —
whatever the message claims — and its existence is never revealed. Checks are read-only and run
before the customer is asked to confirm; `execute` re-checks, because the order may have moved on
between the question and the "yes".
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date, timedelta
from typing import Any

from parley.backends.records import Order
from parley.clock import now
from parley.packs.base import ActionEnv, ActionSpec, Outcome

CHANGEABLE = ("new", "processing")
BEFORE_DELIVERY = ("new", "processing", "handed_to_courier")
RETURN_WINDOW_DAYS = 14
RESCHEDULE_MAX_DAYS = 14
METHODS = ("card", "cash", "sbp", "paypal", "bank_transfer", "invoice")
Check = Callable[[ActionEnv, dict[str, Any]], Outcome]


def _not_found(params: dict[str, Any]) -> Outcome:
    return Outcome(False, {"order_id": params.get("order_id"), "retry_slot": "order_id"}, error="not_found")


def _items(order: Order) -> str:
    return ", ".join(i.name for i in order.items)


def _own_order_in(env: ActionEnv, params: dict[str, Any], statuses: tuple[str, ...]) -> Order | Outcome:
    """The customer's own order if its status allows the action, else the refusal to word."""
    order = env.own_order(params.get("order_id"))
    if order is None:
        return _not_found(params)
    if order.status not in statuses:
        return Outcome(False, _order_facts(order), error=f"status_{order.status}")
    return order


def _rechecked(check: Check) -> Callable[[Check], Check]:
    """`execute` re-runs the check first: the order may have moved on between the question and the "yes"."""

    def wrap(apply: Check) -> Check:
        def execute(env: ActionEnv, params: dict[str, Any]) -> Outcome:
            verdict = check(env, params)
            return apply(env, params) if verdict.success else verdict

        execute.__name__ = apply.__name__
        execute.__doc__ = apply.__doc__
        return execute

    return wrap


def _order_facts(order: Order) -> dict[str, Any]:
    return {
        "status": order.status,
        "items": _items(order),
        "delivery_date": order.delivery_date,
        "delivery_address": order.delivery_address,
        "delivered_at": order.delivered_at,
        "tracking_url": order.tracking_url,
        "total": order.total,
        "currency": order.currency,
        "payment_method": order.payment_method,
        "date": order.date,
    }


# ---------------------------------------------------------------------------------------- status
def check_status(env: ActionEnv, params: dict[str, Any]) -> Outcome:
    return Outcome(True) if env.own_order(params.get("order_id")) else _not_found(params)


def get_order_status(env: ActionEnv, params: dict[str, Any]) -> Outcome:
    order = env.own_order(params.get("order_id"))
    if order is None:
        return _not_found(params)
    return Outcome(True, _order_facts(order))


# ---------------------------------------------------------------------------------------- address
def check_address(env: ActionEnv, params: dict[str, Any]) -> Outcome:
    order = _own_order_in(env, params, CHANGEABLE)
    if isinstance(order, Outcome):
        return order
    return Outcome(True, params={"items": _items(order), "old_address": order.delivery_address})


@_rechecked(check_address)
def change_delivery_address(env: ActionEnv, params: dict[str, Any]) -> Outcome:
    order = env.backend.update_order(str(params["order_id"]), delivery_address=str(params["new_address"]))
    return Outcome(True, {"delivery_address": order.delivery_address, "delivery_date": order.delivery_date})


# ---------------------------------------------------------------------------------------- reschedule
def _date_window() -> tuple[date, date]:
    today = now().date()
    return today + timedelta(days=1), today + timedelta(days=RESCHEDULE_MAX_DAYS)


def check_reschedule(env: ActionEnv, params: dict[str, Any]) -> Outcome:
    order = _own_order_in(env, params, BEFORE_DELIVERY)
    if isinstance(order, Outcome):
        return order
    earliest, latest = _date_window()
    try:
        wanted = date.fromisoformat(str(params.get("new_date")))
    except ValueError:
        return Outcome(False, {"retry_slot": "new_date"}, error="bad_date")
    if not earliest <= wanted <= latest:
        return Outcome(
            False,
            {"retry_slot": "new_date", "earliest": earliest.isoformat(), "latest": latest.isoformat()},
            error="date_out_of_range",
        )
    if wanted.isoformat() == str(order.delivery_date or "")[:10]:
        # asked for another day, which an "ok" declines: what was wanted is already so
        facts = {"retry_slot": "new_date", "new_date": wanted.isoformat(), "already_so": True}
        return Outcome(False, facts, error="same_date")
    return Outcome(True, params={"items": _items(order), "old_date": order.delivery_date})


@_rechecked(check_reschedule)
def reschedule_delivery(env: ActionEnv, params: dict[str, Any]) -> Outcome:
    order = env.backend.update_order(str(params["order_id"]), delivery_date=str(params["new_date"]))
    return Outcome(True, {"delivery_date": order.delivery_date, "delivery_address": order.delivery_address})


# ---------------------------------------------------------------------------------------- cancel
def check_cancel(env: ActionEnv, params: dict[str, Any]) -> Outcome:
    order = _own_order_in(env, params, CHANGEABLE)
    if isinstance(order, Outcome):
        if order.data.get("status") == "delivered":  # "...but I can start a return for you": a yes starts it
            start = {"action": "initiate_return", "params": {"order_id": str(params.get("order_id"))}}
            return replace(order, offer={**start, "start": True})
        return order
    return Outcome(
        True,
        params={
            "items": _items(order),
            "total": order.total,
            "currency": order.currency,
        },
    )


@_rechecked(check_cancel)
def cancel_order(env: ActionEnv, params: dict[str, Any]) -> Outcome:
    order = env.backend.update_order(str(params["order_id"]), status="cancelled")
    return Outcome(
        True,
        {
            "status": order.status,
            "total": order.total,
            "currency": order.currency,
            "payment_method": order.payment_method,
        },
    )


# ---------------------------------------------------------------------------------------- return
def _days_since_delivery(order: Order) -> int | None:
    if not order.delivered_at:
        return None
    delivered = date.fromisoformat(str(order.delivered_at)[:10])
    return (now().date() - delivered).days


def _offering_cancellation(refusal: Outcome, order_id: Any) -> Outcome:
    """A refusal to return an order that has not shipped says it can be cancelled instead; the offer makes
    that the open question, so a yes cancels it (read back first, as every cancellation)."""
    facts = refusal.data
    if facts.get("status") not in CHANGEABLE:
        return refusal
    keep = {k: facts[k] for k in ("items", "total", "currency") if k in facts}
    return replace(refusal, offer={"action": "cancel_order", "params": {"order_id": str(order_id), **keep}})


def check_return(env: ActionEnv, params: dict[str, Any]) -> Outcome:
    order = _own_order_in(env, params, ("delivered",))
    if isinstance(order, Outcome):
        return _offering_cancellation(order, params.get("order_id"))
    days = _days_since_delivery(order)
    if days is None or days > RETURN_WINDOW_DAYS:
        return Outcome(
            False, {**_order_facts(order), "window_days": RETURN_WINDOW_DAYS}, error="window_passed"
        )
    returned = returned_items(order, params.get("return_items"))
    return Outcome(True, params={"items": ", ".join(returned) if returned else _items(order)})


def returned_items(order: Order, asked: Any) -> list[str]:
    """The items of `order` a return is for when it is not the whole order: the names asked for that the
    order holds, or [] (the whole order) when they are all of its items or none of them."""
    names = [i.name for i in order.items]
    chosen = [n for n in names if isinstance(asked, list) and n in asked]
    return chosen if 0 < len(chosen) < len(names) else []


@_rechecked(check_return)
def initiate_return(env: ActionEnv, params: dict[str, Any]) -> Outcome:
    order = env.own_order(params.get("order_id"))
    record = env.backend.create_return(
        str(params["order_id"]),
        env.customer_id,
        str(params["reason"]),
        idempotency_key=env.idempotency_key,
        items=returned_items(order, params.get("return_items")) if order else [],
    )
    return Outcome(True, {"return_id": record.id, "return_status": record.status})


# ---------------------------------------------------------------------------------------- refund
REFUND_DAYS = "3–5"  # business days for money to reach a card after a cancellation or a received return


def refund_status(env: ActionEnv, params: dict[str, Any]) -> Outcome:
    """Where the money of an order stands: refunded on cancellation, due once a return is received, or
    not due at all (then the reason, and what the customer can do). Reads only."""
    order = env.own_order(params.get("order_id"))
    if order is None:
        return _not_found(params)
    facts = {**_order_facts(order), "refund_days": REFUND_DAYS, "window_days": RETURN_WINDOW_DAYS}
    returns = env.backend.returns_for_order(order.id)
    if returns:
        latest = returns[-1]
        if latest.items:  # part of the order: its items, and the money for them
            facts["items"] = ", ".join(latest.items)
            facts["total"] = round(sum(i.price * i.qty for i in order.items if i.name in latest.items), 2)
        return Outcome(True, {**facts, "return_id": latest.id, "return_status": latest.status})
    if order.status in ("cancelled", "returned"):
        return Outcome(True, facts)
    # a cancellation or a return is mentioned, not asked — a return only while the window is open
    days = _days_since_delivery(order) if order.status == "delivered" else None
    returnable = days is not None and days <= RETURN_WINDOW_DAYS
    return Outcome(False, {**facts, "returnable": returnable}, error="no_refund")


# ---------------------------------------------------------------------------------------- payment method
def check_payment_method(env: ActionEnv, params: dict[str, Any]) -> Outcome:
    order = _own_order_in(env, params, CHANGEABLE)
    if isinstance(order, Outcome):
        return order
    method = str(params.get("method"))
    if method not in METHODS:
        return Outcome(False, {"retry_slot": "method"}, error="unknown_method")
    if method == order.payment_method:
        return Outcome(False, {"method": method}, error="same_method")
    return Outcome(True, params={"old_method": order.payment_method})


@_rechecked(check_payment_method)
def change_payment_method(env: ActionEnv, params: dict[str, Any]) -> Outcome:
    order = env.backend.update_order(str(params["order_id"]), payment_method=str(params["method"]))
    return Outcome(True, {"payment_method": order.payment_method})


# ---------------------------------------------------------------------------------------- complaint
def file_complaint(env: ActionEnv, params: dict[str, Any]) -> Outcome:
    order_id = params.get("order_id")
    if order_id and env.own_order(order_id) is None:
        order_id = None  # a complaint is still taken; a foreign order number is simply not linked
    ticket = env.backend.create_ticket(
        env.customer_id,
        str(params["text"]),
        order_id=order_id,
        category="retail",
        idempotency_key=env.idempotency_key,
    )
    return Outcome(True, {"ticket_id": ticket.id, "compensation": ticket.compensation})


ACTIONS: dict[str, ActionSpec] = {
    spec.name: spec
    for spec in (
        ActionSpec("get_order_status", ("order_id",), get_order_status, check_status, changes_state=False),
        ActionSpec(
            "change_delivery_address",
            ("order_id", "new_address"),
            change_delivery_address,
            check_address,
            confirmation="required",
        ),
        ActionSpec(
            "reschedule_delivery",
            ("order_id", "new_date"),
            reschedule_delivery,
            check_reschedule,
            confirmation="required",
        ),
        ActionSpec("cancel_order", ("order_id",), cancel_order, check_cancel, confirmation="required"),
        ActionSpec("refund_status", ("order_id",), refund_status, check_status, changes_state=False),
        ActionSpec(
            "initiate_return", ("order_id", "reason"), initiate_return, check_return, confirmation="required"
        ),
        ActionSpec(
            "change_payment_method",
            ("order_id", "method"),
            change_payment_method,
            check_payment_method,
            confirmation="required",
        ),
        ActionSpec("file_complaint", ("text",), file_complaint, optional_slots=("order_id",)),
    )
}
