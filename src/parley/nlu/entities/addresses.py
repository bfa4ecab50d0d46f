"""A whole postal address out of a sentence, Russian and UK/US formats.

Addresses are found in three ways, most reliable first: after a lead-in that announces one ("change the
address to", "new address:", "доставьте на", "по адресу"); as the whole message when the agent has just
asked for an address (`context.expecting` is "new_address"/"address"); or around a street word
("Baker Street", "ул. Ленина", "Тверская улица"). The text then runs to the end of the sentence or to a
clause that is plainly not address ("please", "and cancel ...", "спасибо"). A candidate must look like
an address (a street word, a postcode, or a house number next to a name), so "deliver it to my
office" or "доставьте на 5 декабря" yield nothing.
"""

from __future__ import annotations

import re

from ._common import Claims

_STREET_WORDS = (
    r"street|st|road|rd|avenue|ave|av|lane|ln|drive|dr|boulevard|blvd|way|place|pl|square|sq|court|ct"
    r"|terrace|crescent|close|gardens|highway|hwy|parkway|pkwy|apt|apartment|suite|flat|unit|floor"
    r"|ул|улица|улице|улицу|пр-т|пр-кт|проспект[а-я]*|пер|переулок|переулке|шоссе|бульвар[а-я]*|б-р"
    r"|наб|набережная|набережной|пл|площадь|площади|проезд[а-я]*|тупик|мкр|микрорайон|д|дом|кв"
    r"|квартира|корп|корпус|стр|строение|под|подъезд|эт|этаж|г|город|обл|область|р-н|район|пос|поселок"
)
_STREET = re.compile(rf"(?<![\w-])(?:{_STREET_WORDS})(?![\w-])\.?", re.IGNORECASE)
_STRONG_STREET = re.compile(
    r"(?<![\w-])(?:street|road|avenue|lane|drive|boulevard|blvd|(?-i:Square)|st|rd|ave|apt|ул|улица|улице|пр-т|проспект"
    r"|переулок|пер|шоссе|бульвар|наб|набережная|площадь|кв|д|дом|мкр|корп)(?![\w-])",
    re.IGNORECASE,
)
_POSTCODE = re.compile(
    r"\b(?:[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2}|\d{5}(?:-\d{4})?|\d{6})\b",
)
_LEAD_STRONG = re.compile(
    r"(?:change|update|set|switch|correct|fix|move)\s+(?:the\s+|my\s+|our\s+)?(?:delivery\s+|shipping\s+)?"
    r"address\s+(?:of\s+\S+\s+|for\s+\S+(?:\s+\S+)?\s+)?to\s*:?"
    r"|(?:new|correct|right|delivery|shipping|my)\s+address(?:\s+is)?\s*[:\-—]?"
    r"|\baddress\s*(?:is|:|-|—)"
    r"|\b(?:i\s+)?(?:now\s+)?(?:live|stay|am\s+staying)\s+at"
    r"|(?:я\s+)?(?:теперь\s+)?(?:живу|проживаю)\s+(?:на|по\s+адресу|в)"
    r"|(?:to|at)\s+(?:this|the\s+following|another|a\s+new|new)\s+address\s*:?"
    r"|(?:новый|правильный|мой|наш)\s+адрес(?:\s+доставки)?\s*(?:[:\-—]|это|—)?"
    r"|адрес(?:\s+доставки)?\s*(?:[:\-—]|будет|теперь)"
    r"|(?:на|по)\s+(?:нов[а-я]+\s+)?адрес[уе]?\s*:?"
    r"|(?:измени[а-я]*|поменя[а-я]*|смени[а-я]*|исправ[а-я]*)\s+адрес(?:\s+доставки)?(?:\s+\S+){0,2}?\s+на\s*:?"
    r"|адрес(?:\s+доставки)?\s+на\s*:?",
    re.IGNORECASE,
)
_LEAD_WEAK = re.compile(
    r"\b(?:deliver|send|ship|bring|take)\b(?:\s+(?!to\b)\S+){0,3}?\s+to\s*:?"
    r"|(?:достав[а-я]*|привез[а-я]*|привез[а-я]*|отправ[а-я]*|пришл[а-я]*|верез[а-я]*)(?:\s+(?!на\b|в\b)\S+){0,3}?"
    r"\s+(?:на|в|по)\s*:?",
    re.IGNORECASE,
)
_STOP = re.compile(
    r"[?!\n]|\.(?=\s+[A-ZА-Я][a-zа-я]{2,}\s+[a-zа-я])"
    r"|[,;.]?\s+(?:please|pls|thanks?|thank\s+you|пожалуйста|спасибо|and\s+(?:also|then|cancel|change|move"
    r"|pay|return|reschedul\w*|tell|where|what|when|how|please|i|my|the|could|can|want|need|would|will|it|we"
    r"|you|they)|(?:and|но|а)\s+(?:также|еще|ещё|отмен|скаж|где|когда|перенес|измен|поменя|оплат|оплач|верн)\w*"
    r"|и\s+(?:также|еще|ещё|отмен|скаж|где|когда|перенес|измен|поменя|оплат|оплач|верн)\w*"
    r"|because|потому|since|if\s+possible|если\s+можно|by\s+(?:tomorrow|friday)|instead|вместо)\b",
    re.IGNORECASE,
)
_TRIM = " \t\"'«»“”„:;,.-—–"


