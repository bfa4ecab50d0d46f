"""Connection troubleshooting as an explicit algorithm: data, not prose.

The account checks run in a fixed order (`ACCOUNT_CHECKS`): lock state, balance, data left, the
relevant service, a known outage in the number's region at the time. The first one that explains
the problem ends the run with its remedy (unlock, a payment link, extra data, the service, a
complaint with compensation). When the account is fine, the device steps (`DEVICE_STEPS`) are
walked one question at a time; an answer that says it works ends the run as resolved, and when
every step fails the customer chooses a network ticket or a technician visit.

Each run is recorded as the `run_diagnostics` action with its findings and outcome.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from parley.backends.records import Subscriber
from parley.clock import now
from parley.nlu.entities.answers import is_bare_answer
from parley.nlu.types import NluResult
from parley.packs.base import ActionEnv, FlowStep, Reply
from parley.packs.telecom.actions import (
    amount_to_clear,
    check_activate,
    check_unlock,
    covering_outages,
    parse_when,
)
from parley.packs.telecom.booking import offer_slots, pick_from_offer
from parley.packs.telecom.resolvers import described_number

# which device steps, in order, for which kind of problem
DEVICE_STEPS: dict[str, tuple[str, ...]] = {
    "home": ("router_restart", "router_cable"),  # the home connection: the router, then a visit
    "data": ("restart", "mobile_data", "apn"),
    "roaming": ("restart", "data_roaming", "apn"),
    "calls": ("restart", "network_mode"),
}
PROBLEM_WORDS: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "home",
        re.compile(
            r"home\s+(?:internet|broadband|connection|wi-?fi)|broadband|wi-?fi|router|modem"
            r"|домашн\w*\s+интернет|интернет\w*\s+дома|дома\w*\s+(?:\w+\s+)?интернет|роутер|модем|вай-?фай",
            re.I,
        ),
    ),
    ("roaming", re.compile(r"abroad|roaming|overseas|за границ|заграниц|роуминг", re.I)),
    ("calls", re.compile(r"\bcall|calls|sms|text messages|звон|смс|дозвон", re.I)),
)
NOT_FIXED = re.compile(
    r"still|nothing|didn'?t help|did not help|doesn'?t work|does not work|not working|no luck|no change|same"
    r"|не работает|не помогло|не заработал|ничего|по-прежнему|всё так же|все так же"
    r"|всё ещё|все еще|без изменений"
    # the step was done before it was suggested ("yes I restarted it already", "уже включено"): no help
    r"|already\s+(?:did|done|tried|restarted|rebooted|checked|on)|(?:did|tried|restarted|rebooted|checked)\s+"
    r"(?:it\s+|that\s+|this\s+)?already|уже\s+(?:пробовал|перезагружал|делал|проверял|включ)"
    r"|(?:пробовал|перезагружал|делал|проверял)\w*\s+уже",
    re.I,
)
FIXED = re.compile(
    r"works|working|it'?s fine now|fixed|helped|that did it|back online"
    r"|заработал|работает|помогло|появил|всё ок|все ок",
    re.I,
)
# "so when will it be fixed?" to "is it working now?": no, it is not — and the customer wants to know more
ASKS_WHEN = re.compile(
    r"\bwhen\b|how long|how much longer|\bкогда\b|сколько\s+(?:ещё\s+|еще\s+)?ждать|долго\s+(?:ещё|еще)", re.I
)
# "nothing else, thanks" to "anything else?" is no report that the problem is back
NOTHING_ELSE = re.compile(
    r"nothing\s+(?:else|more)|that'?s\s+(?:all|it)|no\s+thanks|больше\s+ничего|ничего\s+больше"
    r"|ничего\s+не\s+(?:нужно|надо)|ничего,?\s+спасибо|спасибо,?\s+ничего",
    re.I,
)
TECHNICIAN_WORDS = re.compile(
    r"technician|engineer|visit|someone to come|мастер|техник|выезд|специалист|приех", re.I
)
TICKET_WORDS = re.compile(r"ticket|request|report|заявк|тикет|обращени", re.I)
MAX_UNCLEAR = 2


def read_fix(nlu: NluResult) -> str | None:
    """ "fixed", "not_fixed", "asks_when" (not fixed, and when will it be?) or None (unclear) for an answer to
    "did that help?". A question about when it will work is read before the fix words: "when will it be
    fixed?" says that it is not."""
    text = nlu.text
    if NOT_FIXED.search(text):
        return "not_fixed"
    if ASKS_WHEN.search(text):
        return "asks_when"
    if FIXED.search(text):
        return "fixed"
    answer = nlu.entities.get("answer")
    if answer == "no":
        return "not_fixed"
    if answer == "yes" and is_bare_answer(text):
        # "yes, I restarted it" or "yes roaming is on" answer the step, not whether it works now
        return "fixed"
    return None


