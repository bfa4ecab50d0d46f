"""Every action of every enabled pack can be worded in both languages, and the tone follows the tier."""

from __future__ import annotations

import pytest

from parley.bootstrap import load_packs
from parley.engine.escalation import TRANSFER, WITHDRAW
from parley.nlg.render import Renderer, Voice
from tests.conftest import available_packs

PACKS = load_packs(available_packs())
RENDERER = Renderer([p.templates_dir for p in PACKS])
ACTIONS = [TRANSFER, WITHDRAW, *(spec for pack in PACKS for spec in pack.actions.values())]


@pytest.mark.parametrize("language", ["en", "ru"])
@pytest.mark.parametrize("spec", ACTIONS, ids=[a.name for a in ACTIONS])
def test_every_action_has_its_wording(spec: object, language: str) -> None:
    keys = RENDERER.keys(language)
    name = spec.name  # type: ignore[attr-defined]
    assert f"{name}.success" in keys
    if spec.confirmation == "required":  # type: ignore[attr-defined]
        assert f"{name}.confirm" in keys
    if spec.confirmation == "code_word":  # type: ignore[attr-defined]
        assert f"{name}.ask_code_word" in keys
    # "Now, back to {topic}" when a task set aside resumes; "last time we talked about {topic}"
    assert f"topic.{name}" in keys


@pytest.mark.parametrize("language", ["en", "ru"])
def test_both_languages_have_the_same_keys(language: str) -> None:
    other = "ru" if language == "en" else "en"
    missing = RENDERER.keys(language) - RENDERER.keys(other)
    # a pack's names for catalog entries are optional per language: the catalog's own name stands in
    missing = {key for key in missing if not key.startswith("services.")}
    assert not missing, f"in {language} but not in {other}: {sorted(missing)}"


def test_a_catalog_entry_is_named_in_the_language_when_the_pack_knows_it() -> None:
    ru, en = Voice("ru", "standard", "Иван"), Voice("en", "standard", "Ivan")
    assert RENDERER.named("services.roaming", ru, "International roaming") == "Международный роуминг"
    assert RENDERER.named("services.roaming", en, "International roaming") == "International roaming"
    assert RENDERER.named("services.new_thing", ru, "New thing") == "New thing"


def test_quick_replies_and_tone() -> None:
    class T:
        language = "ru"

    assert RENDERER.quick_yes_no(T()) == ("Да", "Нет")
    standard = RENDERER.render("greeting.answer", Voice("en", "standard", "Anna"))
    vip = RENDERER.render("greeting.answer", Voice("en", "vip", "Anna"))
    assert "Anna" in standard and "Anna" in vip and standard != vip
    apology = RENDERER.apology(Voice("ru", "vip", "Мария"))
    assert "Мария" in apology and "извин" in apology.lower()


def test_values_are_worded_for_people() -> None:
    voice = Voice("ru", "standard", "Анна")
    text = RENDERER.render("reschedule_delivery.success", voice, {"order_id": "1", "new_date": "2026-12-03"})
    assert "3 декабря" in text


def test_currency_names_follow_in() -> None:
    from parley.nlg.formatting import currency_in

    assert currency_in("RUB", "en") == "roubles" and currency_in("RUB", "ru") == "рублях"
    assert currency_in("GBP", "ru") == "фунтах" and currency_in("XYZ", "en") == "XYZ"


def test_today_and_tomorrow_are_said_by_name_relative_to_the_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    from parley.nlg.formatting import human_day

    monkeypatch.setenv("PARLEY_NOW", "2026-11-26T10:00:00+03:00")  # a Thursday
    assert human_day("2026-11-27", "en", "on") == "tomorrow (Friday, 27 November)"
    assert human_day("2026-11-26", "en", "for") == "for today (Thursday, 26 November)"
    assert human_day("2026-11-27", "en", "to") == "to tomorrow (Friday, 27 November)"
    assert human_day("2026-11-30", "en", "on") == "on Monday, 30 November"
    assert human_day("2026-11-27", "ru", "в") == "завтра, в пятницу, 27 ноября"
    assert human_day("2026-12-01", "ru", "в") == "во вторник, 1 декабря"
    assert human_day("2026-11-27", "ru", "на") == "на завтра, 27 ноября"
    assert human_day("2026-12-02", "ru", "на") == "на среду, 2 декабря"
    monkeypatch.setenv("PARLEY_NOW", "2026-11-27T10:00:00+03:00")  # a day later, the same date is "today"
    assert human_day("2026-11-27", "ru", "в") == "сегодня, в пятницу, 27 ноября"
    assert human_day("", "en") == "" and human_day("soon", "en") == "soon"


def test_russian_weekdays_take_the_case_their_preposition_governs() -> None:
    from parley.nlg.formatting import human_date

    assert human_date("2026-11-27", "ru", True, "в") == "в пятницу, 27 ноября"
    assert human_date("2026-12-01", "ru", True, "в") == "во вторник, 1 декабря"
    assert human_date("2026-12-02", "ru", True, "на") == "на среду, 2 декабря"
    assert human_date("2026-11-27", "ru", True) == "пятница, 27 ноября"  # a listing: nominative
    assert human_date("2026-11-27", "en", True, "в") == "Friday, 27 November"
    voice = Voice("ru", "standard", "Анна")
    text = RENDERER.render(
        "get_order_status.success",
        voice,
        {"order_id": "1", "status": "handed_to_courier", "items": "Утюг", "delivery_date": "2026-11-30"},
    )
    assert "доставка ожидается в понедельник, 30 ноября" in text
