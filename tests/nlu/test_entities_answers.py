"""Confirmation answers, code words, payment methods, return reasons and telecom services."""

from __future__ import annotations

import pytest

from parley.nlu.entities import extract_entities
from parley.nlu.entities.answers import is_acknowledgment
from parley.nlu.types import ParseContext

CATALOG = [
    {"code": "roaming", "name": "International roaming", "monthly_fee": 150},
    {"code": "music", "name": "Music streaming", "monthly_fee": 99},
    {"code": "antispam", "name": "Anti-spam", "monthly_fee": 0},
    {"code": "extra_data", "name": "Extra data 5 GB", "monthly_fee": 200},
    {"code": "caller_id", "name": "Caller ID", "monthly_fee": 50},
    {"code": "voicemail", "name": "Voicemail", "monthly_fee": 30},
]


@pytest.mark.parametrize(
    "text",
    [
        "yes",
        "Yes please",
        "sure, do it",
        "go ahead",
        "ok",
        "yep",
        "no problem, go ahead",
        "👍",
        "да",
        "давайте",
        "конечно",
        "ага",
        "подтверждаю",
        "да, отменяйте",
        "хорошо",
        "ok thanks",
        "ok that works",
        "хорошо, давайте",
        "ок, жду",
        "da",
        "konechno",
        "davayte",
    ],
)
def test_yes(text: str) -> None:
    assert extract_entities(text, "en").get("answer") == "yes"


@pytest.mark.parametrize(
    "text",
    [
        "no",
        "don't",
        "nope, not now",
        "cancel that",
        "wait, no",
        "never mind",
        "не надо, спасибо",
        "нет",
        "отмена",
        "да нет, не надо",
        "не нужно",
        "передумал",
        "wait",
        "подождите",
        "da net, ne nado",
        "net",
    ],
)
def test_no(text: str) -> None:
    assert extract_entities(text, "en").get("answer") == "no"


@pytest.mark.parametrize(
    "text",
    [
        "hmm",
        "what?",
        "I don't know",
        "не знаю",
        "может быть",
        "ok, but how much does it cost?",
        "ok go back to the payment thing",  # a weak "ok" that opens another request
        "ok wait",
        "ладно, а где мой заказ",
        "wait, what's the status of it first?",  # a pause for another request, not a refusal
        "подождите, а когда его привезут?",
        "where is my order",
        "I don't know why my order is late, can you check it please",
        "",
        "Please deliver between 2 and 4 pm tomorrow",
        "why is my balance negative",  # a question about the no-cue's word, not a refusal
        "what if I stop it?",
        "почему стоп?",
    ],
)
def test_unclear_has_no_answer(text: str) -> None:
    assert "answer" not in extract_entities(text, "en")


def test_answer_combines_with_other_entities() -> None:
    corrected = extract_entities("no, I meant the other one", "en")
    assert corrected["answer"] == "no" and corrected["order_ref"] == "other"
    amended = extract_entities("yes but change the date to Friday", "en")
    assert amended["answer"] == "yes" and amended["date"] == "2026-11-27"


@pytest.mark.parametrize(
    ("text", "code_word"),
    [
        ("sunflower", "sunflower"),
        ("my code word is sunflower", "sunflower"),
        ("It's Sunflower, thanks", "Sunflower"),
        ("кодовое слово — «подсолнух»", "подсолнух"),
        ("Кодовое слово: подсолнух", "подсолнух"),
        ('"blue moon"', "blue moon"),
    ],
)
def test_code_word_when_asked(text: str, code_word: str) -> None:
    context = ParseContext(expecting="code_word")
    assert extract_entities(text, "en", context=context).get("code_word") == code_word


@pytest.mark.parametrize(
    "text",
    [
        "I forgot it",
        "не помню",
        "what code word?",
        "I don't remember, sorry",
        # sentences about the problem, not secrets: no code-word attempt may be burnt on them
        "перезагрузил, не помогло",
        "still not working",
        "rebooted, didn't help",
    ],
)
def test_no_code_word_for_refusals(text: str) -> None:
    assert "code_word" not in extract_entities(text, "en", context=ParseContext(expecting="code_word"))


def test_bare_code_word_only_when_asked() -> None:
    assert "code_word" not in extract_entities("sunflower", "en")


@pytest.mark.parametrize(
    ("text", "code_word"),
    [
        ("unlock my number, code word is Sunflower", "Sunflower"),
        ("разблокируйте номер, кодовое слово «подсолнух»", "подсолнух"),
    ],
)
def test_volunteered_code_word(text: str, code_word: str) -> None:
    assert extract_entities(text, "en").get("code_word") == code_word
    assert "code_word" not in extract_entities("I forgot my code word", "en")


@pytest.mark.parametrize(
    ("text", "method"),
    [
        ("I'd like to pay by card", "card"),
        ("оплачу картой", "card"),
        ("pay with a different credit card", "card"),
        ("наличными при получении", "cash"),
        ("cash on delivery", "cash"),
        ("картой при получении", "card"),
        ("через СБП", "sbp"),
        ("PayPal please", "paypal"),
        ("by bank transfer", "bank_transfer"),
        ("по реквизитам", "bank_transfer"),
        ("can you send an invoice", "invoice"),
    ],
)
def test_payment_methods(text: str, method: str) -> None:
    assert extract_entities(text, "en").get("payment_method") == method


