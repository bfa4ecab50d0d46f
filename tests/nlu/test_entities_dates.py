"""Dates, times and parts of the day, relative to the frozen clock (2026-11-26 10:00 +03:00, Thursday)."""

from __future__ import annotations

from datetime import datetime

import pytest

from parley.nlu.entities import extract_entities


@pytest.mark.parametrize(
    ("text", "language", "expected"),
    [
        ("Can you deliver it this Saturday?", "en", "2026-11-28"),
        ("через три дня", "ru", "2026-11-29"),
        ("Перенесите на 3 декабря", "ru", "2026-12-03"),
        ("move it to December 3rd please", "en", "2026-12-03"),
        ("next Wednesday works for me", "en", "2026-12-02"),
        ("в следующую среду", "ru", "2026-12-02"),
        ("in two weeks", "en", "2026-12-10"),
        ("tomorrow", "en", "2026-11-27"),
        ("послезавтра", "ru", "2026-11-28"),
        ("давайте в субботу", "ru", "2026-11-28"),
        ("on Friday", "en", "2026-11-27"),
        ("next Saturday", "en", "2026-12-05"),
        ("через неделю", "ru", "2026-12-03"),
        ("через пару дней", "ru", "2026-11-28"),
        ("in 3 days", "en", "2026-11-29"),
        ("a week from now", "en", "2026-12-03"),
        ("03.12", "ru", "2026-12-03"),
        ("2026-12-01", "en", "2026-12-01"),
        ("the 3rd of December", "en", "2026-12-03"),
        ("Dec 5, 2026", "en", "2026-12-05"),
        ("первого декабря", "ru", "2026-12-01"),
        ("третье декабря", "ru", "2026-12-03"),
        ("двадцать пятого числа", "ru", "2026-12-25"),
        ("the twenty-first of December", "en", "2026-12-21"),
        ("on the 5th", "en", "2026-12-05"),
        ("5-го числа", "ru", "2026-12-05"),
        ("this weekend", "en", "2026-11-28"),
        ("на выходных", "ru", "2026-11-28"),
        ("not Friday but Saturday", "en", "2026-11-28"),
        ("move it from Friday to Monday", "en", "2026-11-30"),
        ("20 ноября", "ru", "2026-11-20"),
        ("my internet has been down since Monday", "en", "2026-11-23"),
        ("last Friday", "en", "2026-11-20"),
        ("I need it by Friday at the latest", "en", "2026-11-27"),
    ],
)
def test_relative_and_absolute_dates(text: str, language: str, expected: str) -> None:
    assert extract_entities(text, language).get("date") == expected


@pytest.mark.parametrize(
    ("text", "language", "date", "time_of_day"),
    [
        ("Saturday after lunch", "en", "2026-11-28", "afternoon"),
        ("tomorrow before noon", "en", "2026-11-27", "before_noon"),
        ("в субботу после обеда", "ru", "2026-11-28", "afternoon"),
        ("завтра утром", "ru", "2026-11-27", "morning"),
        ("friday evening", "en", "2026-11-27", "evening"),
        ("послезавтра до обеда", "ru", "2026-11-28", "before_noon"),
        ("tonight", "en", "2026-11-26", "evening"),
    ],
)
def test_time_of_day(text: str, language: str, date: str, time_of_day: str) -> None:
    entities = extract_entities(text, language)
    assert entities.get("date") == date
    assert entities.get("time_of_day") == time_of_day


@pytest.mark.parametrize(
    ("text", "language", "time", "moment"),
    [
        ("tomorrow at 10", "en", "10:00", "2026-11-27T10:00:00+03:00"),
        ("завтра в 15:00", "ru", "15:00", "2026-11-27T15:00:00+03:00"),
        ("в пятницу в 3 часа дня", "ru", "15:00", "2026-11-27T15:00:00+03:00"),
        ("3rd of December at 5pm", "en", "17:00", "2026-12-03T17:00:00+03:00"),
        ("в 10 утра послезавтра", "ru", "10:00", "2026-11-28T10:00:00+03:00"),
    ],
)
def test_clock_time_gives_datetime(text: str, language: str, time: str, moment: str) -> None:
    entities = extract_entities(text, language)
    assert entities.get("time") == time
    assert entities.get("datetime") == moment


def test_time_without_date_has_no_datetime() -> None:
    entities = extract_entities("at 10 please", "en")
    assert entities.get("time") == "10:00"
    assert "date" not in entities and "datetime" not in entities


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("order 100234", "en"),
        ("it may take a while", "en"),
        ("I may have ordered the wrong size", "en"),
        ("заказ 5512", "ru"),
        ("в 5 раз дороже", "ru"),
        ("the second one", "en"),
        ("top up 500", "en"),
        ("the headphones stopped working after 2 days", "en"),
        ("мой номер +7 916 000-00-01", "ru"),
    ],
)
def test_no_false_dates(text: str, language: str) -> None:
    entities = extract_entities(text, language)
    assert "date" not in entities and "datetime" not in entities


def test_explicit_now_overrides_the_clock() -> None:
    monday = datetime.fromisoformat("2026-06-01T09:00:00+00:00")
    assert extract_entities("this Saturday", "en", now=monday)["date"] == "2026-06-06"
    assert extract_entities("через три дня", "ru", now=monday)["date"] == "2026-06-04"
    assert extract_entities("5 января", "ru", now=monday)["date"] == "2027-01-05"


def test_dateparser_fallback_handles_unusual_wording() -> None:
    # Formats the rules do not cover still resolve through dateparser (a month name is required).
    assert extract_entities("can it come on Dec-03-2026", "en").get("date") == "2026-12-03"
    assert extract_entities("December, 3", "en").get("date") == "2026-12-03"
    assert "date" not in extract_entities("sometime in December", "en")
