"""A customer who changes their mind while still in the operator queue gets the agent back; once an operator
has taken the conversation, it stays with the operator."""

from __future__ import annotations

from typing import Any

import pytest

from parley.engine.turn import InboundMessage

BOTH_DATABASES = pytest.mark.parametrize(
    "factory", ["make_system", pytest.param("make_pg_system", marks=pytest.mark.postgres)]
)


@BOTH_DATABASES
def test_never_mind_in_the_queue_withdraws_and_serves_the_rest(factory: str, request: Any) -> None:
    system = request.getfixturevalue(factory)()
    handle = system.engine.handle
    first = handle(InboundMessage("s-w", "C-1004", "I'd like to speak to a human"))
    assert first["escalated"] is True
    escalation = system.runtime.conversations.open_escalation("s-w")
    assert escalation is not None and escalation["status"] == "open"

    back = handle(InboundMessage("s-w", "C-1004", "actually never mind, where is my order 100502?"))
    assert [a["action"] for a in back["actions"]] == ["withdraw_escalation", "get_order_status"]
    assert back["escalated"] is False
    assert "cancelled the request for an operator" in back["replies"][0]["text"]
    assert system.runtime.conversations.open_escalation("s-w") is None
    assert system.runtime.conversations.get_escalation(escalation["id"])["status"] == "returned"
    assert system.engine.conversation("s-w")["escalated"] is False

    again = handle(InboundMessage("s-w", "C-1004", "where is 100488?"))
    assert [a["action"] for a in again["actions"]] == ["get_order_status"]


def test_once_an_operator_has_the_conversation_it_stays_with_them(make_system: Any) -> None:
    system = make_system()
    handle = system.engine.handle
    handle(InboundMessage("s-t", "C-1001", "позовите оператора"))
    escalation = system.runtime.conversations.open_escalation("s-t")
    system.runtime.conversations.set_escalation_status(escalation["id"], "assigned", assigned_to="op-1")

    result = handle(InboundMessage("s-t", "C-1001", "я передумал, не надо оператора"))
    assert result["actions"] == [] and result["escalated"] is True
    assert system.runtime.conversations.get_escalation(escalation["id"])["status"] == "assigned"


def test_a_message_that_asks_for_a_person_again_withdraws_nothing(make_system: Any) -> None:
    system = make_system()
    handle = system.engine.handle
    handle(InboundMessage("s-a", "C-1002", "operator please"))
    result = handle(InboundMessage("s-a", "C-1002", "never mind the bot, get me a human now"))
    assert result["actions"] == [] and result["escalated"] is True
