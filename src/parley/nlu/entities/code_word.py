"""The candidate code word of a number-unlock request, when the agent has just asked for it.

The message is stripped of lead-ins ("my code word is", "кодовое слово —", "it's") and quotes; what
remains counts only if it is short (at most three words) and is not a refusal ("I forgot", "не помню"),
so that a customer who cannot remember does not burn an attempt. This module never logs anything:
the value is a secret.
"""

from __future__ import annotations

import re

_LEAD = re.compile(
    r"^\s*(?:(?:ok|okay|sure|yes|yeah|да|хорошо|ладно|конечно)[,.!]?\s+)?"
    r"(?:(?:my|the|our)\s+)?(?:code\s*-?\s*word|codeword|secret\s+word|password|passphrase"
    r"|(?:мо[её]|наше)?\s*кодов[а-я]*\s+слов[а-я]*|секретн[а-я]*\s+слов[а-я]*|пароль)?"
    r"\s*(?:is|was|would\s+be|:|-|—|–|=|это|будет)?\s*"
    r"(?:it'?s|it\s+is|this\s+is|это)?\s*[:\-—–]?\s*",
    re.IGNORECASE,
)
_REFUSAL = re.compile(
    r"\b(?:forgot|forget|don'?t\s+(?:remember|know|recall)|no\s+idea|can'?t\s+remember|not\s+sure|what|why"
    r"|how|help|operator|human|забыл[а-я]*|не\s+помню|не\s+знаю|не\s+уверен[а-я]*|какое|зачем|почему|как"
    r"|оператор[а-я]*|помогите|i\s+don'?t|нет|no"
    # a sentence, not a secret: "перезагрузил, не помогло", "still not working", "didn't help"
    r"|не|not|\w+n'?t|still|вс[её]\s+равно|тоже|опять|again)\b",
    re.IGNORECASE,
)
_TRAIL = re.compile(r"[\s,.!;]*(?:please|thanks?|thank\s+you|пожалуйста|спасибо)?[\s,.!;]*$", re.IGNORECASE)
_QUOTES = "\"'«»“”„`"


def extract_code_word(text: str) -> str | None:
    """The code word candidate as written (quotes and lead-ins removed), or None."""
    if len(text) > 200 or "?" in text:
        return None
    rest = text[_LEAD.match(text).end() :] if _LEAD.match(text) else text  # type: ignore[union-attr]
    rest = _TRAIL.sub("", rest).strip().strip(_QUOTES).strip()
    if not rest or _REFUSAL.search(rest):
        return None
    if len(rest.split()) > 3 or not re.search(r"\w", rest):
        return None
    return rest


_EXPLICIT = re.compile(
    r"(?:code\s*-?\s*word|codeword|secret\s+word|кодов[а-я]*\s+слов[а-я]*|секретн[а-я]*\s+слов[а-я]*)"
    r"\s*(?:is|:|-|—|–|=|это)?\s*[\"'«“„]?(?P<word>[^\s,.!?;\"'»”]+(?:\s+[^\s,.!?;\"'»”]+){0,2}?)"
    r"[\"'»”]?\s*(?:$|[,.!?;]|\s+(?:please|thanks|пожалуйста|спасибо)\b)",
    re.IGNORECASE,
)


def extract_explicit_code_word(text: str) -> str | None:
    """A code word the customer volunteers unasked: "unlock my number, code word is Sunflower"."""
    if len(text) > 300:
        return None
    m = _EXPLICIT.search(text)
    if not m or _REFUSAL.search(m["word"]):
        return None
    return m["word"]
