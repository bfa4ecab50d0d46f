"""Money amounts with their currency: "500 рублей", "₽500", "$20", "20 euros", "£10", "сто рублей".

A number becomes an amount only next to a currency sign or word, or after a top-up/payment verb
("пополнить на 500", "top up 300"): a bare number is left for order numbers.
"""

from __future__ import annotations

import re
from typing import Any

from ._common import Claims, number_words_before

_NUM = r"\d{1,3}(?:[ \u00a0\u202f,]\d{3}){1,4}(?:[.,]\d{1,2})?|\d+(?:[.,]\d{1,2})?"
_CUR_WORDS: list[tuple[str, str]] = [
    ("RUB", r"руб(?:л[а-я]*)?\.?|р\.?|₽|rub(?:les?)?|roubles?|rur"),
    ("USD", r"доллар[а-я]*|бакс[а-я]*|\$|usd|dollars?|bucks?"),
    ("EUR", r"евро|€|eur(?:os?)?"),
    ("GBP", r"фунт[а-я]*(?:\s+стерлинг[а-я]*)?|£|gbp|pounds?(?:\s+sterling)?|quid"),
]
_SYMBOLS = {"₽": "RUB", "$": "USD", "€": "EUR", "£": "GBP"}
_AFTER = "|".join(f"(?P<{code}>{pat})" for code, pat in _CUR_WORDS)
# number followed by a currency: "500 руб", "20 euros", "1 000,50 ₽", "500р"
_NUM_CUR = re.compile(rf"(?<![\w.,])(?P<num>{_NUM})\s*(?:{_AFTER})(?![a-zа-я])", re.IGNORECASE)
# currency sign or code before the number: "$20", "₽ 500", "EUR 30", "USD20"
_CUR_NUM = re.compile(rf"(?P<sym>[₽$€£]|\b(?:usd|eur|rub|gbp)\b)\s*(?P<num>{_NUM})(?![\d])", re.IGNORECASE)
# number words followed by a currency word: "сто рублей", "twenty dollars"
_CUR_ONLY = re.compile(rf"(?<![\w])(?:{_AFTER})(?![a-zа-я])", re.IGNORECASE)
# a payment verb followed by a bare number: "пополнить на 500", "top up by 300", "оплатить 1200"; not "pay for
# 100260 with cash": a long number one pays *for* is the order's, left for order numbers
_VERB_NUM = re.compile(
    r"\b(?:пополн[а-я]*|закин[а-я]*|положи[а-я]*|оплат[а-я]*|заплат[а-я]*|top(?:\s|-)?up|pay|add|put)"
    r"(?:\s+(?:счет|баланс|balance|account|my|мой|мне|me|it|the))*"
    rf"\s+(?:на|by|with|for(?!\s*\d{{5}}))?\s*(?P<num>{_NUM})(?![\d.,]*\s*(?:%|gb|mb|гб|мб|минут|min|sms|смс))",
    re.IGNORECASE,
)


def _value(raw: str) -> float:
    cleaned = re.sub(r"[ \u00a0\u202f]", "", raw)
    if re.fullmatch(r"\d{1,3}(?:,\d{3})+(?:\.\d{1,2})?", cleaned):
        cleaned = cleaned.replace(",", "")
    return float(cleaned.replace(",", "."))


def _code(m: re.Match[str]) -> str | None:
    for code, _ in _CUR_WORDS:
        if m.groupdict().get(code):
            return code
    return None


def extract_amount(text: str, claims: Claims) -> dict[str, Any] | None:
    """The first money amount as {"value": float, "currency": "RUB|EUR|USD|GBP" or None}."""
    found: list[tuple[int, int, float, str | None]] = []
    for m in _NUM_CUR.finditer(text):
        found.append((m.start(), m.end(), _value(m.group("num")), _code(m)))
    for m in _CUR_NUM.finditer(text):
        sym = m.group("sym")
        code = _SYMBOLS.get(sym) or sym.upper()
        found.append((m.start(), m.end(), _value(m.group("num")), code))
    if not found:
        for m in _CUR_ONLY.finditer(text):
            words = number_words_before(text, m.start())
            if words is not None:
                found.append((words[1], m.end(), float(words[0]), _code(m)))
    if not found:
        for m in _VERB_NUM.finditer(text):
            if not claims.overlaps(m.start("num"), m.end("num")):
                found.append((m.start("num"), m.end("num"), _value(m.group("num")), None))
    found = [f for f in found if not claims.overlaps(f[0], f[1])]
    if not found:
        return None
    found.sort()
    start, end, value, currency = found[0]
    for s, e, *_ in found:
        claims.add(s, e)
    return {"value": value, "currency": currency}
