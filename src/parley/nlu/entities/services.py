"""Telecom services named in a message, resolved to a code of the service catalog.

Two sources of evidence: a synonym table for the demo catalog codes (how people actually ask: "for my
trip abroad", "музыку", "кто звонит") and a fuzzy match of the message against each catalog entry's
name and code, so a catalog the table has never seen still works. With a catalog in the context only
its codes are returned; without one, the synonym table's codes are.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from ._stem import keys, words

_SYNONYMS: dict[str, re.Pattern[str]] = {
    code: re.compile(pattern, re.IGNORECASE)
    for code, pattern in {
        "roaming": r"\broaming|роуминг|abroad|overseas|international\s+(?:travel|trip|data)|за\s*границ[а-я]*"
        r"|заграниц[а-я]*|за\s+рубеж[а-я]*|в\s+поездк[а-я]*\s+(?:за|в\s+друг)|(?:trip|travel\w*)\s+to\s+[A-Z]"
        r"|в\s+(?:турци|европ|таиланд|египет|оаэ|грузи|армени|казахстан)[а-я]*"
        r"|\b(?:to|in)\s+(?:the\s+)?(?:turkey|europe|thailand|egypt|uae|dubai|georgia|armenia|kazakhstan|spain"
        r"|italy|france|germany|greece|cyprus|china|usa|states|uk)\b(?!\s+(?:street|road|avenue))",
        "music": r"\bmusic|музык[а-я]*|music\s+streaming|spotify|\bsongs?\b|песн[а-я]*|плейлист|playlist",
        "antispam": r"anti-?\s?spam|антиспам|анти-спам|\bspam|спам[а-я]*|robocall|нежелательн[а-я]*\s+звонк"
        r"|unwanted\s+calls|scam\s+calls|junk\s+calls|мошенническ[а-я]*\s+звонк",
        "extra_data": r"extra\s+(?:data|gb|gigabytes?|internet|traffic)"
        r"|additional\s+(?:data|gb|internet|traffic)"
        r"|more\s+(?:data|gb|gigabytes|internet)|data\s+(?:pack|package|add-?on|bundle|top-?up)"
        r"|доп(?:\.|олнительн[а-я]*)?\s*(?:интернет|трафик|гигабайт|гб|пакет)[а-я]*"
        r"|больше\s+(?:интернета|гигабайт|трафика)"
        r"|ещ[её]\s+(?:интернета|гигабайт|трафика)|extra_data",
        "caller_id": r"caller[\s_-]?id|определител[а-я]*(?:\s+номер[а-я]*)?|кто\s+(?:мне\s+)?звонит"
        r"|who(?:'s|\s+is)\s+calling"
        r"|\bаон\b|number\s+identification|see\s+who\s+calls",
        "voicemail": r"voice\s*-?mail|голосов[а-я]*\s+почт[а-я]*|автоответчик[а-я]*|answering\s+machine",
    }.items()
}
_STOP = frozenset(
    """service services option the a my and for of to in on услуга услуги услугу опция опцию опции
    подключить подключите отключить отключите connect disconnect enable disable activate deactivate
    turn please""".split()
)


@lru_cache(maxsize=512)
def _name_keys(name: str) -> tuple[frozenset[str], ...]:
    return tuple(keys(w) for _, _, w in words(name) if w.lower() not in _STOP and len(w) >= 3)


def extract_services(text: str, catalog: list[dict[str, Any]]) -> list[str]:
    """Service codes mentioned, in order of mention."""
    codes = [str(item.get("code", "")) for item in catalog if item.get("code")]
    allowed = set(codes) if codes else set(_SYNONYMS)
    found: dict[str, int] = {}
    for code, pattern in _SYNONYMS.items():
        if code in allowed:
            m = pattern.search(text)
            if m:
                found[code] = min(found.get(code, m.start()), m.start())
    if catalog:
        message = [(s, keys(w)) for s, _, w in words(text) if w.lower() not in _STOP and len(w) >= 3]
        for item in catalog:
            code = str(item.get("code", ""))
            if not code or code in found:
                continue
            m = re.search(rf"(?<![\w]){re.escape(code)}(?![\w])", text, re.IGNORECASE)
            if m:
                found[code] = m.start()
                continue
            position = _fuzzy(message, _name_keys(str(item.get("name", ""))), catalog, code)
            if position is not None:
                found[code] = position
    return [code for code, _ in sorted(found.items(), key=lambda kv: kv[1])]


def _fuzzy(
    message: list[tuple[int, frozenset[str]]],
    name_keys: tuple[frozenset[str], ...],
    catalog: list[dict[str, Any]],
    code: str,
) -> int | None:
    """Position of the match when all name words, or a word unique to this service, appear."""
    hits: list[tuple[int, frozenset[str]]] = []
    for nk in name_keys:
        for pos, mk in message:
            if nk & mk:
                hits.append((pos, nk))
                break
    if not hits:
        return None
    if len(hits) == len(name_keys):
        return hits[0][0]
    for pos, nk in hits:
        shared = any(
            nk & other
            for item in catalog
            if item.get("code") != code
            for other in _name_keys(str(item.get("name", "")))
        )
        if not shared and any(len(k) >= 5 for k in nk):
            return pos
    return None