@pytest.mark.parametrize(
    "text", ["my SIM card does not work", "сим-карта заблокирована", "loyalty card points"]
)
def test_sim_and_loyalty_cards_are_not_payment(text: str) -> None:
    assert "payment_method" not in extract_entities(text, "en")


@pytest.mark.parametrize(
    ("text", "language", "reason"),
    [
        ("I want to return the kettle because it leaks", "en", "it leaks"),
        ("I want to return it, it's broken", "en", "it's broken"),
        ("верните деньги за наушники, не подошел размер", "ru", "не подошел размер"),
        ("хочу вернуть куртку, потому что она мала", "ru", "она мала"),
        ("The headphones don't work anymore, I want a refund", "en", "The headphones don't work anymore"),
        ("it arrived damaged", "en", "it arrived damaged"),
        ("передумала", "ru", "передумала"),
        ("can I return them? they stopped charging", "en", "they stopped charging"),
        ("also the left one has no sound", "en", "the left one has no sound"),
        ("the battery drains fast", "en", "the battery drains fast"),
        ("а ещё они плохо держат заряд", "ru", "они плохо держат заряд"),
        ("утюг перестал греться", "ru", "утюг перестал греться"),
    ],
)
def test_reasons(text: str, language: str, reason: str) -> None:
    assert extract_entities(text, language).get("reason") == reason


def test_reason_when_asked_is_the_whole_message() -> None:
    context = ParseContext(expecting="reason")
    assert (
        extract_entities("просто больше не нужен", "ru", context=context)["reason"]
        == "просто больше не нужен"
    )
    assert "reason" not in extract_entities("return order 100234", "en")


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("давайте", "ru"),
        ("sure", "en"),
        ("yes please", "en"),
        ("ну да", "ru"),
        ("sure, do it", "en"),
        ("да, оформляйте", "ru"),
    ],
)
def test_a_bare_yes_or_no_is_no_reason_even_when_asked(text: str, language: str) -> None:
    entities = extract_entities(text, language, context=ParseContext(expecting="reason"))
    assert "reason" not in entities
    assert entities["answer"] == "yes"


@pytest.mark.parametrize("text", ["no, the other one", "yes but change the date", "не знаю", "5512"])
def test_an_answer_that_says_more_is_not_bare(text: str) -> None:
    from parley.nlu.entities.answers import is_bare_answer

    assert not is_bare_answer(text)


@pytest.mark.parametrize(
    ("text", "language", "code"),
    [
        ("activate roaming", "en", "roaming"),
        ("подключите роуминг", "ru", "roaming"),
        ("I need something for my trip abroad", "en", "roaming"),
        ("I'm going to Turkey next week, will my phone work there?", "en", "roaming"),
        ("do I need anything to use my phone in Spain?", "en", "roaming"),
        ("я еду в Турцию, телефон будет работать?", "ru", "roaming"),
        ("turn off music streaming", "en", "music"),
        ("отключите музыку", "ru", "music"),
        ("хочу доп. интернет", "ru", "extra_data"),
        ("нужен определитель номера", "ru", "caller_id"),
        ("подключите голосовую почту", "ru", "voicemail"),
        ("block spam calls please", "en", "antispam"),
    ],
)
def test_services_from_the_catalog(text: str, language: str, code: str) -> None:
    assert extract_entities(text, language, context=ParseContext(services=CATALOG)).get("service") == code


def test_unknown_catalog_matches_by_name() -> None:
    catalog = [*CATALOG, {"code": "kids", "name": "Safe Kids Internet", "monthly_fee": 60}]
    context = ParseContext(services=catalog)
    assert extract_entities("enable the safe kids filter", "en", context=context)["service"] == "kids"
    assert "service" not in extract_entities("где мой заказ", "ru", context=context)
    # a street named after a country is no trip
    assert "service" not in extract_entities("deliver it to Georgia Street 5", "en", context=context)


def test_services_outside_the_catalog_are_ignored() -> None:
    context = ParseContext(services=[{"code": "music", "name": "Music streaming", "monthly_fee": 99}])
    assert "service" not in extract_entities("activate roaming", "en", context=context)


def test_several_services_in_order() -> None:
    entities = extract_entities(
        "отключите музыку и подключите роуминг", "ru", context=ParseContext(services=CATALOG)
    )
    assert entities["services"] == ["music", "roaming"]


@pytest.mark.parametrize(
    ("text", "taken_in"),
    [
        ("ok", True),
        ("понятно", True),
        ("понятно, спасибо", True),
        ("got it, thanks", True),
        ("i see", True),
        ("no", True),
        ("ok and my other order?", False),
        ("ладно, а баланс?", False),
        ("fine by me, but change the date", False),
    ],
)
def test_acknowledgment(text: str, taken_in: bool) -> None:
    assert is_acknowledgment(text) is taken_in


@pytest.mark.parametrize(
    ("text", "lacks"),
    [
        ("the left one has no sound", True),
        ("no signal", True),
        ("нет сигнала вообще", True),
        ("у меня нет интернета", True),
        ("no", False),
        ("no thanks", False),
        ("no, the other one", False),
        ("no need", False),
        ("нет, не надо", False),
        ("no sound, and no, I don't want a return", False),
    ],
)
def test_a_no_of_a_thing_says_something_is_missing(text: str, lacks: bool) -> None:
    from parley.nlu.entities.answers import only_says_something_is_missing

    assert only_says_something_is_missing(text) is lacks
