"""Transliterated Russian ("gde moy zakaz", "hochu vernut naushniki") back into Cyrillic letters.

People without a Cyrillic keyboard write Russian in Latin letters, each in their own convention
(ya/ia, kh/h, shch/sch, y for ы and й). The classifier's training examples, its character n-grams and
the encoder all know Russian in Cyrillic; the same words in Latin letters look like nothing they have
seen (the held-out translit set scored 56% before this step). So a message that `language.py` judges to
be transliterated Russian is read through its Cyrillic rendering; the customer's own text is kept as
written everywhere else (transcript, code words, e-mail addresses).

The rendering is approximate on purpose — "vernut" becomes "вернут", not "вернуть" — close enough for
character n-grams and the encoder. The `transliterate` package (PyPI) was measured first: its reverse
mapping for Russian turned "dnya" into "дныа", "khochu" into "кхочу" and "podklyuchite" into
"подклыучите", so the mapping here is a table of the informal conventions instead.
"""

from __future__ import annotations

import re

# Longest first: a greedy scan tries 4-, 3-, 2- then 1-letter keys at each position.
_MULTI: dict[str, str] = {
    "shch": "щ",
    "tsya": "тся",
    "sch": "щ",
    "zh": "ж",
    "kh": "х",
    "ch": "ч",
    "sh": "ш",
    "ts": "ц",
    "ya": "я",
    "yu": "ю",
    "yo": "ё",
    "ye": "е",
    "ja": "я",
    "ju": "ю",
    "jo": "ё",
}
_SINGLE: dict[str, str] = {
    "a": "а",
    "b": "б",
    "c": "ц",
    "d": "д",
    "e": "е",
    "f": "ф",
    "g": "г",
    "h": "х",
    "i": "и",
    "j": "й",
    "k": "к",
    "l": "л",
    "m": "м",
    "n": "н",
    "o": "о",
    "p": "п",
    "q": "к",
    "r": "р",
    "s": "с",
    "t": "т",
    "u": "у",
    "v": "в",
    "w": "ш",
    "x": "х",
    "z": "з",
    "'": "ь",
    "4": "ч",
}
_VOWELS = frozenset("аеёиоуыэюя")
# Words whose usual spelling the table gets wrong: "schet" is счёт (not щет), "eto" is это.
_WORD_STARTS: tuple[tuple[str, str], ...] = (("schet", "счет"), ("schyot", "счет"), ("et", "эт"))
# Latin words: letters with an optional apostrophe; "4to" (что) counts, other digits keep a token as is.
_TOKEN = re.compile(r"[A-Za-z4']+")
_HAS_LETTER = re.compile(r"[A-Za-z]")
# Kept exactly as written: e-mail addresses and links.
_VERBATIM = re.compile(r"\S+@\S+|\b(?:https?://|www\.)\S+", re.IGNORECASE)


def to_cyrillic(text: str) -> str:
    """The Cyrillic rendering of a transliterated message; digits, e-mail addresses and links are kept."""
    parts: list[str] = []
    last = 0
    for kept in _VERBATIM.finditer(text):
        parts.append(_TOKEN.sub(_convert_match, text[last : kept.start()]))
        parts.append(kept.group(0))
        last = kept.end()
    parts.append(_TOKEN.sub(_convert_match, text[last:]))
    return "".join(parts)


def _convert_match(match: re.Match[str]) -> str:
    word = match.group(0)
    start, end = match.span()
    touches_digit = (start and match.string[start - 1].isdigit()) or (
        end < len(match.string) and match.string[end].isdigit()
    )
    if touches_digit or not _HAS_LETTER.search(word):
        return word  # a code or a number like "5512a", "A12"
    return _convert_word(word)


def _convert_word(word: str) -> str:
    lower = word.lower()
    out: list[str] = []
    i = 0
    for start, cyrillic in _WORD_STARTS:
        if lower.startswith(start):
            out.append(cyrillic)
            i = len(start)
            break
    while i < len(lower):
        for size in (4, 3, 2):
            chunk = lower[i : i + size]
            if len(chunk) == size and chunk in _MULTI:
                out.append(_MULTI[chunk])
                i += size
                break
        else:
            letter = lower[i]
            if letter == "y":
                # й after a vowel ("moy", "novyy"), ы after a consonant ("vy", "byl")
                out.append("й" if out and out[-1][-1] in _VOWELS else "ы")
            else:
                out.append(_SINGLE.get(letter, letter))
            i += 1
    converted = "".join(out)
    return converted.capitalize() if word[:1].isupper() else converted
