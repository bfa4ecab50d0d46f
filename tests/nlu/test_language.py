"""Language of a message, robust on short and transliterated messages."""

from __future__ import annotations

import pytest

from parley.nlu.language import detect_language


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("ok", "en"),
        ("да", "ru"),
        ("where is my order?", "en"),
        ("где мой заказ?", "ru"),
        ("мой order 5512", "ru"),
        ("privet, gde moy zakaz", "ru"),
        ("zakaz 5512 otmenite pozhaluysta", "ru"),
        ("spasibo", "ru"),
        ("I live on Lenina street in Moskva", "en"),
        ("Hello", "en"),
        ("OK спасибо", "ru"),
    ],
)
def test_detect_language(text: str, language: str) -> None:
    assert detect_language(text) == language


@pytest.mark.parametrize("text", ["5512", "👍", "", "   ", "+79160000001"])
def test_no_letters_takes_the_fallback(text: str) -> None:
    assert detect_language(text) == "en"
    assert detect_language(text, fallback="ru") == "ru"
    assert detect_language(text, fallback="de") == "en"
