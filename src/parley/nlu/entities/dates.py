"""Dates, clock times and parts of the day, relative to the one clock (`PARLEY_NOW`).

Hand-written rules cover what customers actually say ("this Saturday", "в следующую среду", "через три
дня", "3 декабря", "December 3rd", "tomorrow before noon"): they are exact, fast (tens of microseconds)
and free of the false positives a general parser produces on order numbers or on "may" the verb.
`dateparser` is kept as a lazy fallback for the rare message that names a month or weekday in a form
the rules do not know; it runs only when such a word is present, with a day and a month required.

Conventions (documented because they are choices):
- a bare weekday ("on Saturday", "в субботу") is its next occurrence after today; "this Saturday" /
  "в эту субботу" may be today; "next Wednesday" / "в следующую среду" is that day of the next calendar
  week (Mon-Sun) — on Thursday 2026-11-26 "next Wednesday" is 2026-12-02, "next Saturday" 2026-12-05;
- a day and month without a year is the nearest such date: this year unless it is more than 60 days
  past, then next year ("20 ноября" said on 26 November is six days ago, not a year ahead);
- numeric dates are day first ("03.12" is 3 December); "12/25" is read month first only when the
  second number cannot be a month;
- a clock hour 1-7 without am/pm ("at 3") is read as afternoon (15:00): nobody books a courier at 3 a.m.
"""

from __future__ import annotations

import calendar
import re
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Any

from ._common import Claims, words_to_number

_EN_MONTHS = (
    r"jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sept?(?:ember)?"
    r"|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?"
)
_RU_MONTHS = (
    r"январ[а-я]*|янв|феврал[а-я]*|фев|март[а-я]*|мар|апрел[а-я]*|апр|ма[йяюе]|июн[а-я]*|июл[а-я]*"
    r"|август[а-я]*|авг|сентябр[а-я]*|сент?|октябр[а-я]*|окт|ноябр[а-я]*|нояб?|декабр[а-я]*|дек"
)
_MONTHS = rf"(?:{_EN_MONTHS}|{_RU_MONTHS})"
_MONTH_PREFIX = {
    "jan": 1,
    "feb": 2,
    "mar": 3,
    "apr": 4,
    "may": 5,
    "jun": 6,
    "jul": 7,
    "aug": 8,
    "sep": 9,
    "oct": 10,
    "nov": 11,
    "dec": 12,
    "янв": 1,
    "фев": 2,
    "мар": 3,
    "апр": 4,
    "ма": 5,
    "июн": 6,
    "июл": 7,
    "авг": 8,
    "сен": 9,
    "окт": 10,
    "ноя": 11,
    "дек": 12,
}
_WEEKDAYS = [
    r"monday|mon|понедельник[а-я]*",
    r"tuesday|tues?|вторник[а-я]*",
    r"wednesday|wed|сред[аыуе]",
    r"thursday|thu(?:rs)?|четверг[а-я]*",
    r"friday|fri|пятниц[а-я]*",
    r"saturday|суббот[а-я]*",
    r"sunday|воскресень[а-я]*",
]
_WD_RE = re.compile("|".join(f"(?P<wd{i}>{p})" for i, p in enumerate(_WEEKDAYS)), re.IGNORECASE)
_ORD_SUFFIX = r"(?:st|nd|rd|th|-?го|-?е|-?ое|-?ого)?"

