"""Order numbers, positional references, products resolved against the customer's orders, ordinals."""

from __future__ import annotations

import pytest

from parley.nlu.entities import extract_entities
from parley.nlu.entities.orders import listed_together
from parley.nlu.types import OrderHint, ParseContext

ORDERS = ParseContext(
    orders=[
        OrderHint("100250", "2026-11-24", "new", ["Чайник синий"]),
        OrderHint("100240", "2026-11-22", "delivered", ["Wireless headphones", "USB-C cable"]),
        OrderHint("100234", "2026-11-20", "processing", ["Electric kettle, white"]),
    ]
)


@pytest.mark.parametrize(
    ("text", "language", "ids"),
    [
        ("Where is order 100234?", "en", ["100234"]),
        ("#5512", "en", ["5512"]),
        ("заказ №100234", "ru", ["100234"]),
        ("что по заказу 5520", "ru", ["5520"]),
        ("5512", "en", ["5512"]),
        ("cancel 5512 and tell me where 5520 is", "en", ["5512", "5520"]),
        ("заказы 5512, 5520 и 5530", "ru", ["5512", "5520", "5530"]),
        ("order #100234 and #100235", "en", ["100234", "100235"]),
        ("my order number is 100234, phone +7 916 000-00-01", "en", ["100234"]),
    ],
)
def test_order_numbers(text: str, language: str, ids: list[str]) -> None:
    entities = extract_entities(text, language)
    assert entities.get("order_ids") == ids
    assert entities.get("order_id") == ids[0]


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("my number is 89160000001", "ru"),
        ("пополните на 1000 рублей", "ru"),
        ("top up 1500", "en"),
        ("deliver on 03.12.2026", "en"),
        ("change the address to 221B Baker Street, London NW1 6XE", "en"),
        ("адрес: Москва, Тверская улица 7-15, 125009", "ru"),
        ("new address: 350 Fifth Avenue, New York, NY 10118", "en"),
        ("I have 2048 MB left", "en"),
        ("I ordered it in 2025", "en"),
        ("осталось 300 минут", "ru"),
    ],
)
def test_no_false_order_numbers(text: str, language: str) -> None:
    assert "order_id" not in extract_entities(text, language)


def test_bare_short_number_counts_when_an_order_number_was_asked() -> None:
    context = ParseContext(expecting="order_id")
    assert extract_entities("512", "en", context=context).get("order_id") == "512"
    assert "order_id" not in extract_entities("512", "en")


@pytest.mark.parametrize(
    ("text", "language", "ref"),
    [
        ("where is my last order?", "en", "last"),
        ("последний заказ не пришел", "ru", "last"),
        ("the latest one", "en", "last"),
        ("cancel the first order", "en", "first"),
        ("верните первый заказ", "ru", "first"),
        ("no, I meant the other one", "en", "other"),
        ("what's the status of my other order", "en", "other"),
        ("где мой другой заказ?", "ru", "other"),
        ("нет, другой", "ru", "other"),
        ("не этот, а другой заказ", "ru", "other"),
        ("the previous one", "en", "previous"),
        ("предыдущий", "ru", "previous"),
        ("the second order", "en", "second"),
    ],
)
def test_order_references(text: str, language: str, ref: str) -> None:
    assert extract_entities(text, language).get("order_ref") == ref


@pytest.mark.parametrize(
    "text",
    [
        "уйду к другому оператору",
        "the other day I called you",
        "I'll go to another provider",
        "I need it by Friday at the latest",
    ],
)
def test_other_is_not_always_an_order_reference(text: str) -> None:
    assert "order_ref" not in extract_entities(text, "ru" if text[0] > "z" else "en")


@pytest.mark.parametrize(
    ("text", "language", "product", "order_id"),
    [
        ("the headphones one", "en", "wireless headphones", "100240"),
        ("что с наушниками?", "ru", "wireless headphones", "100240"),
        ("the blue kettle", "en", "чайник синий", "100250"),
        ("синий чайник ещё не приехал", "ru", "чайник синий", "100250"),
        ("the white kettle", "en", "electric kettle, white", "100234"),
        ("where is my cable", "en", "usb-c cable", "100240"),
    ],
)
def test_products_resolve_to_their_order(text: str, language: str, product: str, order_id: str) -> None:
    entities = extract_entities(text, language, context=ORDERS)
    assert entities.get("product") == product
    assert entities.get("order_id") == order_id


