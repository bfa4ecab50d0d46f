"""Products referred to by description ("the headphones one", "с наушниками", "the blue kettle"),
matched against the item names of the customer's orders in the parse context.

Words are compared by stem and by a small bilingual concept table, so a Russian message finds an
English item name and the other way round. The best-scoring item wins; when items of several orders
tie, only the product words are reported and the order stays unresolved (the dialogue asks which).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from ..types import OrderHint
from ._stem import PRODUCT_CONCEPTS, keys, words

_STOP = frozenset(
    """the a an my one order orders item items thing it this that with for and of to in on set pack new pro
    mini max plus size pcs pc x мой моя мое мои заказ заказа заказе с со для и на в по из от шт штук набор
    один одна тот этот эта эти""".split()
)


@lru_cache(maxsize=1024)
def _item_keys(name: str) -> tuple[frozenset[str], ...]:
    return tuple(keys(w) for _, _, w in words(name) if w.lower() not in _STOP and len(w) >= 3)


def names_item(product: str, item_name: str) -> bool:
    """Whether the product words of a message ("чайника", "the headphones") name this item ("Electric
    kettle"): the words themselves ("kettle" in "Blue kettle"), or the same stems and concepts as
    `extract_product`, so either language finds either."""
    said_text, name = product.lower(), item_name.lower()
    if said_text in name or name in said_text:
        return True
    item = _item_keys(item_name)
    said = [keys(w) for _, _, w in words(product) if w.lower() not in _STOP and len(w) >= 3]
    return any(item_key & word_key for item_key in item for word_key in said)


def extract_product(text: str, orders: list[OrderHint]) -> dict[str, Any]:
    """{"product": ..., "order_id": ...} for the item the message describes, or {} when none matches."""
    if not orders:
        return {}
    message = [(s, e, keys(w)) for s, e, w in words(text) if w.lower() not in _STOP and len(w) >= 3]
    if not message:
        return {}
    best_score = 0
    best: list[tuple[str, str, list[str]]] = []  # (item name, order id, matched message words)
    for order in orders:
        for name in order.item_names:
            score = 0
            matched: list[str] = []
            for item_key in _item_keys(name):
                for s, e, msg_key in message:
                    if item_key & msg_key:
                        score += 1
                        matched.append(text[s:e].lower())
                        break
            if score == 0 or score < best_score:
                continue
            if score > best_score:
                best_score, best = score, []
            best.append((name, order.order_id, matched))
    if not best:
        return {}
    names = {name.lower() for name, _, _ in best}
    order_ids = {order_id for _, order_id, _ in best}
    out: dict[str, Any] = {}
    if len(names) == 1:
        out["product"] = best[0][0].lower()
    else:
        out["product"] = " ".join(dict.fromkeys(best[0][2]))
    if len(order_ids) == 1:
        out["order_id"] = best[0][1]
    return out


def extract_unknown_product(text: str, orders: list[OrderHint]) -> str | None:
    """The thing a message names ("чайник", "the vacuum") when it is a kind of product none of the customer's
    items is: the customer means an order they do not have, and no order of theirs should be assumed."""
    if not orders:
        return None
    owned = {
        key
        for order in orders
        for name in order.item_names
        for item_key in _item_keys(name)
        for key in item_key
    }
    said = words(text)
    for i, (_, _, word) in enumerate(said):
        concepts = {k[1:] for k in keys(word) if k.startswith("#")}
        if not concepts & PRODUCT_CONCEPTS or {"#" + c for c in concepts} & owned:
            continue
        if i and said[i - 1][2].lower() in _SOME_OTHER:
            continue  # "I bought a new phone elsewhere": a reason, not the order meant
        return word.lower()
    return None


# Words before a product that make it some product, not the one the customer ordered.
_SOME_OTHER = frozenset(
    "a an another new other some новый новую новое новые другой другую другое другие какой-то ещё еще".split()
)
