"""The checkpointed state of one conversation (the seed's `ConversationState`).

Bounded on purpose: `messages` and `completed_actions` are windows of the most recent items; the
whole transcript and action log are append-only tables in the store. A checkpoint therefore costs
the same at message 500 as at message 1.
"""

from __future__ import annotations

from typing import Any, TypedDict


class ConversationState(TypedDict, total=False):
    session_id: str
    customer_id: str
    channel: str
    messages: list[dict[str, Any]]  # window: {"role", "text", "at"}
    customer_profile: dict[str, Any]  # small: id, name, tier, preferred_language
    customer_tier: str
    preferred_language: str
    language: str
    current_intent: str | None
    dialog_context: dict[str, Any]
    pending_confirmations: list[dict[str, Any]]  # at most one: {"id", "action", "params", "kind"}
    completed_actions: list[dict[str, Any]]  # window: {"action", "params", "success", "data", "at"}
    escalated: bool
    escalation_reason: str | None
    escalation_priority: str | None
    turns: int


Window = list[dict[str, Any]]


def push_window(items: Window, new: Window, size: int) -> Window:
    """Appends and keeps the last `size` items, as a new list: state values are replaced, never mutated."""
    merged = [*items, *new]
    return merged[-size:] if len(merged) > size else merged