def problem_kind(text: str) -> str:
    for kind, pattern in PROBLEM_WORDS:
        if pattern.search(text):
            return kind
    return "data"


def _for_problem(key: str, state: dict[str, Any]) -> str:
    """The wording for a home connection where the phone's would be wrong ("let's check the router")."""
    return f"{key}_home" if state.get("problem") == "home" else key


def _record(state: dict[str, Any], outcome: str) -> tuple[str, dict[str, Any]]:
    return (
        "run_diagnostics",
        {
            "msisdn": state["msisdn"],
            "problem": state["problem"],
            "findings": list(state["findings"]),
            "outcome": outcome,
            "problem_text": state.get("text", ""),
        },
    )


# ---------------------------------------------------------------------------------------- account checks
Check = Callable[[ActionEnv, Subscriber, dict[str, Any]], FlowStep | None]


def check_lock(env: ActionEnv, sub: Subscriber, state: dict[str, Any]) -> FlowStep | None:
    if not sub.locked:
        state["findings"].append("unlocked")
        return None
    state["findings"].append("locked")
    step = _unlock(env, sub.msisdn)
    step.run.append(_record(state, "locked"))
    return step


def _unlock(env: ActionEnv, msisdn: str) -> FlowStep:
    """The cause told, then the code-word question — or why the number cannot be unlocked here."""
    found = Reply("diagnostics.locked", {"msisdn": msisdn})
    verdict = check_unlock(env, {"msisdn": msisdn})
    if not verdict.success:
        error = Reply(f"unlock_number.error.{verdict.error}", {"msisdn": msisdn, **verdict.data})
        return FlowStep(replies=[found, error])
    return FlowStep(replies=[found], confirm=("unlock_number", {"msisdn": msisdn}))


def check_balance(env: ActionEnv, sub: Subscriber, state: dict[str, Any]) -> FlowStep | None:
    if sub.balance >= 0:
        state["findings"].append("balance_ok")
        return None
    state["findings"].append("negative_balance")
    amount = amount_to_clear(sub.balance)
    return FlowStep(
        replies=[
            Reply(
                "diagnostics.negative_balance",
                {"balance": sub.balance, "currency": sub.currency, "amount": amount},
            )
        ],
        run=[
            _record(state, "negative_balance"),
            ("create_payment_link", {"msisdn": sub.msisdn, "amount": amount}),
        ],
    )


def check_data(env: ActionEnv, sub: Subscriber, state: dict[str, Any]) -> FlowStep | None:
    left = (sub.traffic or {}).get("data_mb_left", 0)
    if state["problem"] in ("calls", "home") or left > 0:
        state["findings"].append("data_ok")
        return None
    state["findings"].append("no_data_left")
    step = FlowStep(replies=[Reply("diagnostics.no_data")], run=[_record(state, "no_data_left")])
    offer = {"msisdn": sub.msisdn, "service_code": "extra_data"}
    verdict = check_activate(env, offer)
    if verdict.success:
        step.confirm = ("activate_service", {**offer, **verdict.params})
    return step


def check_service(env: ActionEnv, sub: Subscriber, state: dict[str, Any]) -> FlowStep | None:
    if state["problem"] != "roaming":
        return None
    roaming = next((s for s in sub.services if s.code == "roaming"), None)
    if roaming is not None and roaming.active:
        state["findings"].append("roaming_on")
        return None
    state["findings"].append("roaming_off")
    step = FlowStep(replies=[Reply("diagnostics.roaming_off")], run=[_record(state, "service_off")])
    offer = {"msisdn": sub.msisdn, "service_code": "roaming"}
    verdict = check_activate(env, offer)
    if verdict.success:
        step.confirm = ("activate_service", {**offer, **verdict.params})
    return step


# the outages (by `kind`) that explain a problem; None: any
OUTAGE_KINDS: dict[str, tuple[str, ...] | None] = {"calls": None, "home": ("home_internet", "all")}


