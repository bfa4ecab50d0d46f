"""The mobile operator's actions and their rules (CONTRACT §4, telecom).

Every action starts from `env.own_subscriber`, so a number of another customer is "not found"
whatever the message claims. Checks are read-only and run before the customer is asked to confirm;
`execute` re-checks, because the number may have changed between the question and the "yes".

The code word never enters params, data or replies: `unlock_number` reads the candidate from
`env.extras["code_word"]` (put there by the engine for this one attempt) and hands it straight to
the backend, which compares hashes in constant time.
"""

from __future__ import annotations

import math
import re
from datetime import datetime, timedelta
from typing import Any

from parley.backends.ports import RecordNotFound, SlotTaken
from parley.backends.records import Outage, Subscriber, TechnicianSlot
from parley.clock import now
from parley.nlu.translit import to_cyrillic
from parley.packs.base import ActionEnv, ActionSpec, Outcome
from parley.packs.retail.actions import file_complaint as retail_file_complaint

MAX_UNLOCK_ATTEMPTS = 3
EVERY_NUMBER = "all"  # the `msisdn` of a balance overview of every number of the customer
UNLOCK_WINDOW_HOURS = 24
MAX_TOP_UP = 50_000.0
COMPLAINT_WINDOW = timedelta(hours=24)

NETWORK_WORDS = re.compile(
    r"internet|data|network|signal|coverage|connection|4g|lte|5g|call|интернет|сеть|сети|связ|сигнал|звонк|покрыт",
    re.I,
)
BILLING_WORDS = re.compile(
    r"charge|bill|money|balance|top.?up|списал|списан|деньг|баланс|сч[её]т|пополн|клал|положил|закинул", re.I
)
COMPENSATION_WORDS = re.compile(r"compensat|refund|money back|компенсац|верните|возврат|перерасч", re.I)


# ---------------------------------------------------------------------------------------- helpers
def _not_found(params: dict[str, Any]) -> Outcome:
    return Outcome(False, {"msisdn": params.get("msisdn"), "retry_slot": "msisdn"}, error="not_found")


def catalog_names(env: ActionEnv) -> list[dict[str, Any]]:
    return [
        {"code": c.code, "name": c.name, "monthly_fee": c.monthly_fee} for c in env.backend.service_catalog()
    ]


def _unknown_service(env: ActionEnv) -> Outcome:
    """Not a service of the catalog: the refusal lists what there is, and the service is asked again."""
    facts = {"catalog": catalog_names(env), "retry_slot": "service_code"}
    return Outcome(False, facts, error="unknown_service")


def parse_when(value: Any) -> datetime | None:
    """An ISO date or datetime from the entities, as an aware datetime in the clock's zone."""
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(str(value))
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=now().tzinfo)
    return parsed


def covering_outages(
    env: ActionEnv, region: str, start: datetime, end: datetime, kinds: tuple[str, ...] | None = None
) -> list[Outage]:
    """Known outages in `region` overlapping [start, end]."""
    found = []
    for outage in env.backend.outages(region):
        o_start, o_end = parse_when(outage.start), parse_when(outage.end)
        if o_start is None or o_end is None:
            continue
        if o_start <= end and o_end >= start and (kinds is None or outage.kind in kinds):
            found.append(outage)
    return found


def slot_facts(slot: TechnicianSlot) -> dict[str, Any]:
    return {"slot_id": slot.id, "start": slot.start, "end": slot.end, "region": slot.region}


def free_slots_for(env: ActionEnv) -> list[TechnicianSlot]:
    """Free slots in every region where the customer has a number, soonest first."""
    regions = []
    for sub in env.backend.subscribers_of(env.customer_id):
        if sub.region and sub.region not in regions:
            regions.append(sub.region)
    slots = [slot for region in regions for slot in env.backend.free_slots(region)]
    return sorted(slots, key=lambda s: (s.start, s.id))


# ---------------------------------------------------------------------------------------- balance
def balance_facts(sub: Subscriber) -> dict[str, Any]:
    traffic = sub.traffic or {}
    return {
        "msisdn": sub.msisdn,
        "plan": sub.plan,
        "balance": sub.balance,
        "currency": sub.currency,
        "data_mb": traffic.get("data_mb_left", 0),
        "minutes": int(traffic.get("minutes_left", 0)),
        "sms": int(traffic.get("sms_left", 0)),
        "locked": sub.locked,
        # the account overview answers "what services do I have?" too
        "services": [
            {"code": s.code, "name": s.name, "monthly_fee": s.monthly_fee} for s in sub.services if s.active
        ],
    }