_ISO = re.compile(r"\b(?P<y>20\d\d)-(?P<m>\d\d)-(?P<d>\d\d)\b")
_NUMERIC = re.compile(
    r"(?<![\d.:/,])(?P<a>\d{1,2})[./](?P<b>\d{1,2})(?:[./](?P<y>\d{4}|\d{2}))?(?![\d:]|[./]\d)"
)
_DAY_MONTH = re.compile(
    rf"(?<![\d.,:])(?P<d>\d{{1,2}}){_ORD_SUFFIX}\s*(?:of\s+)?(?P<mon>{_MONTHS})\.?(?![a-zа-я])"
    r"(?:\s*,?\s*(?P<y>20\d\d)(?:\s*(?:г\.?|года?))?)?",
    re.IGNORECASE,
)
_MONTH_DAY = re.compile(
    rf"\b(?P<mon>{_EN_MONTHS})\.?\s+(?:the\s+)?(?P<d>\d{{1,2}})(?:st|nd|rd|th)?(?![\d:.,]\d)\b"
    r"(?:\s*,?\s*(?P<y>20\d\d))?",
    re.IGNORECASE,
)
_RU_ORD_STEMS = [
    "перв",
    "втор",
    "треть",
    "четверт",
    "пят",
    "шест",
    "седьм",
    "восьм",
    "девят",
    "десят",
    "одиннадцат",
    "двенадцат",
    "тринадцат",
    "четырнадцат",
    "пятнадцат",
    "шестнадцат",
    "семнадцат",
    "восемнадцат",
    "девятнадцат",
    "двадцат",
]
_EN_ORD = [
    "first",
    "second",
    "third",
    "fourth",
    "fifth",
    "sixth",
    "seventh",
    "eighth",
    "ninth",
    "tenth",
    "eleventh",
    "twelfth",
    "thirteenth",
    "fourteenth",
    "fifteenth",
    "sixteenth",
    "seventeenth",
    "eighteenth",
    "nineteenth",
    "twentieth",
]


def _ordinal_day_words() -> dict[str, int]:
    """ "третье"/"третьего"/"двадцать пятое"/"twenty-first" -> day of month."""
    table: dict[str, int] = {}
    for value, stem in enumerate(_RU_ORD_STEMS, start=1):
        for ending in ("е", "его") if stem.endswith("ь") else ("ое", "ого"):
            word = stem + ending
            table[word] = value
            if value < 10:
                table["двадцать " + word] = 20 + value
    table["тридцатое"] = table["тридцатого"] = 30
    table["тридцать первое"] = table["тридцать первого"] = 31
    for value, word in enumerate(_EN_ORD, start=1):
        table[word] = value
        if value < 10:
            table[f"twenty-{word}"] = table[f"twenty {word}"] = 20 + value
    table["thirtieth"] = 30
    table["thirty-first"] = table["thirty first"] = 31
    return table


