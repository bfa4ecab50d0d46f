from __future__ import annotations

import pytest

from parley.nlu.entities import extract_entities


@pytest.mark.parametrize(
    ("text", "language", "expecting"),
    [
        ("I forgot my code word", "en", None),
        ("I don't remember the code word", "en", "code_word"),
        ("не помню кодовое слово", "ru", None),
        ("забыла кодовое слово", "ru", "code_word"),
        ("не помню", "ru", "code_word"),
        ("I forgot", "en", "code_word"),
    ],
)
def test_forgot_code_word(text: str, language: str, expecting: str | None) -> None:
    from parley.nlu.types import ParseContext

    out = extract_entities(text, language, context=ParseContext(expecting=expecting))
    assert out.get("forgot_code_word") is True and "code_word" not in out


@pytest.mark.parametrize("text", ["sunflower", "my code word is maple", "I forgot my umbrella at home"])
def test_not_forgot(text: str) -> None:
    from parley.nlu.types import ParseContext

    assert "forgot_code_word" not in extract_entities(text, "en", context=ParseContext(expecting="code_word"))
