"""Order numbers ("order 100234", "#5512", "заказ №100234", "заказы 5512 и 5520") and references to
orders by position ("my last order", "первый заказ", "the other one", "предыдущий").

Numbers already claimed by a phone number, a date, an amount or an address are skipped, and a bare
number counts only when it is 4-8 digits and is not followed by a unit ("500 mb", "2026 year").
"""

from __future__ import annotations

import re

from ._common import Claims

_KEYWORD = (
    r"(?:orders?|order\s+(?:number|no\.?|id|#)|заказ[а-я]*|номер\s+заказа|посылк[а-я]*|отправлени[а-я]*"
    r"|purchase|parcel|package|shipment)"
)
_ID = r"[A-Za-z]{0,3}-?\d{3,10}"
_EXPLICIT = re.compile(
    rf"(?:\b{_KEYWORD}\s*(?:is|was|под|с|no\.?|number|номер|nr\.?)?\s*[#№]?\s*[:\-]?\s*|[#№]\s*)"
    rf"(?P<id>(?<![\w])\d{{3,10}}(?![\d]))"
    rf"(?P<more>(?:\s*(?:,|and|&|и|or|или|plus|а\s+также)\s*[#№]?\s*\d{{3,10}}(?![\d]))*)",
    re.IGNORECASE,
)
_PREFIXED = re.compile(
    rf"\b{_KEYWORD}\s*[#№]?\s*[:\-]?\s*(?P<id>[A-Za-z]{{1,3}}-?\d{{3,10}})\b", re.IGNORECASE
)
_BARE = re.compile(
    r"(?<![\w+.,:/#№-])(?P<id>\d{4,8})(?![\w.,:/-]?\d)"
    r"(?!\s*(?:%|gb|mb|kb|гб|мб|кб|min|mins|minutes|минут[а-я]*|sms|смс|руб|р\b|rub|usd|eur|₽|\$|€|years?|год[а-я]*|г\.)|"
    r"\s*(?:am|pm)\b)",
    re.IGNORECASE,
)
_YEAR = re.compile(r"(?:19|20)\d\d")
_MORE_NUM = re.compile(r"\d{3,10}")

_REFS: list[tuple[str, re.Pattern[str]]] = [
    (
        "last",
        re.compile(
            r"\b(?:(?:the\s+|my\s+)?(?:last|latest|most\s+recent|newest|recent)\s+(?:order|purchase|one"
            r"|parcel|package|delivery)|(?<!at\s)the\s+latest(?:\s+one)?|последн[а-я]*\s+(?:заказ|покупк|посылк)[а-я]*"
            r"|недавн[а-я]*\s+заказ[а-я]*|свеж[а-я]*\s+заказ[а-я]*|самы[а-я]*\s+нов[а-я]*(?:\s+заказ[а-я]*)?)",
            re.IGNORECASE,
        ),
    ),
    (
        "previous",
        re.compile(
            r"\b(?:(?:the\s+|my\s+)?previous(?:\s+(?:order|one|purchase))?|the\s+one\s+before"
            r"|предыдущ[а-я]*|прошл[а-я]*\s+(?:заказ|покупк)[а-я]*|позапрошл[а-я]*)",
            re.IGNORECASE,
        ),
    ),
    (
        "first",
        re.compile(
            r"\b(?:(?:the\s+|my\s+)?(?:first|earliest|oldest)\s+(?:order|purchase|parcel)"
            r"|(?:перв|самы[а-я]*\s+стар)[а-я]*\s+(?:заказ|покупк|посылк)[а-я]*)",
            re.IGNORECASE,
        ),
    ),
    (
        "second",
        re.compile(r"\b(?:(?:the\s+)?second\s+(?:order|purchase)|втор[а-я]*\s+(?:заказ|покупк)[а-я]*)", re.I),
    ),
    (
        "other",
        re.compile(
            r"\b(?:the\s+other(?:\s+(?:one|order|purchase|parcel|package))?(?!\s+(?:day|week|way|hand|side|provider"
            r"|operator|company|shop|store))\b|another\s+(?:one|order)|my\s+other\s+(?:order|purchase|parcel|package|one)\b|not\s+(?:this|that)\s+one"
            r"|друг(?:ой|ого|ому|ом|ую|ая)(?=\s*(?:$|[,.!?;)]|заказ|один|одн|тот|посылк|покупк))"
            r"|(?:не\s+)?тот\s+друг[а-я]*|не\s+(?:этот|тот)(?:\s+заказ)?(?=\s*(?:$|[,.!?;]|,\s*а)))",
            re.IGNORECASE,
        ),
    ),
]