_ORDINAL_DAY_WORDS = _ordinal_day_words()
_ORDINAL_DAY_ALT = "|".join(sorted((re.escape(w) for w in _ORDINAL_DAY_WORDS), key=len, reverse=True))
_WORD_DAY_MONTH = re.compile(
    rf"(?<![\w-])(?:the\s+)?(?P<w>{_ORDINAL_DAY_ALT})\s+(?:of\s+)?(?P<mon>{_MONTHS})(?![a-zа-я])",
    re.IGNORECASE,
)
_DAY_OF_MONTH = re.compile(
    r"\b(?:on\s+)?the\s+(?P<d>\d{1,2})(?:st|nd|rd|th)\b(?!\s*(?:one|order|item|slot|option))"
    r"|(?<![\d.])(?P<d2>\d{1,2})(?:-?го|-?е)?\s+числа\b"
    rf"|(?<![\w-])(?P<w>{'|'.join(w for w in _ORDINAL_DAY_WORDS if not w.isascii())})\s+числа\b",
    re.IGNORECASE,
)
_RELATIVE = re.compile(
    r"\b(?P<dayafter>day\s+after\s+tomorrow|послезавтра)\b"
    r"|\b(?P<tomorrow>tomorrow|tmrw|tmr|завтра|завтрашн[а-я]*)\b"
    r"|\b(?P<today>today|tonight|сегодня|сегодняшн[а-я]*)\b"
    r"|\b(?P<yesterday>yesterday|вчера)\b"
    r"|\b(?P<daybefore>позавчера)\b",
    re.IGNORECASE,
)
_UNIT = (
    r"(?P<unit>days?|weeks?|fortnight|months?|дн(?:я|ей|и)|день|сутки|суток|недел[июяь]|неделю|недель"
    r"|месяц(?:а|ев)?)"
)
_IN_N = re.compile(rf"\b(?:in|через|within|спустя)\s+(?P<qty>(?:[\w-]+\s+){{0,3}}?){_UNIT}\b", re.IGNORECASE)
_N_FROM_NOW = re.compile(
    rf"\b(?P<qty>(?:[\w-]+\s+){{0,3}}?){_UNIT}\s+(?:from\s+(?:now|today)|later|спустя)\b", re.IGNORECASE
)
_WEEKDAY_PHRASE = re.compile(
    r"(?:\b(?P<mod>next|this\s+coming|this|coming|the\s+following|следующ[а-я]*|эт(?:у|от|о|а|ой)"
    r"|ближайш[а-я]*|last|since|прошл[а-я]*|позапрошл[а-я]*)\s+)?"
    r"\b(?P<wd>" + "|".join(_WEEKDAYS) + r")\b",
    re.IGNORECASE,
)
_WEEKEND = re.compile(
    r"\b(?:(?P<mod>next|this|coming|следующ[а-я]*|эт[а-я]{0,2}|ближайш[а-я]*)\s+)?"
    r"(?P<w>weekend|выходны[еха][а-я]*)\b",
    re.IGNORECASE,
)
_TIME_OF_DAY: list[tuple[str, re.Pattern[str]]] = [
    (
        "before_noon",
        re.compile(
            r"\b(?:before\s+(?:noon|lunch|midday|12)|by\s+(?:noon|midday)|до\s+(?:обеда|полудня|12)"
            r"|(?:first|1st)\s+half\s+of\s+the\s+day|(?:в\s+)?первой\s+половине\s+дня|before\s+12\s*pm)\b",
            re.IGNORECASE,
        ),
    ),
    (
        "afternoon",
        re.compile(
            r"\b(?:after\s*noon|afternoon|after\s+lunch|after\s+midday|после\s+(?:обеда|полудня)"
            r"|днем|(?:second|2nd)\s+half\s+of\s+the\s+day|(?:во\s+)?второй\s+половине\s+дня)\b",
            re.IGNORECASE,
        ),
    ),
    ("morning", re.compile(r"\b(?:morning|утром|с\s+утра|утречком|утро)\b", re.IGNORECASE)),
    (
        "evening",
        re.compile(
            r"\b(?:evening|tonight|вечер(?:ом|а)?|after\s+work|после\s+работы|ночью)\b", re.IGNORECASE
        ),
    ),
]
_CLOCK = re.compile(
    r"(?:\b(?:at|around|about|by|около|примерно\s+в|в|во|к)\s+|@\s*)"
    r"(?P<h>\d{1,2})(?:[:.](?P<m>\d{2}))?"
    r"(?:\s*(?:час(?:а|ов)?\s+)?(?P<suf>a\.?m\.?|p\.?m\.?|утра|дня|вечера|ночи|часов|часа|час|o'?clock|h)(?![a-zа-я]))?",
    re.IGNORECASE,
)
_BARE_CLOCK = re.compile(
    r"(?<![\d.:])(?P<h>[01]?\d|2[0-3])(?::(?P<m>[0-5]\d)(?:\s*(?P<suf>a\.?m\.?|p\.?m\.?))?"
    r"|\s*(?P<suf2>a\.?m\.?|p\.?m\.?)(?![a-z]))(?![\d:])",
    re.IGNORECASE,
)
_STRONG_WORDS = re.compile(rf"(?<![a-zа-я])(?:{_MONTHS})(?![a-zа-я])", re.IGNORECASE)
_PREFILTER = re.compile(
    r"\d|tomorrow|tmr|today|tonight|yesterday|week|month|day|fortnight|noon|lunch|morning|evening"
    r"|afternoon|after|mon|tue|wed|thu|fri|sat|sun|jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec"
    r"|завтра|сегодня|вчера|недел|месяц|дн[яеи]|день|сутк|обед|полуд|утр|вечер|ночью|понедельн|вторн"
    r"|сред|четверг|пятниц|суббот|воскрес|выходн|янв|фев|мар|апр|ма[йяюе]|июн|июл|авг|сен|окт|ноя|дек"
    r"|числа|половин|first|second|third|первог|второг|третьег",
    re.IGNORECASE,
)
_FOLLOWED_BY_NOUN = re.compile(
    r"\s*(?![\s,.!?;)]|$|(?:please|pls|tomorrow|today|tonight|on|in|or|and|then|sharp|if|if|is|would"
    r"|works?|завтра|сегодня|пожалуйста|или|и|в|во|на|если|будет|подойдет|удобно)\b)[\w%$€₽]",
    re.IGNORECASE,
)
_AWAY_MARKERS = re.compile(r"(?:\bfrom|\binstead\s+of|\bnot|\bвместо|\bс|\bне)\s*$", re.IGNORECASE)


