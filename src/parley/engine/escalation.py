"""The hand-over to a person: the `transfer_to_operator` action, the summary an operator reads, and the
customer's change of mind while still in the queue (`withdraw_escalation`)."""

from __future__ import annotations

import re
from typing import Any

from parley.packs.base import ActionEnv, ActionSpec, Outcome


def summarize(state: dict[str, Any], reason: str) -> str:
    """A few lines an operator can read in five seconds: who, why, what was asked, what was done."""
    profile = state.get("customer_profile") or {}
    lines = [
        f"Customer: {profile.get('name', '?')} ({state.get('customer_id')}), "
        f"tier {state.get('customer_tier', '?')}, "
        f"language {state.get('language') or profile.get('preferred_language', '?')}, "
        f"channel {state.get('channel')}",
        f"Reason: {reason}; last topic: {state.get('current_intent') or 'none'}",
    ]
    actions = state.get("completed_actions") or []
    if actions:
        done = ", ".join(f"{a['action']}({'ok' if a.get('success') else 'failed'})" for a in actions[-5:])
        lines.append(f"Done in this conversation: {done}")
    messages = [m for m in state.get("messages") or [] if m.get("role") == "customer"][-4:]
    if messages:
        lines.append("Customer said: " + " | ".join(str(m.get("text", ""))[:200] for m in messages))
    return "\n".join(lines)


def _transfer(env: ActionEnv, params: dict[str, Any]) -> Outcome:
    store = env.extras["conversations"]
    state = env.extras.get("state") or {}
    reason = str(params.get("reason") or "customer_request")
    escalation = store.create_escalation(
        env.session_id,
        env.customer_id,
        reason,
        str(params.get("priority") or "normal"),
        summarize(state, reason),
    )
    return Outcome(
        success=True,
        data={"escalation_id": escalation["id"], "queue_position": escalation.get("queue_position", 1)},
    )


TRANSFER = ActionSpec(name="transfer_to_operator", slots=("reason", "priority"), execute=_transfer)


# "never mind", "I don't need an operator anymore", "не надо оператора", "я передумал": said while waiting
WITHDRAWS = re.compile(
    r"\bnever\s*mind\b|\bchanged\s+my\s+mind\b|\bno\s+need\s+(?:for|of)\s+(?:an?\s+|the\s+)?"
    r"(?:operator|human|person|agent)|\b(?:don'?t|do\s+not)\s+need\s+(?:an?\s+|the\s+)?"
    r"(?:operator|human|person|agent)|\bcancel\s+(?:the\s+|my\s+)?(?:operator|transfer|request\s+for)"
    r"|\bforget\s+(?:about\s+)?the\s+(?:operator|transfer)|\bi'?ll\s+(?:stay|continue)\s+with\s+you"
    r"|не\s+(?:надо|нужно)\s+(?:никакого\s+)?(?:оператор|человек|переключ)|оператор\w*\s+(?:уже\s+)?не\s+нуж"
    r"|\bпередумал|\bотмени\w*\s+(?:вызов|запрос|перевод|переключение)|останусь\s+с\s+(?:вами|тобой)",
    re.IGNORECASE,
)


def waiting_in_queue(store: Any, session_id: str) -> dict[str, Any] | None:
    """The session's escalation while no operator has taken it yet: only then can the customer withdraw it
    (once an operator has the conversation, it is theirs to hand back)."""
    escalation = store.open_escalation(session_id)
    return escalation if escalation is not None and escalation["status"] == "open" else None


def _withdraw(env: ActionEnv, params: dict[str, Any]) -> Outcome:
    store = env.extras["conversations"]
    escalation = waiting_in_queue(store, env.session_id)
    if escalation is None:
        return Outcome(success=False, error="taken")
    store.set_escalation_status(escalation["id"], "returned")
    return Outcome(success=True, data={"escalation_id": escalation["id"]})


WITHDRAW = ActionSpec(name="withdraw_escalation", slots=(), execute=_withdraw)
