"""Which language a message is in: "ru" or "en".

Script decides almost always (Cyrillic letters vs Latin letters). Latin text is checked for
transliterated Russian ("privet, gde moy zakaz") word by word against frequent English words: a Latin
word counts as Russian if it is a frequent translit word, or if its Cyrillic rendering (translit.py) is a
word of the Russian that the packs ship — their training examples and reply templates — or shares its
first five letters with one ("zakazom" -> "заказом" ~ "заказ"). A message with no letters ("5512", "👍")
takes the caller's fallback (the customer's preferred language) or "en".
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from parley.nlu.translit import to_cyrillic

_CYR = re.compile(r"[а-яё]", re.IGNORECASE)
_LAT = re.compile(r"[a-z]", re.IGNORECASE)
_WORD = re.compile(r"[a-z']+", re.IGNORECASE)
_CYR_WORD = re.compile(r"[а-яё]{3,}")
_LAT_WORD = re.compile(r"[a-z]{3,}")

_TRANSLIT = frozenset(
    """privet privetik zdravstvuyte zdravstvuite zdrastvuyte dobryy dobryi dobriy den vecher utro gde moy moi
    moya moyo moe moj zakaz zakaza zakazu zakazy spasibo pozhaluysta pozhaluista pojaluista hochu khochu nado
    nuzhno mne menya menia u ya vy ty on ona oni eto eta etot chto chto-to pochemu kogda kak skolko kuda
    otmenit otmenite otmena dostavka dostavku dostavki vernut vernite vozvrat nomer balans dengi deneg
    rabotaet ne net da konechno davayte davaite horosho khorosho ladno seychas segodnya zavtra poslezavtra
    nedelyu nedeli dnya dney den' rubley rublei rub kartoy nalichnymi operator operatora chelovek cheloveka
    pomogite pomoch pomosch podklyuchit podklyuchite otklyuchit otklyuchite rouming internet svyaz zvonit
    adres ulitsa dom kvartira uzhe eshche eshe ochen tolko mozhno nelzya byl bylo byla budet zdes tam
    vsyo vse vsem privezite privezti perenesti perenesite izmenit izmenite pomenyat tovar posylka posylku
    kurer kurera oplata oplatit schet scheta telefon nomera blokirovka razblokirovat kodovoe slovo""".split()
)
_ENGLISH = frozenset(
    """the a an is are was were be been my your our i you we he she it they me him her them this that these
    those what where when why how who which please thanks thank hi hello hey yes no not do does did don't
    doesn't can could would should will shall have has had order orders delivery cancel change return
    refund address payment card cash money help want need get got to of in on at for with from by and or
    but if so just still already again yet about time day today tomorrow week ok okay sure
    there here both all each every one two three first second third last other others another none neither
    either only also too more less some any much many same done fine great good bad wrong right left
    number numbers main mine bye goodbye cheers later now then next
    turn off switch activate deactivate enable disable stop start unlock block top check show tell send
    move connect disconnect add remove buy pay call book fix work works working isn't won't can't i'm it's
    """.split()
)
_SHARED = frozenset({"internet", "operator", "telefon", "a", "ok", "no", "da", "net", "u", "on", "ya", "to"})


def detect_language(text: str, fallback: str | None = None) -> str:
    """ "ru" or "en" for one message; `fallback` (or "en") when nothing in it tells (no letters, or only
    words both languages use, like "ok", or names)."""
    default = fallback if fallback in {"ru", "en"} else "en"
    if not text:
        return default
    sample = text[:2000]
    cyr = len(_CYR.findall(sample))
    lat = len(_LAT.findall(sample))
    if cyr == 0 and lat == 0:
        return default
    if cyr > lat:
        return "ru"
    if cyr and cyr * 3 >= lat:
        return "ru"  # "мой order 5512": Cyrillic words carry the language, Latin ones are borrowed
    words = [w.lower() for w in _WORD.findall(sample)]
    ru_hits = sum(1 for w in words if _is_translit(w) and w not in _SHARED)
    en_hits = sum(1 for w in words if w in _ENGLISH)
    shared_ru = sum(1 for w in words if w in _TRANSLIT and w in _SHARED)
    if ru_hits >= 2 and ru_hits + shared_ru > en_hits:
        return "ru"
    if ru_hits == 1 and en_hits == 0 and (len(words) <= 3 or shared_ru):
        return "ru"
    if ru_hits == 0 and not any(w in _ENGLISH and w not in _SHARED for w in words):
        return default  # "ok", "da", "iPhone 15", "Lenina 5": nothing to tell, so the conversation's language
    return "en"


@lru_cache(maxsize=8192)
def _is_translit(word: str) -> bool:
    """Per word, cached: every Latin message asks about its words, and customers reuse the same few."""
    if word in _TRANSLIT:
        return True
    if len(word) < 3 or word in _ENGLISH:
        return False
    english_words, english_stems = _vocabulary("en")
    if word in english_words or word[:5] in english_stems:
        return False  # "service", "mobile", "data": Russian borrowed them, so they render as Russian too
    rendered = to_cyrillic(word).replace("ё", "е")
    words, stems = _vocabulary("ru")
    return rendered in words or (len(rendered) >= 5 and rendered[:5] in stems)


@lru_cache(maxsize=2)
def _vocabulary(language: str) -> tuple[frozenset[str], frozenset[str]]:
    """The words (3+ letters) and five-letter stems of the packs' texts in `language`: their training
    examples and reply templates, read once."""
    root = Path(__file__).resolve().parent.parent
    files = [*root.glob(f"packs/*/nlu/{language}.yaml"), *root.glob(f"packs/*/templates/{language}.yaml")]
    files += list(root.glob(f"nlg/templates/{language}.yaml"))
    pattern = _CYR_WORD if language == "ru" else _LAT_WORD
    found: set[str] = set()
    for path in files:
        found.update(pattern.findall(path.read_text(encoding="utf-8").lower().replace("ё", "е")))
    return frozenset(found), frozenset(w[:5] for w in found if len(w) >= 5)


def is_transliterated(text: str) -> bool:
    """Russian written in Latin letters only: read through its Cyrillic rendering (see translit.py)."""
    return bool(text) and not _CYR.search(text) and detect_language(text, fallback="en") == "ru"


def reading_of(text: str) -> str:
    """What the models read for a message: its Cyrillic rendering if it is transliterated Russian."""
    return to_cyrillic(text) if is_transliterated(text) else text
