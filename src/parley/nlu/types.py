"""What understanding hands to the dialogue engine.

These types are the boundary between "a model understood something" and "code decides": the engine
reads only these fields, so any parser (embedded, LLM) is interchangeable behind `NluParser`.

Entity keys (all optional, values JSON-serialisable):
  order_id: str            an order number mentioned ("100234", "#5512", "заказ 5512")
  order_ids: list[str]     every order number, in order of mention
  order_ref: str           a reference resolved against the context:
                           "last", "first", "second", "other", "previous"
  product: str             a product mentioned by description ("the headphones", "синий чайник"), lower-cased
  product_unknown: str     a kind of product named that none of the customer's orders holds ("чайник")
  msisdn: str              a phone number in E.164 ("+79160000001")
  email: str
  amount: {"value": float, "currency": "RUB|EUR|USD|None"}
  date: str                YYYY-MM-DD, relative to the clock ("this Saturday", "через три дня", "3 декабря")
  time_of_day: str         "morning|before_noon|afternoon|evening" when said ("after lunch", "после обеда")
  datetime: str            ISO-8601 when a time was said as well
  address: str             a whole postal address as written
  reason: str              a free-text reason (for returns), when the message states one
  payment_method: str      "card|cash|sbp|paypal|bank_transfer|invoice"
  service: str             a service code from the catalog ("roaming", "music")
  answer: str              "yes|no" for a confirmation-style reply; absent when unclear
  code_word: str           the candidate code word of an unlock request (never logged)
  ordinal: int             "the second one" -> 2 (1-based; -1 for "the last")
  every: bool              "both", "all of them", "на обоих", "по всем номерам": every item of the list
  msisdns: list[str]       every phone number, when more than one was given (msisdn is the first)
  services: list[str]      every service code, when more than one was named (service is the first)
  time: str                "HH:MM" when a clock time was said ("at 10", "в 15:00"), with or without a date

Entity extraction reads `ParseContext.expecting` to accept bare answers: "order_id" (a bare number),
"new_address"/"address" (the whole message as the address), "reason" (the whole message as the reason),
"code_word" (a bare reply is the code word; unasked, only "code word is X" counts),
"slot"/"ordinal"/"choice" (a bare "2").
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

SentimentLabel = Literal["negative", "neutral", "positive"]


# The intent of a message that belongs to none of the packs' intents.
OUT_OF_SCOPE = "out_of_scope"


@dataclass(slots=True)
class Sentiment:
    label: SentimentLabel = "neutral"
    anger: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return {"label": self.label, "anger": round(self.anger, 3)}


@dataclass(slots=True)
class IntentCandidate:
    intent: str
    confidence: float


@dataclass(slots=True)
class IntentSpan:
    """One request inside a message: "cancel 5512 and tell me where 5520 is" yields two spans."""

    intent: str
    confidence: float
    text: str
    entities: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class NluResult:
    text: str
    intent: str
    confidence: float
    language: str
    entities: dict[str, Any] = field(default_factory=dict)
    sentiment: Sentiment = field(default_factory=Sentiment)
    needs_clarification: bool = False
    requires_action: bool = False
    alternatives: list[IntentCandidate] = field(default_factory=list)
    spans: list[IntentSpan] = field(default_factory=list)

    def as_contract(self) -> dict[str, Any]:
        """The `POST /v1/nlu/parse` shape of CONTRACT §2, plus the per-request spans."""
        entities = {k: v for k, v in self.entities.items() if k != "code_word"}
        return {
            "intent": self.intent,
            "confidence": round(self.confidence, 4),
            "entities": entities,
            "requires_action": self.requires_action,
            "needs_clarification": self.needs_clarification,
            "language": self.language,
            "sentiment": self.sentiment.as_dict(),
            "alternatives": [
                {"intent": c.intent, "confidence": round(c.confidence, 4)} for c in self.alternatives
            ],
            "intents": [
                {
                    "intent": s.intent,
                    "confidence": round(s.confidence, 4),
                    "text": s.text,
                    "entities": {k: v for k, v in s.entities.items() if k != "code_word"},
                }
                for s in self.spans
            ],
        }


@dataclass(slots=True)
class OrderHint:
    """What entity extraction may know of the customer's orders to resolve "the headphones one"."""

    order_id: str
    date: str
    status: str
    item_names: list[str] = field(default_factory=list)


@dataclass(slots=True)
class ParseContext:
    """Customer context that sharpens understanding; every field may be empty."""

    orders: list[OrderHint] = field(default_factory=list)
    services: list[dict[str, Any]] = field(default_factory=list)  # catalog: {"code","name","monthly_fee"}
    expecting: str | None = None  # the slot or answer the agent just asked for, e.g. "answer", "new_address"
    preferred_language: str | None = None
