"""Language of a message, robust on short and transliterated messages."""

from __future__ import annotations

from pathlib import Path

import pytest

from parley.nlu.evaluate import load_labelled
from parley.nlu.language import detect_language, is_transliterated, reading_of
from parley.nlu.training import load_examples
from parley.nlu.translit import to_cyrillic

DATA = Path(__file__).parent / "data"


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
        ("chto s moim zakazom", "ru"),
        ("hochu vernut naushniki", "ru"),
        ("ne rabotaet internet uzhe tri dnya", "ru"),
        ("switch off mobile internet", "en"),
        ("my name is Ivan Petrov", "en"),
    ],
)
def test_detect_language(text: str, language: str) -> None:
    assert detect_language(text) == language


@pytest.mark.parametrize(
    "text",
    ["both", "the second one", "first", "bye", "all of them", "turn off music streaming", "top up 200"],
)
def test_short_english_answers_are_english_whatever_the_fallback(text: str) -> None:
    assert detect_language(text, fallback="ru") == "en"


@pytest.mark.parametrize("text", ["Music streaming", "Electric kettle", "ok"])
def test_names_alone_take_the_conversation_language(text: str) -> None:
    """A catalog or product name typed as an answer tells nothing: the company's names are English."""
    assert detect_language(text, fallback="ru") == "ru"


@pytest.mark.parametrize("text", ["5512", "👍", "", "   ", "+79160000001"])
def test_no_letters_takes_the_fallback(text: str) -> None:
    assert detect_language(text) == "en"
    assert detect_language(text, fallback="ru") == "ru"
    assert detect_language(text, fallback="de") == "en"


def test_english_training_and_heldout_texts_are_never_taken_for_transliterated_russian() -> None:
    """Russian borrowed "service", "mobile", "data": rendered in Cyrillic they are Russian words too."""
    texts = [r.text for r in load_labelled(DATA / "heldout_en.yaml")]
    texts += [e.text for e in load_examples(["retail", "telecom"]) if e.language == "en"]
    assert [t for t in texts if is_transliterated(t)] == []


@pytest.mark.parametrize(
    ("text", "reading"),
    [
        ("hochu vernut naushniki", "хочу вернут наушники"),
        ("ne rabotaet internet uzhe tri dnya", "не работает интернет уже три дня"),
        ("podklyuchite rouming", "подключите роуминг"),
        ("eto moy novyy adres: ulitsa Lenina 5, kv 3", "это мой новый адрес: улица Ленина 5, кв 3"),
        ("schet i esche raz den'gi", "счет и еще раз деньги"),
        ("moy email ivan.petrov@mail.ru, zvonite", "мой емаил ivan.petrov@mail.ru, звоните"),
        ("where is my order", "where is my order"),  # not transliterated: read as written
    ],
)
def test_transliterated_russian_is_read_in_cyrillic(text: str, reading: str) -> None:
    assert reading_of(text) == reading


def test_the_rendering_keeps_codes_and_reads_4_as_ch() -> None:
    assert to_cyrillic("4to s zakazom 5512a, kod A12") == "что с заказом 5512a, код A12"
