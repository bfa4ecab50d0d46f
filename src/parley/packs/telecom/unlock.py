"""Starting a number unlock: which number, may it be unlocked at all, then the code-word question.

Served as a flow (not a plain task) for one reason: the engine re-asks a pending confirmation on the
turn it is created unless a ".confirm" reply was planned, and for a code-word question that re-ask
would switch the dialogue to expect a yes/no, so the next message would not be read as the code
word. The flow plans an empty `unlock_number.guard.confirm` reply to keep the code-word question
armed. (Engine fix proposed in the telecom report; then this can become `IntentRoute(action=...)`.)
"""

from __future__ import annotations

from typing import Any

from parley.nlu.types import NluResult
from parley.packs.base import ActionEnv, FlowStep, Reply
from parley.packs.telecom.actions import check_unlock

GUARD = Reply("unlock_number.guard.confirm")


def ask_code_word(env: ActionEnv, msisdn: str, replies: list[Reply] | None = None) -> FlowStep:
    """The code-word question for `msisdn`, or the reason it cannot be unlocked."""
    verdict = check_unlock(env, {"msisdn": msisdn})
    replies = list(replies or [])
    if not verdict.success:
        replies.append(Reply(f"unlock_number.error.{verdict.error}", {"msisdn": msisdn, **verdict.data}))
        return FlowStep(replies=replies)
    return FlowStep(replies=[*replies, GUARD], confirm=("unlock_number", {"msisdn": msisdn}))


class UnlockFlow:
    name = "unlock"

    def start(self, env: ActionEnv, nlu: NluResult, params: dict[str, Any]) -> FlowStep:
        subs = env.backend.subscribers_of(env.customer_id)
        given = nlu.entities.get("msisdn")
        if given:
            own = env.own_subscriber(given)
            if own is None:
                return FlowStep(replies=[Reply("unlock_number.error.not_found", {"msisdn": given})])
            return ask_code_word(env, own.msisdn)
        if not subs:
            return FlowStep(replies=[Reply("ask.msisdn_none")])
        locked = [s.msisdn for s in subs if s.locked]
        if len(locked) == 1 or len(subs) == 1:
            return ask_code_word(env, (locked or [subs[0].msisdn])[0])
        numbers = locked or [s.msisdn for s in subs]
        return FlowStep(
            replies=[Reply("ask.msisdn", {"numbers": numbers}, numbers)],
            state={"numbers": numbers},
            expecting="msisdn",
        )

    def on_message(self, env: ActionEnv, nlu: NluResult, state: dict[str, Any]) -> FlowStep:
        numbers: list[str] = state.get("numbers") or []
        given = nlu.entities.get("msisdn")
        ordinal = nlu.entities.get("ordinal")
        if given in numbers:
            return ask_code_word(env, str(given), [GUARD])
        if isinstance(ordinal, int) and ordinal and -len(numbers) <= ordinal <= len(numbers):
            return ask_code_word(env, numbers[ordinal - 1 if ordinal > 0 else ordinal], [GUARD])
        if nlu.entities.get("answer") == "no":
            return FlowStep(replies=[Reply("task.dropped")])
        return FlowStep(
            replies=[Reply("ask.msisdn", {"numbers": numbers}, numbers)], state=state, expecting="msisdn"
        )
