"""Entity extraction for the embedded understanding engine.

`extract_entities` returns the dict documented in `parley.nlu.types` (keys absent when not said).
Extractors run in a fixed order and claim the text they consumed (see `_common.Claims`): e-mail,
phone numbers, amounts, dates and addresses first, so that order numbers are only read from what
is left. Everything is regular expressions and small tables: no model, deterministic, ~0.1-1 ms.
Nothing here logs: a code word must never reach a log.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ... import clock
from ..types import ParseContext
from ._common import MAX_TEXT, Claims, fold
from .addresses import extract_address
from .answers import extract_answer, is_bare_answer
from .code_word import extract_code_word, extract_explicit_code_word
from .dates import extract_dates, warm_up
from .emails import extract_email
from .forgot import extract_forgot_code_word
from .money import extract_amount
from .orders import extract_order_ids, extract_order_ref
from .ordinals import extract_every, extract_ordinal
from .payment_methods import extract_payment_method
from .phones import extract_phones
from .products import extract_product, extract_unknown_product
from .reasons import extract_reason
from .services import extract_services

__all__ = ["extract_entities", "warm_up"]


def extract_entities(
    text: str,
    language: str,
    *,
    context: ParseContext | None = None,
    now: datetime | None = None,
) -> dict[str, Any]:
    """Entities of one message (or one request span of it), as documented in `parley.nlu.types`."""
    ctx = context or ParseContext()
    expecting = (ctx.expecting or "").strip().lower() or None
    raw = (text or "")[:MAX_TEXT]
    folded = fold(raw)
    claims = Claims()
    out: dict[str, Any] = {}

    email = extract_email(folded, claims)
    if email:
        out["email"] = email
    phones = extract_phones(folded, language, claims)
    if phones:
        out["msisdn"] = phones[0]
        if len(phones) > 1:
            out["msisdns"] = phones
    amount = extract_amount(folded, claims)
    if amount:
        out["amount"] = amount
    out.update(extract_dates(folded, language, now or clock.now(), claims))
    address = extract_address(raw, claims, expecting)
    if address:
        out["address"] = address

    order_ids = extract_order_ids(folded, claims, expecting=expecting)
    if order_ids:
        out["order_id"] = order_ids[0]
        out["order_ids"] = order_ids
    order_ref = extract_order_ref(folded)
    if order_ref:
        out["order_ref"] = order_ref
    ordinal = extract_ordinal(folded, claims, expecting=expecting)
    if ordinal is not None:
        out["ordinal"] = ordinal
    if extract_every(folded):
        out["every"] = True
    product = extract_product(folded, ctx.orders)
    if product:
        out["product"] = product["product"]
        if "order_id" in product and "order_id" not in out:
            out["order_id"] = product["order_id"]
            out["order_ids"] = [product["order_id"]]
    elif unknown := extract_unknown_product(folded, ctx.orders):
        out["product_unknown"] = unknown

    services = extract_services(folded, ctx.services)
    if services:
        out["service"] = services[0]
        if len(services) > 1:
            out["services"] = services
    method = extract_payment_method(folded)
    if method:
        out["payment_method"] = method
    answer = extract_answer(folded)
    if answer:
        out["answer"] = answer
    reason = extract_reason(raw, expecting=None if is_bare_answer(raw) else expecting)
    if reason:
        out["reason"] = reason
    code_word = extract_code_word(raw) if expecting == "code_word" else extract_explicit_code_word(raw)
    if extract_forgot_code_word(raw, expecting):
        out["forgot_code_word"] = True
    elif code_word:
        out["code_word"] = code_word
    return out