def test_ambiguous_product_leaves_the_order_open() -> None:
    entities = extract_entities("where is the kettle?", "en", context=ORDERS)
    assert entities.get("product") == "kettle"
    assert "order_id" not in entities
    assert extract_entities("чайник", "ru", context=ORDERS).get("product") == "чайник"


def test_explicit_order_number_wins_over_product_match() -> None:
    entities = extract_entities("the headphones from order 100234", "en", context=ORDERS)
    assert entities["order_id"] == "100234"
    assert entities["product"] == "wireless headphones"


def test_no_product_without_context() -> None:
    assert "product" not in extract_entities("the headphones one", "en")


@pytest.mark.parametrize(
    ("text", "language", "ordinal"),
    [
        ("the second one", "en", 2),
        ("второй", "ru", 2),
        ("давайте вторую", "ru", 2),
        ("а по второму?", "ru", 2),
        ("с последним", "ru", -1),
        ("the last one", "en", -1),
        ("последний", "ru", -1),
        ("the first one please", "en", 1),
        ("третий слот", "ru", 3),
        ("option 2", "en", 2),
        ("вариант 1", "ru", 1),
    ],
)
def test_ordinals(text: str, language: str, ordinal: int) -> None:
    assert extract_entities(text, language).get("ordinal") == ordinal


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("this is the third time I'm writing", "en"),
        ("в третий раз пишу", "ru"),
        ("во-первых, заказ опоздал", "ru"),
        ("wait a second", "en"),
        ("wait, what's the status of it first?", "en"),
        ("first, tell me the price", "en"),
        ("first of all, hello", "en"),
        ("в пятницу", "ru"),
        ("the first order", "en"),
    ],
)
def test_no_false_ordinals(text: str, language: str) -> None:
    assert "ordinal" not in extract_entities(text, language)


def test_bare_digit_is_an_ordinal_when_a_slot_was_offered() -> None:
    assert extract_entities("2", "en", context=ParseContext(expecting="slot")).get("ordinal") == 2


@pytest.mark.parametrize(
    "text",
    [
        "both",
        "both of them, please",
        "all my numbers",
        "all of them",
        "each one",
        "на обоих",
        "оба",
        "по всем номерам",
        "для каждого номера",
        "на всех",
    ],
)
def test_every_item_of_the_list(text: str) -> None:
    assert extract_entities(text, "ru" if text[0] > "z" else "en").get("every") is True


@pytest.mark.parametrize(
    "text",
    ["all good", "all of the time", "thanks for all", "обед", "обычно", "все хорошо", "это все, спасибо"],
)
def test_no_false_every(text: str) -> None:
    assert "every" not in extract_entities(text, "ru" if text[0] > "z" else "en")


@pytest.mark.parametrize(
    ("text", "ids", "together"),
    [
        ("cancel 100234 and 100260", ["100234", "100260"], True),
        ("отмените заказы 100234, 100260", ["100234", "100260"], True),
        ("cancel order 100234 and order #100260", ["100234", "100260"], True),
        ("100234 и заказ №100260", ["100234", "100260"], True),
        ("not 100234 but 100260", ["100234", "100260"], False),
        ("100234 arrived, where is 100260?", ["100234", "100260"], False),
        ("cancel 100234", ["100234"], False),
    ],
)
def test_orders_listed_together(text: str, ids: list[str], together: bool) -> None:
    """A list of orders is one request for each; a correction or two questions are not a list."""
    assert listed_together(text, ids) is together


@pytest.mark.parametrize(
    ("text", "unknown"),
    [
        ("хочу вернуть утюг", "утюг"),
        ("I want to return my vacuum", "vacuum"),
        ("где мой чайник?", None),  # the customer's own kettle: a product, not an unknown one
        ("cancel my order, I bought a new phone elsewhere", None),  # some other phone: a reason
        ("the screen is cracked", None),  # a part, not a product
    ],
)
def test_a_kind_of_product_the_customer_never_ordered(text: str, unknown: str | None) -> None:
    entities = extract_entities(text, "en", context=ORDERS)
    assert entities.get("product_unknown") == unknown