def _month_number(token: str) -> int | None:
    low = token.lower().rstrip(".")
    for size in (3, 2):
        if low[:size] in _MONTH_PREFIX:
            return _MONTH_PREFIX[low[:size]]
    return None


def _safe_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _nearest(today: date, month: int, day: int, year: int | None) -> date | None:
    if year is not None:
        return _safe_date(year, month, day)
    this_year = _safe_date(today.year, month, day)
    if this_year is None:  # 29 February: the next leap year
        return _safe_date(today.year + 1, month, day)
    if (today - this_year).days > 60:
        return _safe_date(today.year + 1, month, day)
    return this_year


def _add_months(d: date, months: int) -> date:
    month_index = d.month - 1 + months
    year, month = d.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(d.day, calendar.monthrange(year, month)[1]))


def _quantity(raw: str) -> float | None:
    words = [w for w in raw.lower().split() if w not in {"of", "the", "about", "around", "примерно", "около"}]
    if not words:
        return 1.0
    if len(words) == 1 and words[0].isdigit():
        return float(words[0]) if int(words[0]) <= 400 else None
    if words[0] == "a" and len(words) > 1:
        words = words[1:]
    return words_to_number(words)


def _weekday_index(m: re.Match[str]) -> int:
    text = m.group("wd")
    for i, pattern in enumerate(_WEEKDAYS):
        if re.fullmatch(pattern, text, re.IGNORECASE):
            return i
    return 0


def _weekday_date(today: date, weekday: int, mod: str | None) -> date:
    mod = (mod or "").lower()
    if mod.startswith(("last", "since", "прошл", "позапрошл")):
        back = (today.weekday() - weekday) % 7 or 7  # the most recent past one: "since Monday"
        return today - timedelta(days=back)
    if mod.startswith(("next", "следующ", "the following")):
        next_monday = today + timedelta(days=7 - today.weekday())
        return next_monday + timedelta(days=weekday)
    ahead = (weekday - today.weekday()) % 7
    if ahead == 0 and not mod.startswith(("this", "эт", "ближайш", "coming")):
        ahead = 7
    return today + timedelta(days=ahead)