def check_outage(env: ActionEnv, sub: Subscriber, state: dict[str, Any]) -> FlowStep | None:
    when = state.get("when")
    moment = parse_when(when)
    if moment is None:
        start = end = now()
    elif len(str(when)) <= 10:
        start, end = moment, moment + timedelta(days=1) - timedelta(seconds=1)
    else:
        start = end = moment
    kinds = OUTAGE_KINDS.get(state["problem"], ("mobile_data", "voice", "all"))
    found = covering_outages(env, sub.region, start, end, kinds)
    if not found:
        state["findings"].append("no_outage")
        return None
    outage = found[0]
    state["findings"].append(f"outage:{outage.id}")
    ongoing = (parse_when(outage.end) or now()) > now()
    facts = {"start": outage.start, "end": outage.end, "region": sub.region, "ongoing": ongoing}
    if env.backend.compensated(sub.msisdn, outage.id):
        return FlowStep(
            replies=[Reply("diagnostics.outage", {**facts, "compensated": True})],
            run=[_record(state, "outage")],
        )
    complaint = {"text": state.get("text") or "", "msisdn": sub.msisdn}
    if when:
        complaint["when"] = when
    return FlowStep(
        replies=[Reply("diagnostics.outage", facts)],
        run=[_record(state, "outage")],
        confirm=("file_complaint", complaint),
    )


ACCOUNT_CHECKS: tuple[Check, ...] = (check_lock, check_balance, check_data, check_service, check_outage)


