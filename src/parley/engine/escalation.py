"""The hand-over to a person: the `transfer_to_operator` action and the summary an operator reads."""

from __future__ import annotations

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