def _date_candidates(text: str, today: date, language: str) -> list[tuple[int, int, date]]:
    found: list[tuple[int, int, date]] = []

    def add(m: re.Match[str], value: date | None) -> None:
        if value is not None:
            found.append((m.start(), m.end(), value))

    for m in _ISO.finditer(text):
        add(m, _safe_date(int(m["y"]), int(m["m"]), int(m["d"])))
    for m in _DAY_MONTH.finditer(text):
        month = _month_number(m["mon"])
        if month and not (m["mon"].lower() == "may" and not _looks_like_may_date(text, m)):
            add(m, _nearest(today, month, int(m["d"]), int(m["y"]) if m["y"] else None))
    for m in _MONTH_DAY.finditer(text):
        month = _month_number(m["mon"])
        if month:
            add(m, _nearest(today, month, int(m["d"]), int(m["y"]) if m["y"] else None))
    for m in _WORD_DAY_MONTH.finditer(text):
        month = _month_number(m["mon"])
        if month:
            add(m, _nearest(today, month, _ORDINAL_DAY_WORDS[re.sub(r"\s+", " ", m["w"].lower())], None))
    for m in _NUMERIC.finditer(text):
        prefix = text[max(0, m.start() - 4) : m.start()].lower()
        if re.search(r"(?:\bв|\bat|\bк|\bby)\s*$", prefix) and not m["y"]:
            continue  # "в 10.30" is a time
        a, b = int(m["a"]), int(m["b"])
        if "/" in m.group(0) and language == "en" and b > 12 >= a:
            a, b = b, a
        year = None
        if m["y"]:
            year = int(m["y"]) + (2000 if len(m["y"]) == 2 else 0)
        if 1 <= b <= 12 and 1 <= a <= 31:
            add(m, _nearest(today, b, a, year))
    for m in _RELATIVE.finditer(text):
        if m["dayafter"]:
            add(m, today + timedelta(days=2))
        elif m["tomorrow"]:
            add(m, today + timedelta(days=1))
        elif m["today"]:
            add(m, today)
        elif m["yesterday"]:
            add(m, today - timedelta(days=1))
        elif m["daybefore"]:
            add(m, today - timedelta(days=2))
    for pattern in (_IN_N, _N_FROM_NOW):
        for m in pattern.finditer(text):
            qty = _quantity(m["qty"])
            if qty is None or qty <= 0:
                continue
            unit = m["unit"].lower()
            if unit.startswith(("day", "дн", "день", "сут")):
                add(m, today + timedelta(days=round(qty)))
            elif unit.startswith(("week", "недел")):
                add(m, today + timedelta(days=round(qty * 7)))
            elif unit.startswith("fortnight"):
                add(m, today + timedelta(days=round(qty * 14)))
            elif qty == int(qty):
                add(m, _add_months(today, int(qty)))
    for m in _WEEKDAY_PHRASE.finditer(text):
        add(m, _weekday_date(today, _weekday_index(m), m["mod"]))
    for m in _WEEKEND.finditer(text):
        add(m, _weekday_date(today, 5, m["mod"]))
    for m in _DAY_OF_MONTH.finditer(text):
        day = int(m["d"] or m["d2"] or 0) or _ORDINAL_DAY_WORDS.get(
            re.sub(r"\s+", " ", (m["w"] or "").lower()), 0
        )
        value = _safe_date(today.year, today.month, day) if day else None
        if value is not None and value < today:
            nxt = _add_months(today.replace(day=1), 1)
            value = _safe_date(nxt.year, nxt.month, day)
        add(m, value)
    return found


def _looks_like_may_date(text: str, m: re.Match[str]) -> bool:
    """ "5 may" is a date only when written like one ("5 May", "5th of may"), not "5 may help"."""
    return m["mon"][0] == "M" or bool(re.search(r"(?:st|nd|rd|th|of)\s*$", text[m.start() : m.start("mon")]))


def _pick(candidates: list[tuple[int, int, date]], text: str) -> tuple[int, int, date] | None:
    """The date the customer wants: the first mention, skipping one introduced by "from"/"instead of"."""
    if not candidates:
        return None
    # drop candidates contained in a longer one ("3 December" inside "Thursday 3 December" is fine either way)
    ordered = sorted(candidates, key=lambda c: (c[0], -(c[1] - c[0])))
    kept: list[tuple[int, int, date]] = []
    for cand in ordered:
        if kept and cand[0] < kept[-1][1]:
            continue
        kept.append(cand)
    if len(kept) > 1:
        towards = [c for c in kept if not _AWAY_MARKERS.search(text[max(0, c[0] - 14) : c[0]])]
        if towards:
            kept = towards
    return kept[0]


