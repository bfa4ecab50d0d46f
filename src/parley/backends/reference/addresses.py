"""Channel address normalization: "+7 916 123-45-67" from SMS finds the customer stored as "+79161234567"."""

from __future__ import annotations

import re

PHONE_CHANNELS = frozenset({"sms", "whatsapp", "phone", "voice"})


def normalize_address(channel: str, address: str) -> str:
    address = address.strip()
    if channel in PHONE_CHANNELS:
        digits = re.sub(r"\D", "", address)
        return f"+{digits}" if digits else address
    if channel == "email":
        return address.lower()
    return address
