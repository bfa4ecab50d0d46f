"""What a business pack gives the dialogue engine.

The engine is domain-free: it knows tasks, slots, confirmations, flows and escalation. A pack says
which intent starts which action, what each action needs, how to check it (read-only, before the
customer is asked to confirm) and how to run it. Everything that changes the world lives in an
`ActionSpec.execute`, which receives the customer's identity from the engine — never from the
message — so authorization cannot be talked around.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Protocol

if TYPE_CHECKING:
    from parley.backends.ports import Backend
    from parley.backends.records import Customer, Order, Subscriber
    from parley.nlu.types import NluResult

Confirmation = Literal["none", "required", "code_word"]


@dataclass(slots=True)
class CustomerContext:
    """What was loaded for this turn. Every field may be empty: a failed source degrades, never fails."""

    customer: Customer
    orders: list[Order] = field(default_factory=list)
    loyalty_tier: str | None = None
    loyalty_points: int = 0
    quiet_hours: list[str] = field(default_factory=list)
    timezone: str = "UTC"
    subscribers: list[Subscriber] = field(default_factory=list)
    history: list[dict[str, Any]] = field(default_factory=list)
    degraded: list[str] = field(default_factory=list)

    @property
    def tier(self) -> str:
        return self.loyalty_tier or self.customer.tier or "standard"


@dataclass(slots=True)
class ActionEnv:
    """Everything an action may use. `customer_id` is the authenticated customer of the session."""

    customer_id: str
    session_id: str
    backend: Backend
    context: CustomerContext
    settings: Any
    idempotency_key: str = ""
    extras: dict[str, Any] = field(default_factory=dict)

    def own_order(self, order_id: str | None) -> Order | None:
        """The order if it exists AND belongs to this customer; otherwise None ("not found")."""
        if not order_id:
            return None
        order = self.backend.get_order(str(order_id))
        if order is None or order.customer_id != self.customer_id:
            return None
        return order

    def own_subscriber(self, msisdn: str | None) -> Subscriber | None:
        if not msisdn:
            return None
        sub = self.backend.get_subscriber(str(msisdn))
        if sub is None or sub.customer_id != self.customer_id:
            return None
        return sub


@dataclass(slots=True)
class Outcome:
    """The result of checking or running an action.

    `error` is a machine code ("not_found", "too_late"…) that selects the wording; it is never shown.
    `params` may enrich the action's parameters (e.g. the monthly fee to read back).
    `offer` proposes a next action, asked as a yes/no question after the result when nothing else is open:
    a negative balance offers the payment link that clears it. `{"action": ..., "params": {...}}`. A refusal
    may offer one too: "not locked, but in the red" offers the top-up.
    `wording` picks a variant of the success wording (`<action>.success_<wording>`) when the result has
    another shape: the balance of every number rather than of one.
    """

    success: bool
    data: dict[str, Any] = field(default_factory=dict)
    error: str | None = None
    params: dict[str, Any] = field(default_factory=dict)
    offer: dict[str, Any] | None = None
    wording: str | None = None


OK = Outcome(success=True)


@dataclass(frozen=True, slots=True)
class ActionSpec:
    name: str
    slots: tuple[str, ...]
    execute: Callable[[ActionEnv, dict[str, Any]], Outcome]
    check: Callable[[ActionEnv, dict[str, Any]], Outcome] | None = None
    changes_state: bool = True
    confirmation: Confirmation = "none"
    optional_slots: tuple[str, ...] = ()
    # Flows a confirmed run of this action makes moot, set aside or not: a technician booked for the problem
    # ends the troubleshooting it interrupted, which is not taken up again after the booking.
    ends_flows: tuple[str, ...] = ()


@dataclass(slots=True)
class Reply:
    """A reply to word: a template key plus variables; `quick_replies` become buttons where channels allow."""

    key: str
    vars: dict[str, Any] = field(default_factory=dict)
    quick_replies: list[str] = field(default_factory=list)


@dataclass(slots=True)
class FlowStep:
    """What a pack flow decided for one message."""

    replies: list[Reply] = field(default_factory=list)
    run: list[tuple[str, dict[str, Any]]] = field(default_factory=list)  # actions to run now, in order
    state: dict[str, Any] | None = None  # the flow's own state; None ends the flow
    expecting: str | None = None
    escalate: tuple[str, str] | None = None  # (reason, priority)
    confirm: tuple[str, dict[str, Any]] | None = None  # ask the customer to confirm this action
    # The flow ends, but this state is kept for the very next message, which the flow's optional `reopen` may
    # take back: "still nothing" right after "glad it works now" continues the troubleshooting.
    linger: dict[str, Any] | None = None


class Flow(Protocol):
    """A multi-step procedure a pack runs itself (diagnostics, code-word checks).

    The engine hands every message to the active flow first; the flow answers with a `FlowStep`. Optional
    methods: `resume(env, state)` re-asks the open question after an interruption, `answers(nlu,
    state)` tells that a message answers it (then it never counts as a new request), and `reopen(env, nlu,
    state)` returns a step when the message right after the flow ended (with `FlowStep.linger`) takes it up
    again, else None.
    """

    name: str

    def start(self, env: ActionEnv, nlu: NluResult, params: dict[str, Any]) -> FlowStep: ...

    def on_message(self, env: ActionEnv, nlu: NluResult, state: dict[str, Any]) -> FlowStep: ...


@dataclass(frozen=True, slots=True)
class IntentRoute:
    """How an intent is served: by an action, a flow, or a plain reply."""

    action: str | None = None
    flow: str | None = None
    reply: str | None = None
    reply_vars: Mapping[str, Any] = field(default_factory=dict)  # facts the reply states: a policy's days
    preface: str | None = None  # said first, e.g. an apology before looking into a delivery problem
    # The message tells what went wrong ("they never arrived", "no signal"): while a task waits for a
    # reason or a description, such a message is that answer, not a new request.
    describes_problem: bool = False
    # The request is about a problem the same message may describe ("send a technician, the signal is bad at
    # home"): a piece of the message that only describes a problem is part of it, not a second request.
    takes_problem: bool = False


ANOTHER_COMPLAINT = re.compile(
    r"\b(?:another|new|second|one\s+more|separate)\s+complaint|(?:ещё|еще)\s+одн\w*\s+жалоб"
    r"|(?:нов|друг|втор|отдельн)\w*\s+жалоб",
    re.IGNORECASE,
)


def complaint_just_filed(dialog: dict[str, Any]) -> bool:
    """The conversation's last task filed a complaint."""
    return (dialog.get("last_task") or {}).get("action") == "file_complaint"


