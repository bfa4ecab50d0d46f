"""The per-turn scratchpad, handed to the graph as its runtime context.

Only what must survive the turn goes into the checkpointed `ConversationState`; the loaded customer
context, the understanding result and the plan live here and die with the turn. That keeps the
checkpoint small and the cost of a turn independent of the conversation's length.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from parley.packs.base import Outcome, Reply

if TYPE_CHECKING:
    from parley.engine.runtime import Runtime
    from parley.nlu.types import NluResult
    from parley.packs.base import CustomerContext


CODE_WORD_REDACTED = "[code word hidden]"


@dataclass(slots=True)
class InboundMessage:
    session_id: str
    customer_id: str
    text: str
    channel: str = "web_chat"
    message_id: str | None = None


@dataclass(slots=True)
class Step:
    """One item of the turn's plan: a reply to word, or an action to run and then word by its outcome."""

    reply: Reply | None = None
    action: str | None = None
    params: dict[str, Any] = field(default_factory=dict)
    idempotency_key: str = ""
    outcome: Outcome | None = None
    retry_pending: dict[str, Any] | None = None  # asked again if this attempt fails (code words)


@dataclass(slots=True)
class Turn:
    message: InboundMessage
    runtime: Runtime
    at: str
    language: str = "en"
    context: CustomerContext | None = None
    nlu: NluResult | None = None
    plan: list[Step] = field(default_factory=list)
    texts: list[dict[str, Any]] = field(default_factory=list)  # rendered replies: {"text", "quick_replies"}
    executed: list[dict[str, Any]] = field(default_factory=list)  # actions run this turn (contract shape)
    escalation: dict[str, Any] | None = None

    @property
    def customer_text(self) -> str:
        """The customer's message as it may be stored and shown: a code word never is."""
        if self.nlu is not None and self.nlu.entities.get("code_word"):
            return CODE_WORD_REDACTED
        return self.message.text

    @property
    def plan_has_actions(self) -> bool:
        return any(step.action for step in self.plan)

    def say(self, key: str, quick_replies: list[str] | None = None, **vars: Any) -> None:
        self.plan.append(Step(reply=Reply(key, vars, quick_replies or [])))
