"""Which language a message is in: "ru" or "en".

Script decides almost always (Cyrillic letters vs Latin letters). Latin text is checked for
transliterated Russian ("privet, gde moy zakaz") with a small lexicon of frequent translit words
against a lexicon of frequent English words. A message with no letters ("5512", "👍") takes the
caller's fallback (the customer's preferred language) or "en".
"""

from __future__ import annotations

import re

_CYR = re.compile(r"[а-яё]", re.IGNORECASE)
_LAT = re.compile(r"[a-z]", re.IGNORECASE)
_WORD = re.compile(r"[a-z']+", re.IGNORECASE)

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
    there here""".split()
)
_SHARED = frozenset({"internet", "operator", "telefon", "a", "ok", "no", "da", "net", "u", "on", "ya", "to"})


def detect_language(text: str, fallback: str | None = None) -> str:
    """ "ru" or "en" for one message; `fallback` (or "en") when the text has no letters to go by."""
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
    ru_hits = sum(1 for w in words if w in _TRANSLIT and w not in _SHARED)
    en_hits = sum(1 for w in words if w in _ENGLISH)
    shared_ru = sum(1 for w in words if w in _TRANSLIT and w in _SHARED)
    if ru_hits >= 2 and ru_hits + shared_ru > en_hits:
        return "ru"
    if ru_hits == 1 and en_hits == 0 and (len(words) <= 3 or shared_ru):
        return "ru"
    return "en"
