"""Thresholds that turn classifier confidence into dialogue decisions."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from parley.nlu.types import NluResult

NOT_UNDERSTOOD_BELOW = 0.45  # below this the message is treated as not understood
SWITCH_TOPIC_FROM = 0.6  # a different intent this sure interrupts the current task
OPERATOR_REQUEST_FROM = 0.5

SMALL_TALK = {"greeting", "farewell", "compliment", "out_of_scope"}


def understood(intent: str, confidence: float) -> bool:
    return intent != "out_of_scope" and confidence >= NOT_UNDERSTOOD_BELOW


def is_topic_switch(intent: str, confidence: float, current_intent: str | None) -> bool:
    return intent not in SMALL_TALK and confidence >= SWITCH_TOPIC_FROM and intent != current_intent


def interrupts_task(intent: str, confidence: float, current_intent: str | None) -> bool:
    """A message that did not answer the task's question and is understood as another request: served, and
    the task resumed after it. A lower bar than a topic switch (which may override an answer): nothing was
    answered here, and "а сколько он стоит?" to "which number?" is a question, not noise."""
    return intent not in SMALL_TALK and understood(intent, confidence) and intent != current_intent


# "and for the kettle?", "what about 100260?", "а по второму?": the last task again, for another order.
FOLLOW_UP = re.compile(
    r"^\W*(?:and|what\s+about|how\s+about|same\s+for|а|и|а\s+что\s+(?:с|насч[её]т)|а\s+как\s+(?:же|насч[её]т)"
    r"|то\s+же\s+(?:самое\s+)?(?:для|с|по))\b",
    re.IGNORECASE,
)
FOLLOW_UP_MAX_WORDS = 6


def is_follow_up(nlu: NluResult, last_intent: str | None) -> bool:
    """A short "and ...?" that names another order is the last task's question again, unless it clearly asks
    for an action of its own ("and cancel the kettle one"): the classifier reads "and for the kettle?" as a
    question about kettles, and "what about 100301?" as a hesitant order status."""
    text = nlu.text
    if not last_intent or not FOLLOW_UP.search(text) or len(re.findall(r"\w+", text)) > FOLLOW_UP_MAX_WORDS:
        return False
    return not nlu.requires_action or nlu.intent == last_intent or nlu.confidence < SWITCH_TOPIC_FROM
