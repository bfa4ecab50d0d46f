"""Positions in a list the agent offered: "the second one", "вторую", "option 2", "the last one" (-1),
and the whole list: "both", "all of them", "на обоих", "по всем номерам" (`extract_every`).

Ordinals that are really something else are skipped: "first time", "в третий раз", "во-первых",
"first of all", "wait a second", and "the first order" (an order reference, see orders.py).
"""

from __future__ import annotations

import re

from ._common import Claims

_WORDS: dict[str, int] = {
    "first": 1,
    "1st": 1,
    "second": 2,
    "2nd": 2,
    "third": 3,
    "3rd": 3,
    "fourth": 4,
    "4th": 4,
    "fifth": 5,
    "5th": 5,
    "last": -1,
    "latter": -1,
    "former": 1,
}
_RU_STEMS: list[tuple[str, int]] = [
    ("перв", 1),
    ("втор", 2),
    ("трет", 3),
    ("четверт", 4),
    ("пят", 5),
    ("последн", -1),
]
_EN = re.compile(
    r"\b(?:the\s+)?(?P<w>first|1st|second|2nd|third|3rd|fourth|4th|fifth|5th|last|latter|former)\b"
    r"(?!\s+(?:time|of\s+all|order|purchase|parcel|week|month|day|name|thing|half|class|hand|chance|opinion))",
    re.IGNORECASE,
)
_RU = re.compile(
    r"(?<![\w-])(?P<w>(?:перв|втор|трет|четверт|пят|последн)(?:ый|ой|ий|ая|ую|ое|ого|ом|ому|ему|ым|ых|им|их|ей|ие|ь[яеию]"
    r"|ья|ье|ью|ьего|ьем|ьему|ий)?)(?![\w-])"
    r"(?!\s+(?:раз|заказ|покупк|недел|месяц|день|дн|половин|числ|очеред))",
    re.IGNORECASE,
)
_NUMBERED = re.compile(
    r"\b(?:option|number|slot|choice|variant|вариант|слот|номер|пункт)\s*(?:no\.?|№|#)?\s*(?P<n>[1-9])\b",
    re.IGNORECASE,
)


def _adverb(m: re.Match[str], text: str) -> bool:
    """ "first"/"last" meaning "before anything else"/"finally" in a sentence: no "the" before it, no "one"
    after it, and more than a short answer around it ("first one", "the first", "first please" stay)."""
    if m["w"].lower() not in {"first", "last"} or m.group(0).lower().startswith("the"):
        return False
    if re.match(r"\s*(?:one|option|slot|choice|variant)\b", text[m.end("w") :], re.IGNORECASE):
        return False
    return len(re.findall(r"\w+", text)) > 3


def extract_ordinal(text: str, claims: Claims, *, expecting: str | None = None) -> int | None:
    """1-based position, -1 for "the last", or None."""
    found: list[tuple[int, int]] = []
    for m in _EN.finditer(text):
        if claims.overlaps(m.start("w"), m.end("w")):
            continue
        before = text[max(0, m.start() - 8) : m.start()].lower()
        if m["w"].lower() == "second" and re.search(r"\b(?:a|one|just)\s*$", before):
            continue  # "wait a second"
        if m["w"].lower() in {"first", "last"} and re.search(r"\bat\s*$", before):
            continue  # "at first", "at last"
        if _adverb(m, text):
            continue  # "what's the status of it first?", "first, tell me the price"
        found.append((m.start(), _WORDS[m["w"].lower()]))
    for m in _RU.finditer(text):
        if claims.overlaps(m.start("w"), m.end("w")):
            continue
        word = m["w"].lower()
        if re.search(r"во-?\s*$", text[max(0, m.start() - 3) : m.start()].lower()):
            continue
        if word.startswith("пят") and not re.fullmatch(r"пят(?:ый|ая|ую|ое|ого|ом|ому|ой|ым)", word):
            continue  # "пять", "пятница" are not ordinals
        if word.startswith("трет") and not re.fullmatch(r"трет(?:ий|ья|ью|ье|ьего|ьем|ьему|ьей)", word):
            continue
        for prefix, value in _RU_STEMS:
            if word.startswith(prefix):
                found.append((m.start(), value))
                break
    for m in _NUMBERED.finditer(text):
        if not claims.overlaps(m.start("n"), m.end("n")):
            found.append((m.start(), int(m["n"])))
    if not found and expecting in {"slot", "ordinal", "choice", "slot_id"}:
        exact = re.fullmatch(r"\s*(?:#|№)?\s*([1-9])\s*[.!)]?\s*", text)
        if exact:
            found.append((0, int(exact.group(1))))
    if not found:
        return None
    found.sort()
    return found[0][1]


# "both"/"all of them": the whole list the agent offered or would offer. Russian "все" alone is too common
# ("все хорошо", "это все") to count unless it stands for the list: "все номера", "по всем", "на всех".
_EVERY_EN = re.compile(
    r"\b(?:both|all\s+(?:of\s+them|(?:of\s+)?(?:my\s+|the\s+|three\s+|two\s+)?(?:numbers|lines|sims|orders)"
    r"|three|two)|each\s+(?:of\s+them|one|number|line)|every\s+(?:number|line|one))\b",
    re.IGNORECASE,
)
_EVERY_RU = re.compile(
    r"(?<![\w-])(?:об[аеои]\w{0,3}|(?:по|на|для|о)\s+(?:всем|всех)|вс[еёи]\w{0,2}\s+(?:мо\w{0,3}\s+)?номер\w*"
    r"|каждо\w{0,2}\s+номер\w*|(?:по|на|для)\s+каждо\w{0,2})(?![\w-])",
    re.IGNORECASE,
)
_RU_BOTH = re.compile(r"об(?:а|е|оих|еих|оим|еим|оими|еими)$", re.IGNORECASE)


def extract_every(text: str) -> bool:
    """True when the message means every item of the list: "both", "all of them", "на обоих", "все номера"."""
    if _EVERY_EN.search(text):
        return True
    for m in _EVERY_RU.finditer(text):
        word = m.group(0).lower()
        if not word.startswith("об") or _RU_BOTH.fullmatch(word):  # "оба", not "обед", "обычно"
            return True
    return False
