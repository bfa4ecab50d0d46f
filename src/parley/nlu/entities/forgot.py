""" "I forgot my code word": a customer who cannot give the code word is sent to an operator or an
office, never given the word — and must not burn an unlock attempt by saying so.

Detection is a small phrase list: a forgetting verb near a mention of the code word (or, when the
agent has just asked for the code word, a bare "I forgot" / "не помню").
"""

from __future__ import annotations

import re

_FORGOT = (
    r"(?:forgot|forgotten|forget|don'?t\s+(?:remember|recall|know)|do\s+not\s+(?:remember|recall|know)"
    r"|can'?t\s+(?:remember|recall)|cannot\s+(?:remember|recall)|lost|no\s+idea\s+(?:what|of)"
    r"|забыл[а-я]*|не\s+помн[а-я]*|не\s+могу\s+вспомнить|не\s+знаю|потерял[а-я]*|не\s+вспомн[а-я]*)"
)
_WORD = (
    r"(?:code\s*-?\s*word|codeword|secret\s+word|password|passphrase|кодов[а-я]*\s+слов[а-я]*"
    r"|секретн[а-я]*\s+слов[а-я]*|пароль|кодовое)"
)
_WITH_WORD = re.compile(rf"{_FORGOT}(?:\W+\w+){{0,4}}?\W+{_WORD}|{_WORD}(?:\W+\w+){{0,4}}?\W+{_FORGOT}", re.I)
_BARE = re.compile(rf"^\W*(?:i\s+|я\s+|sorry,?\s+|извините,?\s+)?{_FORGOT}(?:\s+(?:it|его))?\W*$", re.I)


def extract_forgot_code_word(text: str, expecting: str | None) -> bool:
    """True when the message says the customer does not know their code word."""
    head = text[:300]
    if _WITH_WORD.search(head):
        return True
    return expecting == "code_word" and bool(_BARE.search(head))
