"""Sentiment label and anger score."""

from __future__ import annotations

import pytest

from parley.nlu.sentiment import analyze_sentiment


@pytest.mark.parametrize(
    "text",
    [
        "Where is my order?",
        "Где мой заказ?",
        "ok",
        "да",
        "change the address please",
        "turn it on again",
        "включите снова",
        "I had enough time to check",
        "",
        "Здравствуйте! Заказ 100234 должен был прийти вчера, где он?",
    ],
)
def test_neutral(text: str) -> None:
    result = analyze_sentiment(text, "en")
    assert result.label == "neutral"
    assert result.anger == 0.0


@pytest.mark.parametrize(
    "text",
    [
        "Thanks!!!",
        "спасибо, всё отлично",
        "Great service, thank you",
        "Отличный сервис, спасибо большое!",
        "not bad at all",
    ],
)
def test_positive_without_anger(text: str) -> None:
    result = analyze_sentiment(text, "en")
    assert result.label == "positive"
    assert result.anger == 0.0


@pytest.mark.parametrize(
    "text",
    [
        "This is terrible, where is my order!!!",
        "WHERE IS MY ORDER",
        "сколько можно ждать?!",
        "уйду к другому оператору",
        "I'll switch to another provider",
        "you are idiots",
        "this is the third time I'm writing about this",
        "блин, опять не работает интернет",
        "thanks for nothing",
        "THIS IS UNACCEPTABLE. my order is late AGAIN",
        "I'm done with you people, worst service ever!!!",
        "you guys are useless",
        "опять задержали доставку",
        "надоели ваши смс",
    ],
)
def test_angry(text: str) -> None:
    result = analyze_sentiment(text, "en")
    assert result.label == "negative"
    assert result.anger >= 0.45


@pytest.mark.parametrize(
    "text",
    [
        "speak to a human NOW this is ridiculous",
        "это безобразие, немедленно соедините с оператором",
        "This is unacceptable, I want a refund right now",
    ],
)
def test_outrage_and_demands_count_as_angry(text: str) -> None:
    """Angry enough for the calmer register and a higher escalation priority (policy.escalation.ANGRY)."""
    from parley.policy.escalation import ANGRY

    assert analyze_sentiment(text, "en").anger >= ANGRY


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("u have my money and no parcel wtf", "negative"),  # "no parcel" does not flip "wtf"
        ("not very good", "negative"),
        ("не очень хорошо", "negative"),
        ("no problem, thanks", "positive"),
        ("ur courier was super rude to me", "negative"),  # "super" intensifies here, it does not praise
        ("курьер мне нагрубил", "negative"),
        ("tell me a joke", "neutral"),
        ("Супер, спасибо!", "positive"),
    ],
)
def test_words_count_only_in_their_sense(text: str, label: str) -> None:
    assert analyze_sentiment(text, "en").label == label


def test_anger_grows_with_cues() -> None:
    mild = analyze_sentiment("I'm disappointed", "en")
    strong = analyze_sentiment("I'm disappointed!!! You are idiots, I'll switch to another provider", "en")
    assert mild.label == "negative"
    assert 0.0 < mild.anger < strong.anger <= 1.0


def test_deterministic_and_serialisable() -> None:
    first = analyze_sentiment("Сколько можно ждать, уже третий раз пишу!", "ru")
    assert first == analyze_sentiment("Сколько можно ждать, уже третий раз пишу!", "ru")
    assert first.as_dict()["label"] == "negative"
