"""E-mail addresses: a plain, permissive pattern; validation belongs to whoever sends mail to it."""

from __future__ import annotations

import re

from ._common import Claims

_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[A-Za-z]{2,24}\b")


def extract_email(text: str, claims: Claims) -> str | None:
    """First e-mail address in the text (as written, trailing dots trimmed)."""
    if "@" not in text:
        return None
    for m in _EMAIL.finditer(text):
        claims.add(m.start(), m.end())
        return m.group(0).strip(".")
    return None
