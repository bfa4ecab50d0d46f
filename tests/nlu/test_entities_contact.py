"""Phone numbers, e-mail, money amounts and postal addresses."""

from __future__ import annotations

import pytest

from parley.nlu.entities import extract_entities
from parley.nlu.types import ParseContext


@pytest.mark.parametrize(
    ("text", "language", "msisdn"),
    [
        ("мой номер 8 916 000-00-01", "ru", "+79160000001"),
        ("баланс +7 (916) 123-45-67", "ru", "+79161234567"),
        ("check balance for +79160000001", "en", "+79160000001"),
        ("call me on +44 20 7946 0958", "en", "+442079460958"),
        ("my number is +1 (212) 555-0123", "en", "+12125550123"),
        ("9160000001", "ru", "+79160000001"),
    ],
)
def test_phone_numbers_in_e164(text: str, language: str, msisdn: str) -> None:
    assert extract_entities(text, language).get("msisdn") == msisdn


def test_several_phone_numbers() -> None:
    entities = extract_entities("numbers +79160000001 and +79160000002", "en")
    assert entities["msisdn"] == "+79160000001"
    assert entities["msisdns"] == ["+79160000001", "+79160000002"]


@pytest.mark.parametrize("text", ["order 100234", "заказ 5512", "в 15:00", "3 декабря 2026"])
def test_no_false_phone_numbers(text: str) -> None:
    assert "msisdn" not in extract_entities(text, "ru")


@pytest.mark.parametrize(
    ("text", "email"),
    [
        ("my email is anna.petrova+shop@example.com", "anna.petrova+shop@example.com"),
        ("пишите на ivan@mail.ru.", "ivan@mail.ru"),
    ],
)
def test_email(text: str, email: str) -> None:
    assert extract_entities(text, "en").get("email") == email


@pytest.mark.parametrize(
    ("text", "language", "value", "currency"),
    [
        ("пополните на 500 рублей", "ru", 500.0, "RUB"),
        ("₽500", "ru", 500.0, "RUB"),
        ("500р", "ru", 500.0, "RUB"),
        ("$20 please", "en", 20.0, "USD"),
        ("refund 20 euros", "en", 20.0, "EUR"),
        ("сто рублей", "ru", 100.0, "RUB"),
        ("twenty five dollars", "en", 25.0, "USD"),
        ("I was charged 1,299.50 USD", "en", 1299.5, "USD"),
        ("верните 49,90 €", "ru", 49.9, "EUR"),
        ("пополнить баланс на 300", "ru", 300.0, None),
        ("top up 1000", "en", 1000.0, None),
        ("top up 10 pounds", "en", 10.0, "GBP"),
        ("£20 please", "en", 20.0, "GBP"),
        ("пополни на 500 фунтов", "ru", 500.0, "GBP"),
        ("top up for 300", "en", 300.0, None),
    ],
)
def test_amounts(text: str, language: str, value: float, currency: str | None) -> None:
    assert extract_entities(text, language).get("amount") == {"value": value, "currency": currency}


@pytest.mark.parametrize("text", ["order 100234", "осталось 500 мб", "в 5 раз", "в 15:00"])
def test_no_false_amounts(text: str) -> None:
    assert "amount" not in extract_entities(text, "ru")


def test_a_long_number_paid_for_is_an_order() -> None:
    entities = extract_entities("pay for 100260 with cash instead", "en")
    assert "amount" not in entities
    assert entities["order_id"] == "100260"


