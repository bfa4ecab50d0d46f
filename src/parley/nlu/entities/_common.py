"""Small shared pieces of entity extraction: occupied spans, text folding, number words.

Extractors run in a fixed order and *claim* the character spans they consumed, so that a later, greedier
extractor (bare order numbers) never re-reads the digits of a phone number, a date or a house number.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

MAX_TEXT = 2000  # understanding reads the start of very long messages only; keeps worst-case latency bounded


def fold(text: str) -> str:
    """ё→е (same length), so one regex covers both spellings and spans stay aligned with the original."""
    return text.replace("ё", "е").replace("Ё", "Е")


@dataclass(slots=True)
class Claims:
    """Character spans already consumed by an extractor."""

    spans: list[tuple[int, int]] = field(default_factory=list)

    def add(self, start: int, end: int) -> None:
        if end > start:
            self.spans.append((start, end))

    def overlaps(self, start: int, end: int) -> bool:
        return any(s < end and start < e for s, e in self.spans)

    def covered(self, start: int, end: int) -> int:
        """How many characters of [start, end) are already claimed."""
        total = 0
        for s, e in self.spans:
            lo, hi = max(s, start), min(e, end)
            if hi > lo:
                total += hi - lo
        return total


_UNITS = {
    # en
    "zero": 0,
    "one": 1,
    "a": 1,
    "an": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "thirteen": 13,
    "fourteen": 14,
    "fifteen": 15,
    "sixteen": 16,
    "seventeen": 17,
    "eighteen": 18,
    "nineteen": 19,
    "couple": 2,
    # ru
    "ноль": 0,
    "один": 1,
    "одна": 1,
    "одну": 1,
    "одно": 1,
    "одного": 1,
    "два": 2,
    "две": 2,
    "двух": 2,
    "три": 3,
    "трех": 3,
    "четыре": 4,
    "четырех": 4,
    "пять": 5,
    "пяти": 5,
    "шесть": 6,
    "шести": 6,
    "семь": 7,
    "семи": 7,
    "восемь": 8,
    "восьми": 8,
    "девять": 9,
    "девяти": 9,
    "десять": 10,
    "десяти": 10,
    "одиннадцать": 11,
    "двенадцать": 12,
    "тринадцать": 13,
    "четырнадцать": 14,
    "пятнадцать": 15,
    "шестнадцать": 16,
    "семнадцать": 17,
    "восемнадцать": 18,
    "девятнадцать": 19,
    "пару": 2,
    "пара": 2,
    "полтора": 1.5,
    "полторы": 1.5,
}
_TENS = {
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fifty": 50,
    "sixty": 60,
    "seventy": 70,
    "eighty": 80,
    "ninety": 90,
    "двадцать": 20,
    "тридцать": 30,
    "сорок": 40,
    "пятьдесят": 50,
    "шестьдесят": 60,
    "семьдесят": 70,
    "восемьдесят": 80,
    "девяносто": 90,
}
_HUNDREDS = {
    "сто": 100,
    "двести": 200,
    "триста": 300,
    "четыреста": 400,
    "пятьсот": 500,
    "шестьсот": 600,
    "семьсот": 700,
    "восемьсот": 800,
    "девятьсот": 900,
}
_SCALES = {"hundred": 100, "thousand": 1000, "тысяча": 1000, "тысячи": 1000, "тысяч": 1000, "тысячу": 1000}
_FILLERS = {"and", "of"}

NUMBER_WORDS = set(_UNITS) | set(_TENS) | set(_HUNDREDS) | set(_SCALES)
_NUM_WORD_RE = re.compile(r"[a-zа-я]+(?:-[a-zа-я]+)?", re.IGNORECASE)


def words_to_number(words: list[str]) -> float | None:
    """Value of a run of number words ("twenty five", "сто пятьдесят", "две тысячи"), None if not a number."""
    if not words:
        return None
    total = 0.0
    current = 0.0
    seen = False
    for raw in words:
        for w in raw.lower().split("-"):
            if w in _FILLERS and seen:
                continue
            if w in _UNITS:
                current += _UNITS[w]
            elif w in _TENS:
                current += _TENS[w]
            elif w in _HUNDREDS:
                current += _HUNDREDS[w]
            elif w in _SCALES:
                scale = _SCALES[w]
                if scale == 100:
                    current = (current or 1) * 100
                else:
                    total += (current or 1) * scale
                    current = 0
            else:
                return None
            seen = True
    return total + current if seen else None


def number_words_before(text: str, end: int, max_words: int = 4) -> tuple[float, int] | None:
    """The number spelled in words immediately before position `end`: (value, start) or None."""
    tokens = list(_NUM_WORD_RE.finditer(text, max(0, end - 60), end))
    best: tuple[float, int] | None = None
    run: list[re.Match[str]] = []
    for tok in reversed(tokens):
        gap = text[tok.end() : (run[0].start() if run else end)]
        if gap.strip():
            break
        if tok.group(0).lower() not in NUMBER_WORDS and tok.group(0).lower() not in _FILLERS:
            break
        run.insert(0, tok)
        if len(run) > max_words:
            break
        value = words_to_number([t.group(0) for t in run])
        if value is not None and run[0].group(0).lower() not in _FILLERS:
            best = (value, run[0].start())
    return best
