"""Phone numbers via `phonenumbers`, normalised to E.164.

The default region follows the language (a Russian writer's "8 916 000-00-01" is a Moscow mobile);
numbers written with a country code (+44, +1, ...) parse whatever the region. Matching runs only when
the text holds enough digits to be a phone number, since the matcher is comparatively slow.
"""

from __future__ import annotations

import re

import phonenumbers

from ._common import Claims

_ENOUGH_DIGITS = re.compile(r"\d(?:[\s().-]{0,3}\d){6,}")
# a phone-looking run of digits: the matcher only ever sees these short windows, which keeps the cost
# bounded on long digit-heavy messages
_CANDIDATE = re.compile(r"(?:\+\s?)?\(?\d(?:[\s().-]{0,3}\d){6,15}")
_MAX_CANDIDATES = 6
_REGIONS = {"ru": ("RU",), "en": ("RU", "GB", "US")}


def extract_phones(text: str, language: str, claims: Claims) -> list[str]:
    """All phone numbers in E.164, in order of mention."""
    if not _ENOUGH_DIGITS.search(text):
        return []
    found: list[tuple[int, str]] = []
    for n, window in enumerate(_CANDIDATE.finditer(text)):
        if n >= _MAX_CANDIDATES:
            break
        offset, chunk = window.start(), window.group(0)
        for region in _REGIONS.get(language, ("RU", "GB", "US")):
            try:
                matcher = phonenumbers.PhoneNumberMatcher(chunk, region, leniency=phonenumbers.Leniency.VALID)
                matches = [(offset + m.start, offset + m.end, m) for m in matcher]
            except Exception:  # a parsing library must never break understanding
                continue
            for start, end, match in matches:
                if claims.overlaps(start, end) or not _plausible(match.raw_string):
                    continue
                e164 = phonenumbers.format_number(match.number, phonenumbers.PhoneNumberFormat.E164)
                claims.add(start, end)
                found.append((start, e164))
    found.sort()
    out: list[str] = []
    for _, number in found:
        if number not in out:
            out.append(number)
    return out


def _plausible(raw: str) -> bool:
    """Reject bare digit runs too short to be a full number (6-8 digits look like order numbers)."""
    digits = sum(ch.isdigit() for ch in raw)
    return digits >= 10 or (raw.lstrip().startswith("+") and digits >= 8)