_ORDER_ONLY = re.compile(
    r"(?:(?:for|of|on|in|with)\s+)?(?:my\s+|the\s+|this\s+)?(?:order|заказ[а-я]*)\s*(?:#|№|no\.?\s*)?\d+",
    re.IGNORECASE,
)


_QUESTION = re.compile(
    r"\b(?:where|what|when|how|why|which|где|когда|почему|зачем|какой|какая|сколько)\b", re.IGNORECASE
)


def _looks_like_address(candidate: str, strong: bool) -> bool:
    if not 4 <= len(candidate) <= 200 or not re.search(r"[A-Za-zА-Яа-я]", candidate):
        return False
    if _ORDER_ONLY.fullmatch(candidate.strip()):
        return False  # "the delivery address for order 100502": the order, not an address
    names_an_order = bool(_ORDER_ONLY.search(candidate)) and not _STRONG_STREET.search(candidate)
    if _QUESTION.search(candidate) or names_an_order:
        return False  # "where is my order 100488?" answers no address question
    if _POSTCODE.search(candidate) or _STRONG_STREET.search(candidate):
        return True
    has_digit = bool(re.search(r"\d", candidate))
    has_name = bool(re.search(r"(?<![\w])[A-ZА-Я][a-zа-я]{2,}", candidate))
    if strong:
        return has_digit or (has_name and "," in candidate)
    return has_digit and has_name and bool(_STREET.search(candidate) or "," in candidate)


# What may stand between an address lead-in and the address: "(the delivery address) for my last order to".
_ORDER_BRIDGE = re.compile(
    r"(?:for|of|on)\s+(?:my\s+|the\s+|this\s+|that\s+)?(?:\w+\s+){0,2}?(?:order|purchase|parcel|delivery)"
    r"(?:\s*(?:#|№|no\.?)?\s*\d+)?\s+(?:to\b|:)\s*"
    r"|(?:для|у|по)\s+(?:моего\s+|этого\s+)?(?:\w+\s+)?заказ[а-я]*(?:\s*(?:#|№)?\s*\d+)?\s+на\b\s*",
    re.IGNORECASE,
)


def _cut(text: str, start: int) -> tuple[int, int] | None:
    bridge = _ORDER_BRIDGE.match(text, start + len(text[start:]) - len(text[start:].lstrip()))
    if bridge:
        start = bridge.end()
    m = _STOP.search(text, start)
    end = m.start() if m else len(text)
    while start < end and text[start] in _TRIM:
        start += 1
    while end > start and text[end - 1] in _TRIM:
        end -= 1
    if end > start and text[end - 1] == "." and re.search(r"(?:\b\w{1,4})\.$", text[start:end]):
        end -= 0  # keep "St." / "д." abbreviations as written
    return (start, end) if end > start else None