def _clock(text: str, claims: Claims, has_date: bool) -> tuple[int, int, int, int] | None:
    """(hour, minute, start, end) of a clock time said in the message."""
    for pattern in (_CLOCK, _BARE_CLOCK):
        for m in pattern.finditer(text):
            if claims.overlaps(m.start("h"), m.end("h")):
                continue
            hour, minute = int(m["h"]), int(m["m"] or 0)
            suffix = (m["suf"] or (m.groupdict().get("suf2") or "")).lower().replace(".", "")
            if hour > 23 or minute > 59:
                continue
            if pattern is _CLOCK and not m["m"] and not suffix:
                if _FOLLOWED_BY_NOUN.match(text, m.end()) or not (has_date or hour <= 12):
                    continue
                if m.group(0).strip().lower().startswith(("в", "во", "к")) and not has_date:
                    continue
            if suffix in {"pm", "дня", "вечера"} and hour < 12:
                hour += 12
            elif suffix in {"am", "утра", "ночи"} and hour == 12:
                hour = 0
            elif suffix not in {"am", "утра", "ночи", "pm", "дня", "вечера"} and 1 <= hour <= 7:
                hour += 12
            return hour, minute, m.start(), m.end()
    return None


def _time_of_day(text: str) -> tuple[str, int, int] | None:
    best: tuple[str, int, int] | None = None
    for label, pattern in _TIME_OF_DAY:
        m = pattern.search(text)
        if m and (best is None or m.start() < best[1]):
            best = (label, m.start(), m.end())
    return best


def extract_dates(text: str, language: str, now: datetime, claims: Claims) -> dict[str, Any]:
    """date (YYYY-MM-DD), time_of_day, time (HH:MM) and datetime (ISO-8601) said in the message."""
    if not _PREFILTER.search(text):
        return {}
    today = now.date()
    out: dict[str, Any] = {}
    candidates = [c for c in _date_candidates(text, today, language) if not claims.overlaps(c[0], c[1])]
    chosen = _pick(candidates, text)
    if chosen is None and _STRONG_WORDS.search(text):
        chosen = _dateparser_fallback(text, language, now)
    if chosen is not None:
        out["date"] = chosen[2].isoformat()
        for start, end, _ in candidates:
            claims.add(start, end)
    tod = _time_of_day(text)
    if tod is not None:
        out["time_of_day"] = tod[0]
        claims.add(tod[1], tod[2])
        if "date" not in out and re.search(r"\btonight\b", text[tod[1] : tod[2]], re.IGNORECASE):
            out["date"] = today.isoformat()
    clock = _clock(text, claims, "date" in out)
    if clock is not None:
        hour, minute, start, end = clock
        claims.add(start, end)
        out["time"] = f"{hour:02d}:{minute:02d}"
        if "date" in out:
            day = date.fromisoformat(out["date"])
            out["datetime"] = datetime(
                day.year, day.month, day.day, hour, minute, tzinfo=now.tzinfo
            ).isoformat()
    return out


def _dateparser_fallback(text: str, language: str, now: datetime) -> tuple[int, int, date] | None:
    """Ask dateparser, but only accept a found date whose text names a month (never a bare number)."""
    try:
        found = _search(text[:300], language, now.replace(tzinfo=None).isoformat(timespec="minutes"))
    except Exception:  # dateparser must never break understanding
        return None
    for phrase, value in found:
        if _STRONG_WORDS.search(phrase) and re.search(r"\d", phrase):
            start = text.find(phrase)
            return (max(start, 0), max(start, 0) + len(phrase), value)
    return None


@lru_cache(maxsize=256)
def _search(text: str, language: str, base: str) -> tuple[tuple[str, date], ...]:
    from dateparser.search import search_dates

    settings = {
        "RELATIVE_BASE": datetime.fromisoformat(base),
        "PREFER_DATES_FROM": "future",
        "REQUIRE_PARTS": ["day", "month"],
    }
    languages = [language] if language in {"ru", "en"} else ["ru", "en"]
    result = search_dates(text, languages=languages, settings=settings) or []  # type: ignore[arg-type]
    return tuple((phrase, value.date()) for phrase, value in result)


def warm_up() -> None:
    """Import dateparser and build its language data once, off the first customer's latency."""
    _search("3 December 2026", "en", "2026-01-01T00:00")
    _search("3 декабря 2026", "ru", "2026-01-01T00:00")
