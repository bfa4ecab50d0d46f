"""No input string crashes entity extraction, language detection or sentiment."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from parley.nlu.entities import extract_entities
from parley.nlu.language import detect_language
from parley.nlu.sentiment import analyze_sentiment
from parley.nlu.types import OrderHint, ParseContext

CONTEXT = ParseContext(
    orders=[OrderHint("100234", "2026-11-20", "processing", ["Electric kettle"])],
    services=[{"code": "roaming", "name": "International roaming", "monthly_fee": 150}],
)
WORDS = st.sampled_from(
    [
        "order",
        "заказ",
        "#",
        "№",
        "5512",
        "100234",
        "+7",
        "916",
        "tomorrow",
        "в",
        "субботу",
        "3",
        "декабря",
        "at",
        "10",
        ":",
        "руб",
        "$",
        "ул.",
        "Ленина",
        "address",
        "to",
        "yes",
        "нет",
        "the",
        "second",
        "one",
        "because",
        "card",
        "роуминг",
        "@",
        ".",
        ",",
        "!",
        "?",
        "\n",
        "\x00",
        "ё",
        "İ",
        "🙂",
    ]
)
MESSY = st.one_of(st.text(max_size=300), st.lists(WORDS, max_size=40).map(" ".join))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    text=MESSY,
    language=st.sampled_from(["ru", "en", "de"]),
    expecting=st.sampled_from([None, "code_word", "new_address", "reason", "order_id", "slot"]),
)
def test_nothing_crashes(text: str, language: str, expecting: str | None) -> None:
    context = ParseContext(orders=CONTEXT.orders, services=CONTEXT.services, expecting=expecting)
    entities = extract_entities(text, language, context=context)
    assert isinstance(entities, dict)
    assert detect_language(text) in {"ru", "en"}
    mood = analyze_sentiment(text, language)
    assert mood.label in {"negative", "neutral", "positive"}
    assert 0.0 <= mood.anger <= 1.0
