"""When the agent should hand the conversation to a person, and how urgently.

Rules (CONTRACT §4, "both packs"): an explicit request is honoured at any point — VIP customers at
once with high priority; a customer who stays angry, or whom the agent repeatedly fails to
understand, is first offered a human and then transferred.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Priority = Literal["low", "normal", "high", "urgent"]
PRIORITIES: tuple[Priority, ...] = ("low", "normal", "high", "urgent")

ANGRY = 0.6  # anger score from which a message counts as angry
OFFER_AFTER_ANGRY_TURNS = 2
OFFER_AFTER_MISUNDERSTOOD = 2
TRANSFER_AFTER_MISUNDERSTOOD = 3


def bump(priority: Priority, steps: int = 1) -> Priority:
    index = min(PRIORITIES.index(priority) + steps, len(PRIORITIES) - 1)
    return PRIORITIES[index]


def higher(a: Priority, b: Priority) -> Priority:
    return a if PRIORITIES.index(a) >= PRIORITIES.index(b) else b


def request_priority(tier: str, anger: float) -> Priority:
    """Priority of an explicit request for a human."""
    base: Priority = "high" if tier == "vip" else "normal"
    return bump(base) if anger >= ANGRY else base


@dataclass(slots=True)
class MoodAdvice:
    offer_human: bool = False
    transfer: bool = False
    reason: str = ""
    priority: Priority = "normal"


def advise(tier: str, anger_streak: int, misunderstood_streak: int, already_offered: bool) -> MoodAdvice:
    """What the mood and understanding streaks call for after this message."""
    if misunderstood_streak >= TRANSFER_AFTER_MISUNDERSTOOD:
        return MoodAdvice(transfer=True, reason="not_understood", priority=request_priority(tier, 0.0))
    if anger_streak >= OFFER_AFTER_ANGRY_TURNS + 1 and already_offered:
        return MoodAdvice(transfer=True, reason="angry_customer", priority=bump(request_priority(tier, 0.0)))
    if not already_offered and anger_streak >= OFFER_AFTER_ANGRY_TURNS:
        return MoodAdvice(
            offer_human=True, reason="angry_customer", priority=bump(request_priority(tier, 0.0))
        )
    if not already_offered and misunderstood_streak >= OFFER_AFTER_MISUNDERSTOOD:
        return MoodAdvice(offer_human=True, reason="not_understood", priority=request_priority(tier, 0.0))
    return MoodAdvice()
