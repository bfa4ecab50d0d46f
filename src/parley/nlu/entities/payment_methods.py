"""Payment methods: card, cash, SBP, PayPal, bank transfer, invoice — in both languages.

"Cash on delivery" / "при получении" alone means cash; "картой при получении" stays card. A SIM card,
a loyalty card or a gift card is not a way to pay.
"""

from __future__ import annotations

import re

_METHODS: list[tuple[str, re.Pattern[str]]] = [
    (
        "sbp",
        re.compile(
            r"\b(?:sbp|сбп|система\s+быстрых\s+платежей|систем[а-я]*\s+быстрых\s+платежей|faster\s+payments?"
            r"|по\s+qr|qr[-\s]?код[а-я]*|qr\s+code)\b",
            re.IGNORECASE,
        ),
    ),
    ("paypal", re.compile(r"\bpay\s?pal\b|пэйпал|пейпал", re.IGNORECASE)),
    (
        "bank_transfer",
        re.compile(
            r"\b(?:bank\s+transfer|wire(?:\s+transfer)?|bank\s+wire|банковск[а-я]*\s+перевод[а-я]*"
            r"|перевод(?:ом)?\s+(?:на\s+)?(?:сч[её]т|по\s+реквизитам)|по\s+реквизитам|безнал[а-я]*"
            r"|(?:direct\s+)?bank\s+(?:payment|account))\b",
            re.IGNORECASE,
        ),
    ),
    (
        "invoice",
        re.compile(
            r"\b(?:invoice|по\s+сч[её]ту|сч[её]т\s+на\s+оплату|выстав[а-я]*\s+сч[её]т)\b", re.IGNORECASE
        ),
    ),
    (
        "card",
        re.compile(
            r"(?<![\w-])(?<!sim\s)(?<!sim-)(?<!сим\s)(?<!сим-)(?:(?:credit|debit|bank|another|other|a|my|new)\s+)?"
            r"(?:card|visa|mastercard|maestro|amex|apple\s+pay|google\s+pay|картой|карточкой|карту|карта"
            r"|карты|карточк[а-я]*|виза|мастеркард|мир(?=\s+карт))(?![\w-])"
            r"(?!\s+(?:лояльност|loyalty|gift|подарочн|бонусн|sim|сим))",
            re.IGNORECASE,
        ),
    ),
    (
        "cash",
        re.compile(
            r"\b(?:cash|наличн[а-я]*|налом|наличкой|on\s+delivery|при\s+получении|курьеру\s+на\s+руки|cod)\b",
            re.IGNORECASE,
        ),
    ),
]
_NOT_PAYMENT_CARD = re.compile(
    r"(?:sim|сим|loyalty|gift|bonus|подарочн[а-я]*|бонусн[а-я]*|лояльност[а-я]*|клубн[а-я]*)[\s-]*(?:card|карт)",
    re.IGNORECASE,
)


def extract_payment_method(text: str) -> str | None:
    """The payment method mentioned first; card wins over "on delivery" when both are said."""
    cleaned = _NOT_PAYMENT_CARD.sub(" ", text)
    found: list[tuple[int, str]] = []
    for method, pattern in _METHODS:
        m = pattern.search(cleaned)
        if m:
            found.append((m.start(), method))
    if not found:
        return None
    methods = {method for _, method in found}
    if "card" in methods and "cash" in methods and not re.search(r"\bcash\b|наличн|налом", cleaned, re.I):
        return "card"  # "картой при получении": card, paid on delivery
    found.sort()
    return found[0][1]
