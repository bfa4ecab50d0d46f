"""Splitting one message into several requests: "cancel 5512 and tell me where 5520 is".

Why classification decides, not grammar: "and" joins two requests as often as it joins two halves of one
("I want to return it and get my money back"). So the text is cut at every connector into atoms, every atom
is classified, and a cut survives only where the atoms on both sides are confident, in scope, and about
different intents. Everything else glues back onto its neighbour, so a single request stays one span.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from parley.nlu.classifier import OUT_OF_SCOPE, Ranked

# "you also charged me", "вы также списали": after a subject, "also" is inside one clause, not a cut.
_NOT_AFTER_SUBJECT = "".join(
    rf"(?<!\b{w} )"
    for w in ("i", "you", "we", "they", "he", "she", "it", "я", "вы", "мы", "они", "он", "она")
)
# Connectors between requests, English and Russian. The capture keeps the cut points; the connector words
# themselves are dropped from the spans. Sentence ends count too, and ", а" ("отмените 100234, а заказ 100260
# я оплачу наличными").
_CONNECTORS = re.compile(
    rf"(?:[.;!?]+\s+|\s*,?\s+\b(?:and then|and also|and|{_NOT_AFTER_SUBJECT}also|then|plus|after that|"
    rf"а также|а ещ[её]|и ещ[её]|а потом|и потом|потом|затем|и|а ещё|{_NOT_AFTER_SUBJECT}также)\b\s+"
    r"|\s*,\s*а\s+)",
    re.IGNORECASE,
)
_LEADING = re.compile(r"^(?:and|also|then|plus|и|а|потом|затем|также)\s+", re.IGNORECASE)
MAX_ATOMS = 6
# A whole message classified at least this surely is taken as one request without encoding its pieces.
SURE_WHOLE = 0.97
_NUMBER = re.compile(r"\d{3,}")
# Words that announce another request ("... and also where is my lamp"), and a question followed by more
# text: worth classifying the pieces even when the whole message reads as one request with certainty.
# So is a second question or request joined by "and" ("cancel 100410 and tell me where my headphones are",
# "отмените заказ и скажите, где наушники"): the whole can read as one intent with near certainty.
_ANOTHER_REQUEST = re.compile(
    r"\b(?:and also|also|plus|one more thing|another thing|а также|а ещ[её]|и ещ[её]|кроме того|"
    r"ещ[её] вопрос)\b|\?\s+\w"
    r"|\b(?:and|и)\s+(?:tell me|let me know|check|скажите|подскажите|проверьте|сообщите|посмотрите)\b"
    # ... and a second action asked for ("what's my balance on both numbers and turn off anti-spam on the
    # second one", "... и отключите антиспам")
    r"|\b(?:and|и)\s+(?:please\s+|пожалуйста\s+)?(?:turn|switch|cancel|change|move|activate|deactivate|unlock"
    r"|top\s+up|reschedule|отключите|подключите|отмените|измените|поменяйте|перенесите|пополните"
    r"|разблокируйте|пришлите|запишите)\b",
    re.IGNORECASE,
)
# Greetings and thanks around a request are not requests of their own.
SOCIAL_INTENTS = frozenset({"greeting", "compliment", "farewell"})


@dataclass(slots=True)
class Segment:
    text: str
    ranked: Ranked


# A greeting set off by a comma or a dash ("добрый день, где мой пылесос?") is a piece of its own.
_GREETING_LEAD = re.compile(
    r"^\s*((?:hi|hello|hey|hiya|good\s+(?:morning|afternoon|evening|day)|здравствуйте|здравствуй|привет"
    r"|приветствую|добрый\s+(?:день|вечер)|доброе\s+утро|доброго\s+(?:дня|времени\s+суток))(?:\s+there)?)"
    r"\s*[,—–-]+\s*(?=\w)",
    re.IGNORECASE,
)


def split_atoms(text: str) -> list[str]:
    """Cuts at connectors; returns stripped non-empty pieces (the whole text when there is no connector)."""
    greeting = _GREETING_LEAD.match(text)
    lead = [greeting.group(1)] if greeting else []
    rest = text[greeting.end() :] if greeting else text
    parts = [_LEADING.sub("", p.strip(" ,;.!?\t\n")) for p in _CONNECTORS.split(rest)]
    return lead + [p for p in parts if p]


def may_hold_several_requests(text: str, whole: Ranked, *, sure: float = SURE_WHOLE) -> bool:
    """Whether the pieces of `text` are worth encoding and classifying one by one.

    Why a gate: encoding the pieces costs one encoder pass per piece (~10-15 ms each on one core), which
    tripled the latency of every message containing "and"/"и". Two requests in one message pull the whole
    message's probability apart ("cancel 5512 and where is 5520": 0.93 / 0.05), while a single request
    joined by a connector ("I want to return it and get my money back") is classified near-certainly.
    Two different order numbers are one more tell-tale sign, words that announce another request ("and
    also", "а ещё") or a question followed by more text another: "cancel the kettle order and also where
    is my lamp" reads as a cancellation at 0.98 as a whole. Otherwise the message is one request.
    """
    if whole.intent == OUT_OF_SCOPE or whole.needs_clarification or whole.confidence < sure:
        return True
    return len(set(_NUMBER.findall(text))) >= 2 or _ANOTHER_REQUEST.search(text) is not None


def _confident(r: Ranked, text: str, min_confidence: float) -> bool:
    return (
        r.intent != OUT_OF_SCOPE
        and not r.needs_clarification
        and r.confidence >= min_confidence
        and len(text.split()) >= 2
    )


def _names_another_number(group: Sequence[str], atom: str) -> bool:
    """ "where is 100234 and where is 100260?": the same question about another order is a request of its
    own, not the first one continued."""
    earlier = set(_NUMBER.findall(" ".join(group)))
    here = set(_NUMBER.findall(atom))
    return bool(earlier) and bool(here) and not (here & earlier)


def segment(
    text: str,
    whole: Ranked,
    atoms: Sequence[str],
    atom_ranked: Sequence[Ranked],
    *,
    min_confidence: float = 0.6,
) -> list[Segment]:
    """Groups classified atoms into ordered request spans; one span for the whole text when it is one request.

    `whole` is the classification of the entire message, used whenever the atoms do not clearly form
    several different confident requests.
    """
    single = [Segment(text, whole)]
    if len(atoms) < 2 or len(atoms) > MAX_ATOMS:
        return single
    groups: list[tuple[list[str], Ranked | None]] = []  # (atom texts, ranked of its confident anchor)
    for atom, r in zip(atoms, atom_ranked, strict=True):
        if _confident(r, atom, min_confidence):
            if (
                groups
                and groups[-1][1] is not None
                and groups[-1][1].intent == r.intent
                and not _names_another_number(groups[-1][0], atom)
            ):
                groups[-1][0].append(atom)  # same request continued
            elif groups and groups[-1][1] is None:
                groups[-1] = (groups[-1][0] + [atom], r)  # leading unsure atoms belong to this request
            else:
                groups.append(([atom], r))
        elif groups:
            groups[-1][0].append(atom)
        else:
            groups.append(([atom], None))
    spans = [Segment(" ".join(texts), r) for texts, r in groups if r is not None]
    requests = [s for s in spans if s.ranked.intent not in SOCIAL_INTENTS]
    if len(requests) == 1 and (len(spans) >= 2 or whole.intent in SOCIAL_INTENTS):
        # "Hello! Where is my order?" - one request wrapped in pleasantries: the request wins (also when the
        # greeting was too short to count as a piece, and the whole message read as the greeting).
        return [Segment(text, requests[0].ranked)]
    if len(requests) < 2:
        return single
    return requests


def segment_message(
    text: str, classify: Callable[[list[str]], list[Ranked]], *, min_confidence: float = 0.6
) -> list[Segment]:
    """Convenience: classify the whole text, then its atoms only when it may hold several requests."""
    whole = classify([text])[0]
    atoms = split_atoms(text)
    if not (2 <= len(atoms) <= MAX_ATOMS and may_hold_several_requests(text, whole)):
        return [Segment(text, whole)]
    return segment(text, whole, atoms, classify(atoms), min_confidence=min_confidence)
