"""Thresholds that turn classifier confidence into dialogue decisions."""

from __future__ import annotations

NOT_UNDERSTOOD_BELOW = 0.45  # below this the message is treated as not understood
SWITCH_TOPIC_FROM = 0.6  # a different intent this sure interrupts the current task
OPERATOR_REQUEST_FROM = 0.5

SMALL_TALK = {"greeting", "farewell", "compliment", "out_of_scope"}


def understood(intent: str, confidence: float) -> bool:
    return intent != "out_of_scope" and confidence >= NOT_UNDERSTOOD_BELOW


def is_topic_switch(intent: str, confidence: float, current_intent: str | None) -> bool:
    return intent not in SMALL_TALK and confidence >= SWITCH_TOPIC_FROM and intent != current_intent