def route_complaint(nlu: NluResult, dialog: dict[str, Any], context: CustomerContext) -> IntentRoute:
    """A complaint becomes a ticket — once: when the conversation's last task already filed one and the
    message names no other order, it is the same grievance said again ("worst service ever!!!" after "my
    order is late again"), and a second ticket would only split the team's work — unless the customer
    asks for another one. Shared by both packs."""
    last = dialog.get("last_task") or {}
    order_id = nlu.entities.get("order_id")
    same_order = not order_id or order_id == last.get("params", {}).get("order_id")
    if complaint_just_filed(dialog) and same_order and not ANOTHER_COMPLAINT.search(nlu.text):
        return IntentRoute(reply="complaint.already_registered", describes_problem=True)
    return IntentRoute(action="file_complaint", preface="complaint.preface", describes_problem=True)


# Routes several packs share as they are; a pack that routes the same intent its own way (retail's complaint
# that still asks where an order is) is used instead, whichever pack is loaded first (bootstrap).
SHARED_ROUTES: tuple[Any, ...] = (route_complaint,)

RouteFunction = Callable[["NluResult", dict[str, Any], CustomerContext], IntentRoute]
# A route that serves only some messages of an intent and returns None for the rest, which another pack's
# route of the same intent then serves: retail takes "my headphones have no sound" (a tech issue about a
# product it sold), telecom keeps "no signal" (bootstrap chains them, the partial one first).
PartialRoute = Callable[["NluResult", dict[str, Any], CustomerContext], IntentRoute | None]


def serves_some(route: PartialRoute) -> PartialRoute:
    """Marks `route` as partial (see `PartialRoute`)."""
    route.serves_some = True  # type: ignore[attr-defined]
    return route


def is_partial(route: Any) -> bool:
    return bool(getattr(route, "serves_some", False))


def first_that_serves(partial: PartialRoute, rest: IntentRoute | RouteFunction | PartialRoute) -> Any:
    """Two packs' routes of one intent as one: the partial route's answer if it has one, else the other's.
    When the other is partial too, so is the pair (None when neither serves)."""

    def chained(nlu: NluResult, dialog: dict[str, Any], context: CustomerContext) -> IntentRoute | None:
        served = partial(nlu, dialog, context)
        if served is not None:
            return served
        return rest(nlu, dialog, context) if callable(rest) else rest

    return serves_some(chained) if is_partial(rest) else chained


@dataclass(slots=True)
class Pack:
    name: str
    folder: Path
    actions: Mapping[str, ActionSpec]
    # intent -> route, or a function picking the route from the understood message and context (a partial
    # one, `serves_some`, leaves some messages to another pack's route of the intent)
    routes: Mapping[str, IntentRoute | RouteFunction | PartialRoute]
    flows: Mapping[str, Flow] = field(default_factory=dict)
    # extra read-only context this pack needs each turn: name -> loader(backend, customer_id)
    context_loaders: Mapping[str, Callable[[Backend, str], Any]] = field(default_factory=dict)
    # slot resolvers this pack adds or overrides (see parley.engine.slots): slot name -> resolver
    resolvers: Mapping[str, Callable[[Any], Any]] = field(default_factory=dict)

    @property
    def templates_dir(self) -> Path:
        return self.folder / "templates"

    @property
    def nlu_dir(self) -> Path:
        return self.folder / "nlu"