@pytest.mark.parametrize(
    ("text", "language", "address"),
    [
        (
            "change the address to 221B Baker Street, London NW1 6XE",
            "en",
            "221B Baker Street, London NW1 6XE",
        ),
        (
            # a second request after the address ends it, in both languages
            "change the address of 100234 to 5 Baker Street, London NW1 6XE and pay for 100260 with cash",
            "en",
            "5 Baker Street, London NW1 6XE",
        ),
        (
            "измените адрес заказа 100234 на ул. Ленина, д. 5, кв. 3 и оплачу 100260 наличными",
            "ru",
            "ул. Ленина, д. 5, кв. 3",
        ),
        ("доставьте 100234 на ул. Ленина, д. 5 и отмените 100260", "ru", "ул. Ленина, д. 5"),
        (
            "new address: 5th Avenue 10, apt 3, New York, NY 10001",
            "en",
            "5th Avenue 10, apt 3, New York, NY 10001",
        ),
        ("доставьте на ул. Ленина, д. 5, кв. 12, Москва", "ru", "ул. Ленина, д. 5, кв. 12, Москва"),
        ("адрес: Москва, Тверская улица 7-15", "ru", "Москва, Тверская улица 7-15"),
        (
            "Please change the delivery address for order 100234 to 10 Downing Street, London SW1A 2AA. "
            "Thanks!",
            "en",
            "10 Downing Street, London SW1A 2AA",
        ),
        (
            "I moved, I now live at 42 Oak Road, Bristol BS1 4DJ and want my parcel there",
            "en",
            "42 Oak Road, Bristol BS1 4DJ",
        ),
        ("Привезите заказ 5512 на проспект Мира 12, кв 4, пожалуйста", "ru", "проспект Мира 12, кв 4"),
        (
            "измените адрес доставки на Санкт-Петербург, Невский проспект, д. 28",
            "ru",
            "Санкт-Петербург, Невский проспект, д. 28",
        ),
        (
            "ship it to 350 Fifth Avenue, New York, NY 10118 please",
            "en",
            "350 Fifth Avenue, New York, NY 10118",
        ),
        ("Москва, ул. Арбат, 10", "ru", "Москва, ул. Арбат, 10"),
        ("Flat 4, 22 Baker Street, London NW1 6XE", "en", "Flat 4, 22 Baker Street, London NW1 6XE"),
        ("new address: flat 2b, 9 Queen St, Bath BA1 1AA", "en", "flat 2b, 9 Queen St, Bath BA1 1AA"),
        ("кв. 7, ул. Ленина, д. 3, Москва", "ru", "кв. 7, ул. Ленина, д. 3, Москва"),
        # the order between the lead-in and the address is not part of it
        (
            "I need to change the delivery address for my last order to 221B Baker Street, London NW1 6XE",
            "en",
            "221B Baker Street, London NW1 6XE",
        ),
        ("измените адрес доставки для заказа 100234 на ул. Мира 44, кв 8", "ru", "ул. Мира 44, кв 8"),
        (
            "can you deliver my headphones to my office instead? 1 Canada Square, London E14 5AB",
            "en",
            "1 Canada Square, London E14 5AB",
        ),
    ],
)
def test_addresses(text: str, language: str, address: str) -> None:
    assert extract_entities(text, language).get("address") == address


def test_address_keeps_order_number_out() -> None:
    entities = extract_entities("Привезите заказ 5512 на проспект Мира 12, кв 4", "ru")
    assert entities["order_id"] == "5512"
    assert entities["address"] == "проспект Мира 12, кв 4"


def test_whole_message_is_the_address_when_one_was_asked() -> None:
    context = ParseContext(expecting="new_address")
    entities = extract_entities("Lenina 5, flat 12, Kazan", "en", context=context)
    assert entities["address"] == "Lenina 5, flat 12, Kazan"
    assert "address" not in extract_entities("Lenina 5, flat 12, Kazan", "en")


@pytest.mark.parametrize(
    ("text", "language", "address"),
    [
        ("yes, to Moscow, Tverskaya 10, apt 5", "en", "Moscow, Tverskaya 10, apt 5"),
        ("да, на Тверскую 10, кв 5, Москва", "ru", "Тверскую 10, кв 5, Москва"),
        ("Tokyo Street 5, Leeds", "en", "Tokyo Street 5, Leeds"),
    ],
)
def test_an_answer_to_the_address_question_loses_its_yes_and_to(
    text: str, language: str, address: str
) -> None:
    context = ParseContext(expecting="new_address")
    assert extract_entities(text, language, context=context)["address"] == address


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("please deliver it to my office", "en"),
        ("доставьте на 5 декабря", "ru"),
        ("перенесите доставку на пятницу", "ru"),
        ("my order 5512 is late", "en"),
        ("send it to me tomorrow", "en"),
        ("I need to change the delivery address on 100301", "en"),
        ("the box is square and 5 cm wide", "en"),
        ("поменяйте адрес доставки по заказу 100301", "ru"),
    ],
)
def test_no_false_addresses(text: str, language: str) -> None:
    assert "address" not in extract_entities(text, language)