def check_own(env: ActionEnv, params: dict[str, Any]) -> Outcome:
    if params.get("msisdn") == EVERY_NUMBER:
        return Outcome(True) if env.backend.subscribers_of(env.customer_id) else _not_found(params)
    return Outcome(True) if env.own_subscriber(params.get("msisdn")) else _not_found(params)


def _top_up_offer(sub: Subscriber) -> dict[str, Any]:
    top_up = {"msisdn": sub.msisdn, "amount": amount_to_clear(sub.balance), "currency": sub.currency}
    return {"action": "create_payment_link", "params": top_up}


def check_balance(env: ActionEnv, params: dict[str, Any]) -> Outcome:
    if params.get("msisdn") == EVERY_NUMBER:
        return _check_every_balance(env, params)
    sub = env.own_subscriber(params.get("msisdn"))
    if sub is None:
        return _not_found(params)
    return Outcome(True, balance_facts(sub), offer=_top_up_offer(sub) if sub.balance < 0 else None)


def _check_every_balance(env: ActionEnv, params: dict[str, Any]) -> Outcome:
    """The overview of all the customer's numbers ("what's my balance?" with two SIMs, "на обоих")."""
    subs = env.backend.subscribers_of(env.customer_id)
    if not subs:
        return _not_found(params)
    negative = [s for s in subs if s.balance < 0]
    # one number in the red gets the top-up offer; with several, which to pay first is the customer's call
    offer = _top_up_offer(negative[0]) if len(negative) == 1 else None
    return Outcome(True, {"numbers": [balance_facts(s) for s in subs]}, offer=offer, wording="every")


# ---------------------------------------------------------------------------------------- services
def _check_service(env: ActionEnv, params: dict[str, Any], activate: bool) -> Outcome:
    sub = env.own_subscriber(params.get("msisdn"))
    if sub is None:
        return _not_found(params)
    code = str(params.get("service_code") or "")
    catalog = {c.code: c for c in env.backend.service_catalog()}
    entry = catalog.get(code)
    own = next((s for s in sub.services if s.code == code), None)
    if entry is None and own is None:
        return _unknown_service(env)
    name = entry.name if entry else own.name  # type: ignore[union-attr]
    fee = entry.monthly_fee if entry else own.monthly_fee  # type: ignore[union-attr]
    active = bool(own and own.active)
    facts = {"service_name": name, "monthly_fee": fee, "currency": sub.currency}
    if activate and active:
        return Outcome(False, facts, error="already_active")
    if not activate and not active:
        return Outcome(False, facts, error="not_active")
    if sub.locked:
        # A locked number is locked against changes too (it is locked to protect the account); unlocking
        # it with the code word is the way forward, so that is what the refusal offers.
        unlock = {"action": "unlock_number", "params": {"msisdn": sub.msisdn}, "start": True}
        return Outcome(False, {**facts, "msisdn": sub.msisdn}, error="number_locked", offer=unlock)
    return Outcome(True, params=facts)


def describe_service(env: ActionEnv, params: dict[str, Any]) -> Outcome:
    """What a catalog service costs and on which of the customer's numbers it is already on (read-only)."""
    code = str(params.get("service_code") or "")
    entry = next((c for c in env.backend.service_catalog() if c.code == code), None)
    if entry is None:
        return _unknown_service(env)
    subscribers = env.backend.subscribers_of(env.customer_id)
    active_on = [sub.msisdn for sub in subscribers if any(s.code == code and s.active for s in sub.services)]
    return Outcome(
        True,
        {
            "service_name": entry.name,
            "monthly_fee": entry.monthly_fee,
            "currency": subscribers[0].currency if subscribers else "RUB",
            "active_on": active_on,
            "numbers": [sub.msisdn for sub in subscribers],
        },
    )


def check_activate(env: ActionEnv, params: dict[str, Any]) -> Outcome:
    return _check_service(env, params, activate=True)


def check_deactivate(env: ActionEnv, params: dict[str, Any]) -> Outcome:
    return _check_service(env, params, activate=False)


def _set_service(env: ActionEnv, params: dict[str, Any], activate: bool) -> Outcome:
    verdict = _check_service(env, params, activate)
    if not verdict.success:
        return verdict
    env.backend.set_service_active(str(params["msisdn"]), str(params["service_code"]), activate)
    return Outcome(True, verdict.params)


