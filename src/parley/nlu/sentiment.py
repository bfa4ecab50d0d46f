"""Mood of one message: a label (negative / neutral / positive) and an anger score in 0..1.

A lexicon with cues, deliberately simple and explainable: the dialogue uses anger to switch to a calmer,
apologetic register and to offer a human, so a false "angry" costs an apology, a missed one costs a
customer. Evidence is summed with weights and squashed: anger = 1 - exp(-evidence).

Cues: negative words, outrage ("ridiculous", "безобразие"), insults, mild profanity, threats to leave or to
complain elsewhere, waiting and repetition ("сколько можно ждать", "third time I'm writing"), a demand for
right now ("NOW", "немедленно") when hostile, exclamation marks and CAPS (which only
add anger when the message is not simply enthusiastic: "Thanks!!!" is not angry), and positive words
or thanks. A negator just before a word flips it ("not bad", "не плохо"). Both languages' lexicons are
always consulted: people mix them.
"""

from __future__ import annotations

import math
import re

from .types import Sentiment


def _rx(*parts: str) -> re.Pattern[str]:
    return re.compile(r"(?<![\w])(?:" + "|".join(parts) + r")", re.IGNORECASE)


_POSITIVE = _rx(
    r"thanks?\b",
    r"thank\s+you",
    r"thx\b",
    r"great\b",
    r"excellent",
    r"perfect",
    r"awesome",
    r"love\b",
    r"loved\b",
    r"wonderful",
    r"helpful",
    r"appreciate",
    r"amazing",
    r"fantastic",
    r"brilliant",
    r"good\s+job",
    r"well\s+done",
    r"nice\b",
    r"happy\b",
    r"glad\b",
    r"pleased",
    r"super\b(?!\s+[a-z])",  # "super rude", "super slow": an intensifier, not praise
    r"cool\b",
    r"good\b",
    r"fast\b",
    r"quick(?:ly)?\b",
    r"спасиб",
    r"благодар",
    r"отличн",
    r"супер(?!\s+[а-яё])",
    r"класс",
    r"прекрасн",
    r"замечательн",
    r"здорово",
    r"молодц",
    r"круто",
    r"рад\b",
    r"рада\b",
    r"доволен",
    r"довольна",
    r"помогли",
    r"хорош",
    r"быстро",
    r"приятн",
    r"неплох",
    r"👍",
    r"❤",
    r"😊",
    r"🙂",
    r"😍",
    r"🙏",
)
_NEGATIVE = _rx(
    r"bad\b",
    r"terrible",
    r"awful",
    r"horrible",
    r"worst",
    r"disappoint",
    r"unacceptable",
    r"ridiculous",
    r"angry",
    r"furious",
    r"annoy",
    r"useless",
    r"sucks?\b",
    r"(?:is|are|what)\s+a\s+joke",
    r"rude\b",
    r"impolite",
    r"(?:на)?груб",
    r"нахамил",
    r"хамил",
    r"scam\b",
    r"fraud",
    r"rip-?off",
    r"pathetic",
    r"disgust",
    r"outrageous",
    r"nonsense",
    r"hate\b",
    r"fed\s+up",
    r"sick\s+of",
    r"tired\s+of",
    r"frustrat",
    r"upset",
    r"not\s+happy",
    r"unhappy",
    r"lost\b",
    r"broken",
    r"damaged",
    r"never\s+again",
    r"doesn'?t\s+work",
    r"not\s+working",
    r"still\s+(?:not|no|haven'?t|nothing|waiting)",
    r"wtf\b",
    r"ужасн",
    r"отвратительн",
    r"плох",
    r"кошмар",
    r"безобраз",
    r"возмутительн",
    r"недовол",
    r"разочарова",
    r"бесит",
    r"бесят",
    r"достали",
    r"надоел",
    r"бардак",
    r"позор",
    r"жуть",
    r"обман",
    r"мошенник",
    r"развод\b",
    r"хамств",
    r"издевательств",
    r"не\s+работает",
    r"не\s+пришел",
    r"не\s+пришла",
    r"до\s+сих\s+пор",
    r"сломан",
    r"опять",
    r"😡",
    r"😠",
    r"🤬",
    r"😤",
)
_INSULTS = _rx(
    r"idiots?\b",
    r"stupid",
    r"morons?\b",
    r"incompetent",
    r"clowns?\b",
    r"imbeciles?",
    r"dumb\b",
    r"losers?\b",
    r"liars?\b",
    r"thie(?:f|ves)\b",
    r"идиот",
    r"туп(?:ые|ой|ая|ица)",
    r"дебил",
    r"клоун",
    r"бестолков",
    r"придур",
    r"бездар",
    r"некомпетентн",
    r"дураки",
    r"дурак",
    r"кретин",
    r"лжец",
    r"вор(?:ы|ье)\b",
    r"you(?:\s+(?:guys|people|lot))?\s+are\s+(?:so\s+|totally\s+|completely\s+)?(?:useless|pathetic|a\s+joke)",
    r"you'?re\s+(?:so\s+|totally\s+|completely\s+)?(?:useless|pathetic|a\s+joke)",
    r"(?:вы|ты)\s+(?:просто\s+|совсем\s+)?(?:бесполезн|позорищ|издеваетесь)",
)
_PROFANITY = _rx(
    r"damn",
    r"hell\b",
    r"crap",
    r"shit",
    r"fuck",
    r"f\*+k",
    r"bloody",
    r"bullshit",
    r"wtf\b",
    r"блин\b",
    r"черт",
    r"хрен",
    r"фиг\b",
    r"задолбал",
    r"офигел",
    r"охренел",
    r"пипец",
    r"капец",
    r"бля",
    r"хер\b",
    r"нахер",
    r"нафиг",
    r"сука",
    r"звездец",
)
_THREATS = _rx(
    r"switch(?:ing)?\s+to\s+(?:another|a\s+different|other|your\s+competitor)",
    r"(?:go|going|move|moving|leave|leaving)\s+to\s+(?:another|a\s+different|your\s+competitor|a\s+competitor)",
    r"i'?(?:ll|m\s+going\s+to)\s+(?:leave|switch|cancel\s+my\s+(?:contract|account|subscription)|sue|report)",
    r"cancel\s+my\s+(?:contract|account|subscription)",
    r"never\s+(?:order|buy|shop)\w*\s+(?:here|from\s+you)\s+again",
    r"last\s+time\s+i\s+(?:order|buy|use)",
    r"lawyer",
    r"court\b",
    r"consumer\s+protection",
    r"(?:уйду|перейду|ухожу|перехожу|уйдем)\s+(?:к|в)\s+(?:друг|конкурент|мтс|билайн|мегафон|теле2)",
    r"(?:уйду|ухожу)\s+от\s+вас",
    r"расторг",
    r"больше\s+(?:не\s+буду|никогда)\s+(?:заказ|покуп|пользова)",
    r"пожалуюсь",
    r"жалоб[а-я]*\s+в",
    r"в\s+суд",
    r"роспотребнадзор",
    r"прокуратур",
    r"юрист",
    r"i'?m\s+(?:so\s+)?done\s+with\s+(?:you|this|your)",
    r"i'?ve\s+had\s+enough|had\s+enough\s+of\s+(?:you|this|your)|enough\s+is\s+enough",
    r"fed\s+up",
    r"сыт[а-я]*\s+по\s+горло",
    r"(?:вы\s+)?(?:мне\s+)?(?:надоели|достали)",
)
_WAITING = _rx(
    r"сколько\s+(?:можно|еще|ещё)\s+(?:ждать|ждать\?)",
    r"сколько\s+можно",
    r"(?:уже\s+)?(?:второй|третий|четвертый|пятый|\d+-?й)\s+раз",
    r"в\s+(?:который|очередной)\s+раз",
    r"уже\s+(?:неделю|месяц|две\s+недели|\d+\s+дн)",
    r"жду\s+уже",
    r"(?:second|third|fourth|fifth|\d+(?:st|nd|rd|th))\s+time\s+i'?(?:m|\s+am|\s+have|'ve)?",
    r"how\s+(?:long|many\s+times)\s+(?:do|must|should|will)\s+i",
    r"again\s+and\s+again",
    r"for\s+(?:a\s+week|weeks|days|a\s+month)\s+now",
    r"i'?ve\s+been\s+waiting",
    r"still\s+waiting",
    r"how\s+many\s+times",
    # a failure that happened before: "late AGAIN", "опять задержали" ("turn it on again" is no cue)
    r"(?:late|wrong|broken|delayed|missing|lost|cancell?ed)\s+(?:once\s+)?again",
    r"again\s+(?:late|wrong|broken|delayed|missing|lost)",
    r"(?:опять|снова)\s+(?:задерж|опозда|не\s+(?:пришл|привезл|доставил|работает)|потерял|сломал|перенесл)",
)
# Outrage: a judgement of the company, not of a thing ("ridiculous", "безобразие"); on top of _NEGATIVE.
_OUTRAGE = _rx(
    r"ridiculous",
    r"unacceptable",
    r"outrageous",
    r"absurd",
    r"disgrace",
    r"insane\b",
    r"unbelievable",
    r"безобраз",
    r"возмутительн",
    r"издевательств",
    r"позор",
    r"беспредел",
    r"обнаглел",
    r"это\s+уже\s+слишком",
)
# A demand for right now: raised voice when it comes with hostility ("a human NOW, this is ridiculous").
_DEMAND = re.compile(
    r"(?<![\w])(?:(?i:right\s+now|immediately|at\s+once|немедленно|сейчас\s+же)|NOW\b|СЕЙЧАС\b)"
)
# "not bad", "not very good", "не очень хорошо": a negator flips the word right after it, or after an
# intensifier; "no parcel wtf" flips nothing.
_NEGATOR = re.compile(
    r"(?:\bnot|\bno|\bnever|n't|\bне|\bнет|\bни)\s+(?:(?:very|so|too|that|really|particularly|at\s+all"
    r"|очень|так|слишком|особо|совсем|сильно|прям|уж|то\s+чтобы)\s+)?$",
    re.IGNORECASE,
)
_SARCASM = _rx(
    r"thanks?\s+for\s+nothing", r"спасибо\s+за\s+ничего", r"great\s+job\s+(?:not|losing)", r"ну\s+спасибо"
)


