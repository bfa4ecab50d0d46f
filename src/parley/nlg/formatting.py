"""Values as a person reads them, in the customer's language."""

from __future__ import annotations

from datetime import date, datetime

from parley import clock

MONTHS = {
    "en": [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ],
    "ru": [
        "января",
        "февраля",
        "марта",
        "апреля",
        "мая",
        "июня",
        "июля",
        "августа",
        "сентября",
        "октября",
        "ноября",
        "декабря",
    ],
}
WEEKDAYS = {
    "en": ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"],
    "ru": ["понедельник", "вторник", "среда", "четверг", "пятница", "суббота", "воскресенье"],
}
# "в пятницу", "на среду": the accusative a Russian preposition of time takes
WEEKDAYS_ACCUSATIVE_RU = ["понедельник", "вторник", "среду", "четверг", "пятницу", "субботу", "воскресенье"]
CURRENCY = {"EUR": "€", "USD": "$", "GBP": "£", "RUB": "₽"}
# "in roubles" / "в рублях": the Russian names are in the prepositional case, the one templates need.
CURRENCY_IN = {
    "en": {"EUR": "euros", "USD": "US dollars", "GBP": "pounds", "RUB": "roubles"},
    "ru": {"EUR": "евро", "USD": "долларах", "GBP": "фунтах", "RUB": "рублях"},
}


def _as_day(value: str | date | datetime | None) -> date | None:
    """The calendar day of an ISO date or timestamp (or of a date), None when there is none."""
    if not value:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return datetime.fromisoformat(str(value)).date()
    except ValueError:
        return None


def human_date(
    value: str | date | datetime | None, language: str, weekday: bool = False, preposition: str = ""
) -> str:
    """ "27 November"; with `weekday`, "Friday, 27 November". A Russian `preposition` ("в", "на") puts the
    weekday in the case it governs: "доставка ожидается в пятницу, 27 ноября", "во вторник"; English
    templates say "on" themselves, so there it is ignored."""
    day = _as_day(value)
    if day is None:
        return str(value or "")
    lang = language if language in MONTHS else "en"
    text = f"{day.day} {MONTHS[lang][day.month - 1]}"
    if weekday and lang == "ru" and preposition:
        name = WEEKDAYS_ACCUSATIVE_RU[day.weekday()]
        prep = "во" if preposition == "в" and name == "вторник" else preposition
        return f"{prep} {name}, {text}"
    if weekday:
        text = f"{WEEKDAYS[lang][day.weekday()]}, {text}"
    return text


RELATIVE_DAYS = {"en": {0: "today", 1: "tomorrow"}, "ru": {0: "сегодня", 1: "завтра"}}


def human_day(value: str | date | datetime | None, language: str, preposition: str = "") -> str:
    """A day as a person says it in a sentence, today and tomorrow by name (relative to the clock, so
    `PARLEY_NOW` holds): "should arrive tomorrow (Friday, 27 November)" / "... on Monday, 30 November";
    "доставка ожидается завтра, в пятницу, 27 ноября" / "... в понедельник, 30 ноября"; with "на":
    "запланирована на завтра, 28 ноября" / "на понедельник, 30 ноября". `preposition` is the one the
    sentence needs for a weekday ("on", "for", "to"; "в", "на"); "on" is dropped before today and tomorrow."""
    day = _as_day(value)
    if day is None:
        return str(value or "")
    lang = language if language in RELATIVE_DAYS else "en"
    word = RELATIVE_DAYS[lang].get((day - clock.now().date()).days)
    if lang == "ru":
        if preposition == "на" and word:
            return f"на {word}, {human_date(day, lang)}"
        dated = human_date(day, lang, True, preposition or "в")
        return f"{word}, {dated}" if word else dated
    dated = human_date(day, lang, True)
    if word:  # "arrive tomorrow", but "planned for tomorrow", "move it to tomorrow"
        return f"{'' if preposition in ('', 'on') else preposition + ' '}{word} ({dated})"
    return f"{preposition} {dated}".strip()


def human_time(value: str | None) -> str:
    if not value:
        return ""
    try:
        return datetime.fromisoformat(value).strftime("%H:%M")
    except ValueError:
        return value


def money(amount: float | int | None, currency: str | None = None, language: str = "en") -> str:
    if amount is None:
        return ""
    value = f"{amount:,.0f}" if float(amount).is_integer() else f"{amount:,.2f}"
    if language == "ru":  # 1 234,50 — a space groups thousands, a comma marks the decimals
        value = value.replace(",", " ").replace(".", ",")
    symbol = CURRENCY.get(currency or "", currency or "")
    if not symbol:
        return value
    return f"{value} {symbol}" if language == "ru" or currency == "RUB" else f"{symbol}{value}"


def megabytes(mb: float | int | None, language: str = "en") -> str:
    """2048 -> "2 GB"; 15360 -> "15 GB"; 300 -> "300 MB"."""
    if mb is None:
        return ""
    gb_unit, mb_unit = ("ГБ", "МБ") if language == "ru" else ("GB", "MB")
    if mb >= 1024:
        gb = mb / 1024
        text = f"{gb:.1f}".rstrip("0").rstrip(".")
        return f"{text.replace('.', ',') if language == 'ru' else text} {gb_unit}"
    return f"{int(mb)} {mb_unit}"


def currency_in(currency: str | None, language: str = "en") -> str:
    """The currency's name as it follows "in" / "в" ("in pounds", "в рублях"); its code if unknown."""
    names = CURRENCY_IN.get(language, CURRENCY_IN["en"])
    return names.get(currency or "", currency or "")