def activate_service(env: ActionEnv, params: dict[str, Any]) -> Outcome:
    return _set_service(env, params, activate=True)


def deactivate_service(env: ActionEnv, params: dict[str, Any]) -> Outcome:
    return _set_service(env, params, activate=False)


# ---------------------------------------------------------------------------------------- unlock
def _failed_attempts(env: ActionEnv, msisdn: str) -> int:
    return int(env.backend.failed_unlock_attempts(env.customer_id, msisdn, UNLOCK_WINDOW_HOURS))  # type: ignore[attr-defined]


def check_unlock(env: ActionEnv, params: dict[str, Any]) -> Outcome:
    sub = env.own_subscriber(params.get("msisdn"))
    if sub is None:
        return _not_found(params)
    if not sub.locked:
        if sub.balance < 0:
            # "my number is blocked" from a customer in the red: what they meet is the suspension, not a lock
            facts = {"msisdn": sub.msisdn, "balance": sub.balance, "currency": sub.currency}
            return Outcome(False, facts, error="not_locked", offer=_top_up_offer(sub))
        return Outcome(False, {"msisdn": sub.msisdn}, error="not_locked")
    if _failed_attempts(env, sub.msisdn) >= MAX_UNLOCK_ATTEMPTS:
        return Outcome(False, {"msisdn": sub.msisdn}, error="too_many_attempts")
    return Outcome(True)


def _escalation() -> dict[str, Any]:
    return {"escalate": {"reason": "code_word_attempts", "priority": "high"}}


def _spellings(candidate: str) -> list[str]:
    """The code word as typed and, typed in Latin letters, its Cyrillic rendering: "berioza" or "podsolnuh"
    from a phone without a Cyrillic keyboard is the same word, so it is one attempt, counted once."""
    if re.search(r"[а-яё]", candidate, re.IGNORECASE) or not re.search(r"[a-z]", candidate, re.IGNORECASE):
        return [candidate]
    rendered = to_cyrillic(candidate)
    return [candidate, rendered] if rendered != candidate else [candidate]


def unlock_number(env: ActionEnv, params: dict[str, Any]) -> Outcome:
    """One attempt with the code word the customer just gave; the word itself goes nowhere but the backend."""
    verdict = check_unlock(env, params)
    if not verdict.success:
        if verdict.error == "too_many_attempts":
            return Outcome(False, {**verdict.data, **_escalation()}, error="too_many_attempts")
        return verdict
    msisdn = str(params["msisdn"])
    candidate = env.extras.get("code_word")
    if not candidate:
        return Outcome(
            False,
            {"attempts_left": MAX_UNLOCK_ATTEMPTS - _failed_attempts(env, msisdn)},
            error="no_code_word",
        )
    right = any(env.backend.verify_code_word(env.customer_id, word) for word in _spellings(str(candidate)))
    env.backend.record_unlock_attempt(env.customer_id, msisdn, right)  # type: ignore[attr-defined]
    if right:
        env.backend.set_locked(msisdn, False)
        return Outcome(True, {"msisdn": msisdn})
    left = MAX_UNLOCK_ATTEMPTS - _failed_attempts(env, msisdn)
    if left <= 0:
        return Outcome(False, {"msisdn": msisdn, **_escalation()}, error="too_many_attempts")
    return Outcome(False, {"msisdn": msisdn, "attempts_left": left}, error="wrong_code_word")


# ---------------------------------------------------------------------------------------- payments
def check_payment(env: ActionEnv, params: dict[str, Any]) -> Outcome:
    sub = env.own_subscriber(params.get("msisdn"))
    if sub is None:
        return _not_found(params)
    try:
        amount = float(params.get("amount") or 0)
    except (TypeError, ValueError):
        amount = 0.0
    stated = params.get("amount_currency")
    if stated and stated != sub.currency:  # never convert silently: ask for the account's currency
        return Outcome(
            False,
            {"retry_slot": "amount", "stated_currency": stated, "currency": sub.currency},
            error="wrong_currency",
        )
    if not 0 < amount <= MAX_TOP_UP:
        return Outcome(
            False,
            {"retry_slot": "amount", "max_amount": MAX_TOP_UP, "currency": sub.currency},
            error="bad_amount",
        )
    return Outcome(True, params={"currency": sub.currency})