def _anchor_start(text: str, pos: int) -> int:
    """Walk back from a street word over the house number, the street name, and "City," or "Flat 4," parts."""
    start = pos
    base = max(0, pos - 80)
    head = text[base:pos]
    m = re.search(
        r"(?:(?<![\w])\d+[A-Za-zА-Яа-я]?(?:[/-]\d+)?\s+)?(?:(?<![\w])[A-ZА-Я0-9][\w'-]*\s+){0,3}$", head
    )
    if m:
        start = base + m.start()
    for _ in range(3):
        window = max(0, start - 40)
        m = re.search(
            r"(?:(?<![\w])(?:[A-ZА-Я][\w-]+|\d{5,6})\s*,\s*"
            r"|(?<![\w])(?i:flat|apt|apartment|unit|suite|кв|квартира)\.?\s*[\w/-]{1,6}\s*,\s*)$",
            text[window:start],
        )
        if not m:
            break
        start = window + m.start()
    return start


# A message that only corrects a part of an address just given: "no wait, house 11", "sorry, flat 14, not 4".
# (Russian "дом 7" / "кв. 12" are street words already; English "house"/"flat" are not, being common words.)
_PART_CORRECTION = re.compile(
    r"^\W*(?:(?:no|nope|sorry|oh|oops|wait|actually)\b\W*)*"
    r"(?P<part>(?:house|flat|apartment|apt)\.?\s*(?:#|no\.?)?\s*\d+[a-z]?(?:\s*,?\s*not\s+\d+[a-z]?)?)\W*$",
    re.IGNORECASE,
)


def extract_address(text: str, claims: Claims, expecting: str | None = None) -> str | None:
    """The address text as written, lead-in words and trailing politeness removed."""
    if part := _PART_CORRECTION.match(text):
        claims.add(part.start("part"), part.end("part"))
        return part.group("part")
    spans: list[tuple[int, int, bool]] = []
    for m in _LEAD_STRONG.finditer(text):
        spans.append((m.end(), 0, True))
    for m in _LEAD_WEAK.finditer(text):
        spans.append((m.end(), 0, False))
    spans.sort()
    for start, _, strong in spans:
        cut = _cut(text, start)
        if cut and _valid(text, cut, claims, strong):
            claims.add(*cut)
            return text[cut[0] : cut[1]]
    if expecting in {"new_address", "address", "delivery_address"}:
        lead = re.match(
            r"\s*(?:(?:ok|okay|sure|yes|да|хорошо|конечно|ладно)[,.!]?\s+)?(?:it'?s|it\s+is|это|вот)?\s*:?"
            r"(?:\s*(?:to|at|на|по\s+адресу)\s+)?",  # "yes, to Moscow, Tverskaya 10, apt 5"
            text,
            re.IGNORECASE,
        )
        cut = _cut(text, lead.end() if lead else 0)
        if cut and _valid(text, cut, claims, True):
            claims.add(*cut)
            return text[cut[0] : cut[1]]
    for n, m in enumerate(_STRONG_STREET.finditer(text)):
        if n >= 4:
            break
        if claims.overlaps(m.start(), m.end()):
            continue
        start = _anchor_start(text, m.start())
        cut = _cut(text, start)
        if cut and cut[0] <= m.start() and _valid(text, cut, claims, False):
            claims.add(*cut)
            return text[cut[0] : cut[1]]
    return None


# "the delivery address on 100301", "адрес доставки по заказу 100301": which order's address, not the address
_ORDER_ONLY = re.compile(
    r"^(?:on|for|of|in|to|для|по|у|в)?\s*(?:(?:the\s+)?order|заказ[а-я]*)?\s*(?:no\.?|number|номер|№|#)?\s*\d{3,}\W*$",
    re.IGNORECASE,
)


def _valid(text: str, cut: tuple[int, int], claims: Claims, strong: bool) -> bool:
    start, end = cut
    if claims.covered(start, end) > (end - start) // 2:
        return False  # mostly a date or a phone number, not an address
    if _ORDER_ONLY.match(text[start:end].strip()):
        return False
    return _looks_like_address(text[start:end], strong)