# ---------------------------------------------------------------------------------------- the flow
class DiagnosticsFlow:
    name = "diagnostics"

    def start(self, env: ActionEnv, nlu: NluResult, params: dict[str, Any]) -> FlowStep:
        subs = env.backend.subscribers_of(env.customer_id)
        if not subs:
            return FlowStep(replies=[Reply("ask.msisdn_none")])
        state: dict[str, Any] = {
            "problem": problem_kind(nlu.text),
            "text": nlu.text[:500],
            "findings": [],
            "when": nlu.entities.get("datetime") or nlu.entities.get("date"),
        }
        own = env.own_subscriber(nlu.entities.get("msisdn") or described_number(nlu.text, env.context))
        if own is None and len(subs) > 1:
            numbers = [s.msisdn for s in subs]
            return FlowStep(
                replies=[Reply(_for_problem("ask.msisdn", state), {"numbers": numbers}, numbers)],
                state={**state, "step": "pick_number", "numbers": numbers},
                expecting="msisdn",
            )
        state["msisdn"] = (own or subs[0]).msisdn
        return self.account_checks(env, state)

    def account_checks(self, env: ActionEnv, state: dict[str, Any]) -> FlowStep:
        sub = env.own_subscriber(state["msisdn"])
        assert sub is not None
        for check in ACCOUNT_CHECKS:
            step = check(env, sub, state)
            if step is not None:
                return step
        return self.device_step(state, 0, intro=True)

    def device_step(self, state: dict[str, Any], index: int, intro: bool = False) -> FlowStep:
        steps = DEVICE_STEPS[state["problem"]]
        if index >= len(steps):
            state["findings"].append("device_steps_failed")
            return FlowStep(
                replies=[Reply(_for_problem("diagnostics.remedy", state))],
                state={**state, "step": "remedy", "unclear": 0},
                expecting="answer",
            )
        replies = (
            [Reply(_for_problem("diagnostics.account_ok", state), {"msisdn": state["msisdn"]})]
            if intro
            else []
        )
        replies.append(Reply(f"diagnostics.device.{steps[index]}"))
        return FlowStep(
            replies=replies,
            state={**state, "step": "device", "device": index, "unclear": 0},
            expecting="answer",
        )

    def on_message(self, env: ActionEnv, nlu: NluResult, state: dict[str, Any]) -> FlowStep:
        step = state.get("step")
        if step == "pick_number":
            return self.on_number(env, nlu, state)
        if step == "device":
            return self.on_device_answer(nlu, state)
        if step == "remedy":
            return self.on_remedy(env, nlu, state)
        if step == "pick_slot":
            return pick_from_offer(env, nlu, state)
        return FlowStep()

    def on_number(self, env: ActionEnv, nlu: NluResult, state: dict[str, Any]) -> FlowStep:
        numbers: list[str] = state.get("numbers") or []
        given = nlu.entities.get("msisdn")
        ordinal = nlu.entities.get("ordinal")
        chosen = None
        if given in numbers:
            chosen = given
        elif described := described_number(nlu.text, env.context):  # "на детском", "my main number"
            chosen = described
        elif isinstance(ordinal, int) and numbers and -len(numbers) <= ordinal <= len(numbers) and ordinal:
            chosen = numbers[ordinal - 1 if ordinal > 0 else ordinal]
        if chosen is None:
            return FlowStep(
                replies=[Reply(_for_problem("ask.msisdn", state), {"numbers": numbers}, numbers)],
                state=state,
                expecting="msisdn",
            )
        return self.account_checks(env, {**state, "msisdn": chosen, "step": None})

    def on_device_answer(self, nlu: NluResult, state: dict[str, Any]) -> FlowStep:
        index = int(state.get("device", 0))
        name = DEVICE_STEPS[state["problem"]][index]
        verdict = read_fix(nlu)
        if verdict == "fixed":
            state["findings"].append(f"fixed_by:{name}")
            return FlowStep(
                replies=[Reply("diagnostics.resolved")],
                run=[_record(state, "resolved")],
                linger={**state, "step": "resolved", "device": index},
            )
        if verdict in ("not_fixed", "asks_when"):
            state["findings"].append(f"tried:{name}")
            step = self.device_step(state, index + 1)
            more_steps = index + 1 < len(DEVICE_STEPS[state["problem"]])
            if (
                verdict == "asks_when" and more_steps
            ):  # account and network are fine: the answer is in the phone
                step.replies.insert(0, Reply(_for_problem("diagnostics.when", state)))
            return step
        unclear = int(state.get("unclear", 0)) + 1
        if unclear > MAX_UNCLEAR:
            state["findings"].append(f"unclear:{name}")
            return self.device_step(state, index + 1)
        # "yes, I restarted it": the step was done, so only its question is asked again; a second unclear
        # answer gets the step's instructions again too, in case they were missed
        replies = [Reply("diagnostics.unclear")]
        if unclear > 1:
            replies.append(Reply(f"diagnostics.device.{name}"))
        return FlowStep(replies=replies, state={**state, "unclear": unclear}, expecting="answer")

    def on_remedy(self, env: ActionEnv, nlu: NluResult, state: dict[str, Any]) -> FlowStep:
        text = nlu.text
        answer = nlu.entities.get("answer")
        if TICKET_WORDS.search(text) and not TECHNICIAN_WORDS.search(text) or answer == "no":
            return FlowStep(run=[_record(state, "ticket")])
        if TECHNICIAN_WORDS.search(text) or answer == "yes":
            step = offer_slots(env, nlu, {k: v for k, v in state.items() if k != "step"})
            outcome = "technician" if step.state or step.confirm else "ticket"  # no free slots: a ticket
            step.run.insert(0, _record(state, outcome))
            return step
        unclear = int(state.get("unclear", 0)) + 1
        if unclear > MAX_UNCLEAR:
            return FlowStep(run=[_record(state, "ticket")])
        return FlowStep(
            replies=[Reply(_for_problem("diagnostics.remedy", state))],
            state={**state, "unclear": unclear},
            expecting="answer",
        )

    def reopen(self, env: ActionEnv, nlu: NluResult, state: dict[str, Any]) -> FlowStep | None:
        """ "Still nothing" right after "glad it works now": the fix did not hold, so the walk goes on from
        the next device step (recorded as a run of its own), instead of a goodbye or starting over."""
        # (a bare "no" to "anything else?" is no more questions, not "broken again")
        if state.get("step") != "resolved" or NOTHING_ELSE.search(nlu.text) or not NOT_FIXED.search(nlu.text):
            return None
        index = int(state.get("device", 0))
        findings = [f for f in state.get("findings", []) if not f.startswith("fixed_by:")]
        findings.append(f"came_back:{DEVICE_STEPS[state['problem']][index]}")
        step = self.device_step({**state, "findings": findings}, index + 1)
        step.replies.insert(0, Reply("diagnostics.came_back"))
        return step

    def answers(self, nlu: NluResult, state: dict[str, Any]) -> bool:
        """Whether the message answers the open question ("did that help?", "technician or ticket?").

        Such a message is never a new request: "не помогло" can read like a delivery complaint to the
        intent classifier, and must not suspend the diagnostics.
        """
        step = state.get("step")
        if step == "device":
            return read_fix(nlu) is not None
        if step == "remedy":
            named = TICKET_WORDS.search(nlu.text) or TECHNICIAN_WORDS.search(nlu.text)
            return bool(named or nlu.entities.get("answer"))
        return False

    def resume(self, env: ActionEnv, state: dict[str, Any]) -> FlowStep:
        if state.get("step") == "device":
            name = DEVICE_STEPS[state["problem"]][int(state.get("device", 0))]
            return FlowStep(replies=[Reply(f"diagnostics.device.{name}")], state=state, expecting="answer")
        if state.get("step") == "remedy":
            return FlowStep(
                replies=[Reply(_for_problem("diagnostics.remedy", state))], state=state, expecting="answer"
            )
        if state.get("step") == "pick_slot":
            return FlowStep(
                replies=[Reply("booking.which", {"slots": state.get("slots") or []})],
                state=state,
                expecting="slot",
            )
        return FlowStep(
            replies=[Reply(_for_problem("ask.msisdn", state), {"numbers": state.get("numbers") or []})],
            state=state,
            expecting="msisdn",
        )
