"""What counts as "what can you do?": a message of its own, not a request that happens to start like one."""

import pytest

from parley.engine.dialogue import ASKS_WHAT_I_CAN_DO


@pytest.mark.parametrize(
    "text",
    [
        "what can you do?",
        "So what can you do",
        "what else can you help me with?",
        "how can you help me?",
        "what can I ask you?",
        "что ты умеешь?",
        "а что вы можете?",
        "чем вы можете мне помочь?",
        "с чем вы помогаете?",
    ],
)
def test_asks_what_the_assistant_can_do(text: str) -> None:
    assert ASKS_WHAT_I_CAN_DO.search(text)


@pytest.mark.parametrize(
    "text",
    [
        "what can you do about my order 100234?",
        "what can you do to fix my internet",
        "how can you help me with a return of the kettle?",
        "что вы можете сделать с моим заказом?",
        "чем вы можете помочь с роумингом?",
    ],
)
def test_a_request_is_not_the_question(text: str) -> None:
    assert not ASKS_WHAT_I_CAN_DO.search(text)
