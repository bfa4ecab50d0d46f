"""A tiny stemmer and a bilingual product/colour lexicon, enough to match "с наушниками" to "Wireless
headphones" and "the blue kettle" to "Чайник синий" without a morphology library.
"""

from __future__ import annotations

import re
from functools import lru_cache

_RU_ENDINGS = sorted(
    """иями ями ами ого его ому ему ыми ими ией ой ей ий ый ая яя ое ее ые ие ых их ым им ую юю ов ев ам ям
    ах ях ом ем ью ия ии а я о е у ю ы и ь й""".split(),
    key=len,
    reverse=True,
)
_WORD = re.compile(r"[a-zа-я0-9]+", re.IGNORECASE)


@lru_cache(maxsize=8192)
def stem(word: str) -> str:
    """Lower-cased stem: Russian case endings and English plurals stripped, never below 3 letters."""
    w = word.lower().replace("ё", "е")
    if not w:
        return w
    if "а" <= w[0] <= "я":
        for ending in _RU_ENDINGS:
            if w.endswith(ending) and len(w) - len(ending) >= 3:
                return w[: -len(ending)]
        return w
    if w.endswith("'s"):
        w = w[:-2]
    if len(w) > 4 and w.endswith("ies"):
        return w[:-3] + "y"
    if len(w) > 4 and re.search(r"(?:ss|x|ch|sh)es$", w):
        return w[:-2]
    if len(w) > 3 and w.endswith("s") and not w.endswith("ss"):
        return w[:-1]
    return w


def words(text: str) -> list[tuple[int, int, str]]:
    return [(m.start(), m.end(), m.group(0)) for m in _WORD.finditer(text)]


_CONCEPTS: dict[str, tuple[str, ...]] = {
    "kettle": ("kettle", "чайник"),
    "headphones": ("headphone", "earphone", "earbud", "наушник", "headset", "гарнитур"),
    "phone": ("phone", "smartphone", "телефон", "смартфон", "mobile"),
    "laptop": ("laptop", "notebook", "ноутбук", "ноут"),
    "charger": ("charger", "зарядк", "зарядн", "charging"),
    "grinder": ("grinder", "кофемолк"),
    "mat": ("mat", "коврик"),
    "cable": ("cable", "кабел", "провод", "шнур"),
    "case": ("case", "cover", "чехол", "чехл"),
    "watch": ("watch", "smartwatch", "часы"),
    "tv": ("tv", "television", "телевизор"),
    "vacuum": ("vacuum", "hoover", "пылесос"),
    "shoes": ("shoe", "sneaker", "trainer", "boot", "кроссовк", "ботинк", "туфл", "обув", "кед", "сапог"),
    "jacket": ("jacket", "coat", "куртк", "пальт"),
    "dress": ("dress", "плать"),
    "shirt": ("shirt", "t-shirt", "tshirt", "футболк", "рубашк"),
    "trousers": ("trouser", "pant", "jean", "брюк", "джинс"),
    "book": ("book", "книг", "книжк"),
    "mouse": ("mouse", "мыш", "мышк"),
    "keyboard": ("keyboard", "клавиатур"),
    "speaker": ("speaker", "колонк", "динамик"),
    "blender": ("blender", "блендер"),
    "coffee": ("coffee", "кофе", "кофемашин", "кофеварк"),
    "iron": ("iron", "утюг"),
    "toaster": ("toaster", "тостер"),
    "tablet": ("tablet", "планшет", "ipad"),
    "monitor": ("monitor", "screen", "монитор", "экран"),
    "camera": ("camera", "камер", "фотоаппарат"),
    "backpack": ("backpack", "bag", "рюкзак", "сумк"),
    "lamp": ("lamp", "light", "ламп", "светильник"),
    "router": ("router", "роутер", "маршрутизатор", "modem", "модем"),
    "microwave": ("microwave", "микроволновк", "свч"),
    "fridge": ("fridge", "refrigerator", "холодильник"),
    "chair": ("chair", "стул", "кресл"),
    "table": ("table", "desk", "стол"),
    "toy": ("toy", "игрушк"),
    "pan": ("pan", "skillet", "сковород", "сковородк"),
    "pot": ("pot", "saucepan", "кастрюл"),
    "mug": ("mug", "cup", "кружк", "чашк"),
    "towel": ("towel", "полотенц"),
    "blanket": ("blanket", "плед", "одеял"),
    "pillow": ("pillow", "подушк"),
    "hair_dryer": ("hairdryer", "dryer", "фен"),
    "gamepad": ("gamepad", "controller", "джойстик", "геймпад"),
    "blue": ("blue", "син", "голуб"),
    "red": ("red", "красн"),
    "black": ("black", "черн"),
    "white": ("white", "бел"),
    "green": ("green", "зелен"),
    "grey": ("grey", "gray", "сер"),
    "pink": ("pink", "розов"),
    "yellow": ("yellow", "желт"),
    "silver": ("silver", "серебрист"),
    "wireless": ("wireless", "беспроводн", "bluetooth"),
    "electric": ("electric", "электрическ", "электро"),
}
# The concepts that are things one buys: a message naming one of these that none of
# the customer's items is ("хочу вернуть чайник" with no kettle ordered) names an order they do not have.
# Parts and words of a fault ("the screen", "the cable", "the light"), colours and kinds are not among them.
PRODUCT_CONCEPTS = frozenset(
    """kettle headphones phone laptop iron vacuum speaker blender toaster grinder mug keyboard mat watch tv
    shoes jacket dress shirt trousers book mouse tablet camera router microwave fridge chair toy pan pot towel
    blanket pillow hair_dryer gamepad""".split()
)
_STEM_TO_CONCEPT: dict[str, str] = {}
for _concept, _stems in _CONCEPTS.items():
    for _s in _stems:
        _STEM_TO_CONCEPT[_s] = _concept


@lru_cache(maxsize=8192)
def keys(word: str) -> frozenset[str]:
    """Match keys of a word: its stem and, when known, a language-neutral concept."""
    s = stem(word)
    out = {s}
    concept = _STEM_TO_CONCEPT.get(word.lower()) or _STEM_TO_CONCEPT.get(s)
    if concept is None:
        for size in range(min(len(s), 12), 2, -1):
            concept = _STEM_TO_CONCEPT.get(s[:size])
            if concept is not None and (size >= 4 or size == len(s)):
                break
            concept = None
    if concept is not None:
        out.add("#" + concept)
    return frozenset(out)