def _hits(pattern: re.Pattern[str], text: str, negatable: bool) -> tuple[int, int]:
    """(plain hits, negated hits) of a lexicon in the text."""
    plain = negated = 0
    for m in pattern.finditer(text):
        if negatable and _NEGATOR.search(text[max(0, m.start() - 16) : m.start()]):
            negated += 1
        else:
            plain += 1
    return plain, negated


def _caps_shouting(text: str) -> bool:
    words = re.findall(r"[A-ZА-ЯЁa-zа-яё]{3,}", text)
    upper = [w for w in words if w.isupper()]
    return len(upper) >= 2 and len(upper) * 2 >= len(words) or any(len(w) >= 6 for w in upper)


def analyze_sentiment(text: str, language: str) -> Sentiment:
    """Label and anger of one message; `language` is accepted for symmetry, both lexicons always apply."""
    sample = (text or "")[:2000]
    if not sample.strip():
        return Sentiment()
    pos, pos_negated = _hits(_POSITIVE, sample, True)
    neg, neg_negated = _hits(_NEGATIVE, sample, True)
    sarcasm = len(_SARCASM.findall(sample))
    pos, neg = pos + neg_negated - sarcasm, neg + pos_negated + 2 * sarcasm
    pos = max(pos, 0)
    insults = len(_INSULTS.findall(sample))
    profanity = len(_PROFANITY.findall(sample))
    threats = len(_THREATS.findall(sample))
    waiting = len(_WAITING.findall(sample))
    outrage, _ = _hits(_OUTRAGE, sample, True)
    exclaim = min(sample.count("!"), 4)
    shouting = _caps_shouting(sample)
    hostile = neg + insults + profanity + threats + waiting
    evidence = 0.3 * neg + 1.1 * insults + 0.6 * profanity + 0.9 * threats + 0.6 * waiting + 0.5 * outrage
    if hostile or (not pos and (exclaim >= 2 or shouting)):
        # one "!" after a greeting is punctuation; several, "?!" or CAPS without thanks are raised voice
        evidence += 0.15 * exclaim + (0.2 if "?!" in sample or "!?" in sample else 0.0)
        evidence += 0.6 if shouting else 0.0
        evidence += 0.3 if _DEMAND.search(sample) else 0.0
    evidence -= 0.15 * pos if hostile else 0.0
    anger = 1.0 - math.exp(-max(evidence, 0.0))
    negative_score = neg + insults + profanity * 0.5 + threats + waiting
    if negative_score > pos or anger >= 0.45:
        label = "negative"
    elif pos > negative_score:
        label = "positive"
    else:
        label = "neutral"
    return Sentiment(label=label, anger=round(min(anger, 1.0), 3))  # type: ignore[arg-type]