def create_payment_link(env: ActionEnv, params: dict[str, Any]) -> Outcome:
    """A link to the demo payment page; card details are typed there, never into the dialogue."""
    verdict = check_payment(env, params)
    if not verdict.success:
        return verdict
    sub = env.own_subscriber(params.get("msisdn"))
    assert sub is not None
    # A link for this number and amount that is still open is given again: two links for one top-up
    # (diagnostics finding the same negative balance twice) would leave the customer wondering which to pay.
    payment = env.backend.open_payment(env.customer_id, sub.msisdn, float(params["amount"]))
    if payment is None:
        payment = env.backend.create_payment(
            env.customer_id,
            sub.msisdn,
            float(params["amount"]),
            sub.currency,
            idempotency_key=env.idempotency_key,
        )
    return Outcome(
        True,
        {
            "payment_id": payment.id,
            "url": payment.url,
            "amount": payment.amount,
            "currency": payment.currency,
        },
    )


def amount_to_clear(balance: float) -> float:
    """What a negative balance needs to be back above zero, rounded up to a whole unit."""
    return float(max(1, math.ceil(-balance + 1e-9))) if balance < 0 else 0.0


# ---------------------------------------------------------------------------------------- technician
def check_booking(env: ActionEnv, params: dict[str, Any]) -> Outcome:
    slot = env.backend.get_slot(str(params.get("slot_id") or ""))
    regions = {s.region for s in env.backend.subscribers_of(env.customer_id)}
    if slot is None or slot.region not in regions:
        return Outcome(False, {"retry_slot": "slot_id"}, error="unknown_slot")
    if slot.booked:
        return Outcome(
            False,
            {"retry_slot": "slot_id", "slots": [slot_facts(s) for s in free_slots_for(env)]},
            error="slot_taken",
        )
    return Outcome(True, params={"start": slot.start, "end": slot.end})


def book_technician(env: ActionEnv, params: dict[str, Any]) -> Outcome:
    verdict = check_booking(env, params)
    if not verdict.success:
        return verdict
    slot_id = str(params["slot_id"])
    slot = env.backend.get_slot(slot_id)
    assert slot is not None
    msisdn = next(
        (s.msisdn for s in env.backend.subscribers_of(env.customer_id) if s.region == slot.region), None
    )
    try:
        booking = env.backend.book_slot(slot_id, env.customer_id, msisdn, idempotency_key=env.idempotency_key)
    except SlotTaken:
        return Outcome(False, {"slots": [slot_facts(s) for s in free_slots_for(env)]}, error="slot_taken")
    replaced = _cancel_replaced(env, params.get("replaces"), booking.id)
    return Outcome(True, {"booking_id": booking.id, "replaced": replaced, **slot_facts(slot)})


def _cancel_replaced(env: ActionEnv, booking_id: Any, new_id: str) -> bool:
    """Rebooking: the new visit is booked first, then the old one is released (never left with none)."""
    if not booking_id or booking_id == new_id:
        return False
    own = {b.id: b for b in env.backend.bookings_for(env.customer_id)}
    old = own.get(str(booking_id))
    if old is None or old.status != "active":
        return False
    env.backend.cancel_booking(old.id)
    return True


def check_cancel_booking(env: ActionEnv, params: dict[str, Any]) -> Outcome:
    booking_id = str(params.get("booking_id") or "")
    booking = next((b for b in env.backend.bookings_for(env.customer_id) if b.id == booking_id), None)
    if booking is None or booking.status != "active":
        return Outcome(False, error="no_booking")
    slot = env.backend.get_slot(booking.slot_id)
    return Outcome(True, params={"start": slot.start if slot else "", "end": slot.end if slot else ""})


def cancel_booking(env: ActionEnv, params: dict[str, Any]) -> Outcome:
    verdict = check_cancel_booking(env, params)
    if not verdict.success:
        return verdict
    try:
        env.backend.cancel_booking(str(params["booking_id"]))
    except RecordNotFound:
        return Outcome(False, error="no_booking")
    return Outcome(True, verdict.params)


# ---------------------------------------------------------------------------------------- complaint
def complaint_period(when: Any) -> tuple[datetime, datetime]:
    """The period a complaint is about: the day or moment it names, or else the last 24 hours."""
    moment = parse_when(when)
    if moment is None:
        return now() - COMPLAINT_WINDOW, now()
    if len(str(when)) <= 10:  # a date: the whole day
        return moment, moment + timedelta(days=1) - timedelta(seconds=1)
    return moment, moment