def extract_order_ids(text: str, claims: Claims, *, expecting: str | None = None) -> list[str]:
    """Every order number, in order of mention."""
    found: list[tuple[int, str]] = []
    local = Claims(list(claims.spans))
    for m in _EXPLICIT.finditer(text):
        if local.overlaps(m.start("id"), m.end("id")):
            continue
        found.append((m.start("id"), m["id"]))
        local.add(m.start("id"), m.end("id"))
        if m["more"]:
            offset = m.start("more")
            for extra in _MORE_NUM.finditer(m["more"]):
                s, e = offset + extra.start(), offset + extra.end()
                if not local.overlaps(s, e):
                    found.append((s, extra.group(0)))
                    local.add(s, e)
    for m in _PREFIXED.finditer(text):
        if not local.overlaps(m.start("id"), m.end("id")) and not m["id"].isdigit():
            found.append((m.start("id"), m["id"].upper()))
            local.add(m.start("id"), m.end("id"))
    for m in _BARE.finditer(text):
        start, end = m.start("id"), m.end("id")
        if local.overlaps(start, end):
            continue
        if _YEAR.fullmatch(m["id"]) and expecting != "order_id" and _year_context(text, start):
            continue
        found.append((start, m["id"]))
        local.add(start, end)
    if not found and expecting == "order_id":
        exact = re.fullmatch(r"\s*[#№]?\s*(\d{3,10})\s*[.!]?\s*", text)
        if exact:
            found.append((exact.start(1), exact.group(1)))
    found.sort()
    ids: list[str] = []
    for start, value in found:
        if value not in ids:
            ids.append(value)
        claims.add(start, start + len(value))
    return ids


_JOINED = re.compile(
    rf"\s*(?:,\s*)?(?:and|&|plus|и|а\s+также|также)?\s*(?:(?:the\s+)?{_KEYWORD}\s*)?[#№]?\s*", re.IGNORECASE
)


def listed_together(text: str, ids: list[str]) -> bool:
    """ "cancel 100234 and 100260", "заказы 5512, 5520": the numbers are a list, each meant alike — not "not
    100234 but 100260" or "100234 arrived, where is 100260?"."""
    if len(ids) < 2:
        return False
    positions = [m.start() for value in ids if (m := re.search(rf"(?<!\d){re.escape(value)}(?!\d)", text))]
    if len(positions) != len(ids) or positions != sorted(positions):
        return False
    gaps = [text[a + len(v) : b] for a, v, b in zip(positions, ids, positions[1:], strict=False)]
    return all(_JOINED.fullmatch(gap) for gap in gaps)


def _year_context(text: str, start: int) -> bool:
    """A 19xx/20xx number after "in"/"since"/"в"/"с" or a month is a year, not an order."""
    before = text[max(0, start - 12) : start].lower()
    return bool(
        re.search(r"(?:\bin|\bsince|\bв|\bс|\bот|\bof|[a-zа-я]{3,}\.?,?)\s*$", before)
    ) and not re.search(r"(?:order|заказ[а-я]*|#|№)\s*$", before)


def extract_order_ref(text: str) -> str | None:
    """The earliest positional reference to an order ("last", "first", "second", "other", "previous")."""
    best: tuple[int, str] | None = None
    for label, pattern in _REFS:
        m = pattern.search(text)
        if m and (best is None or m.start() < best[0]):
            best = (m.start(), label)
    return best[1] if best else None