def complaint_category(text: str) -> str:
    if NETWORK_WORDS.search(text):
        return "network"
    if BILLING_WORDS.search(text):
        return "billing"
    return "telecom"


def file_complaint(env: ActionEnv, params: dict[str, Any]) -> Outcome:
    """One complaint action for both packs: an order complaint goes the retail way; a subscriber's complaint
    becomes a ticket with the number and category, and a confirmed outage in the number's region during
    the complaint's period credits the configured compensation once per outage per number."""
    subscribers = env.backend.subscribers_of(env.customer_id)
    if params.get("order_id") and env.own_order(params.get("order_id")) or not subscribers:
        return retail_file_complaint(env, params)
    text = str(params.get("text") or "")
    chosen = env.own_subscriber(params.get("msisdn"))
    candidates = [chosen] if chosen else subscribers
    start, end = complaint_period(params.get("when"))
    outage: Outage | None = None
    sub = candidates[0]
    # a complaint about a charge ("billed twice for roaming") is no outage report: it earns no outage credit
    about_billing = complaint_category(text) == "billing"
    for candidate in [] if about_billing else candidates:
        found = covering_outages(env, candidate.region, start, end)
        if found:
            sub, outage = candidate, found[0]
            break
    amount = float(getattr(env.settings, "outage_compensation", 100.0))
    already = outage is not None and env.backend.compensated(sub.msisdn, outage.id)
    credit = amount if outage is not None and not already else 0.0
    ticket = env.backend.create_ticket(
        env.customer_id,
        text,
        msisdn=sub.msisdn,
        category="network" if outage is not None else complaint_category(text),
        compensation=credit,
        outage_id=outage.id if outage is not None else None,
        idempotency_key=env.idempotency_key,
    )
    if credit and ticket.compensation:
        env.backend.credit_balance(sub.msisdn, credit)
    return Outcome(
        True,
        {
            "ticket_id": ticket.id,
            "msisdn": sub.msisdn,
            "compensation": ticket.compensation if credit else 0.0,
            "currency": sub.currency,
            "outage": {"start": outage.start, "end": outage.end} if outage else None,
            "already_compensated": already,
            "asks_compensation": bool(COMPENSATION_WORDS.search(text)),
        },
    )


# ---------------------------------------------------------------------------------------- diagnostics
def run_diagnostics(env: ActionEnv, params: dict[str, Any]) -> Outcome:
    """Records the troubleshooting run (the algorithm lives in `diagnostics.py`); a run that ends
    unresolved with no other remedy files a network ticket with the findings."""
    data: dict[str, Any] = {"outcome": params.get("outcome"), "findings": params.get("findings", [])}
    if params.get("outcome") == "ticket":
        sub = env.own_subscriber(params.get("msisdn"))
        steps = ", ".join(str(f) for f in params.get("findings", []))
        ticket = env.backend.create_ticket(
            env.customer_id,
            f"{params.get('problem_text') or 'connection problem'} [diagnostics: {steps}]",
            msisdn=sub.msisdn if sub else None,
            category="network",
            idempotency_key=env.idempotency_key,
        )
        data["ticket_id"] = ticket.id
    return Outcome(True, data)


ACTIONS: dict[str, ActionSpec] = {
    spec.name: spec
    for spec in (
        ActionSpec("check_balance", ("msisdn",), check_balance, check_own, changes_state=False),
        ActionSpec(
            "activate_service",
            ("msisdn", "service_code"),
            activate_service,
            check_activate,
            confirmation="required",
        ),
        ActionSpec(
            "deactivate_service",
            ("msisdn", "service_code"),
            deactivate_service,
            check_deactivate,
            confirmation="required",
        ),
        ActionSpec("describe_service", ("service_code",), describe_service, changes_state=False),
        ActionSpec("unlock_number", ("msisdn",), unlock_number, check_unlock, confirmation="code_word"),
        ActionSpec("create_payment_link", ("msisdn", "amount"), create_payment_link, check_payment),
        ActionSpec(
            "book_technician",
            ("slot_id",),
            book_technician,
            check_booking,
            confirmation="required",
            ends_flows=("diagnostics",),
        ),
        ActionSpec(
            "cancel_booking", ("booking_id",), cancel_booking, check_cancel_booking, confirmation="required"
        ),
        ActionSpec("run_diagnostics", ("msisdn",), run_diagnostics, changes_state=False),
        ActionSpec(
            "file_complaint", ("text",), file_complaint, optional_slots=("order_id", "msisdn", "when")
        ),
    )
}
