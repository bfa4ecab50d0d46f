"""Why the customer wants a return (or complains): a short phrase, when the message states one.

Two ways in: an explicit connective ("because", "потому что", "так как", "reason:") followed by the
reason, or a self-contained reason phrase ("it's broken", "не подошел размер", "wrong colour"), in
which case the clause that holds it is the reason. When the agent has just asked for the reason
(`expecting == "reason"`), the whole message is the reason.
"""

from __future__ import annotations

import re

_MAX_WORDS = 16
_CONNECTIVE = re.compile(
    r"\b(?:because(?:\s+of)?|cause|coz|due\s+to|the\s+reason\s+is|reason\s*:|причина\s*[:\-—]?"
    r"|потому\s+что|так\s+как|т\.\s?к\.|из-за|поскольку|ведь)\s*",
    re.IGNORECASE,
)
_CUES = re.compile(
    r"\b(?:broken|broke|damaged|defective|faulty|cracked|chipped|shattered|smashed|crushed|scratched|dented|torn"
    r"|stained|со\s+сколом|скол(?:ом|ы|ов)?|сколот[а-я]*|разбил[а-я]*|помят[а-я]*|смят[а-я]*"
    r"|(?:doesn'?t|don'?t|didn'?t|does\s+not|do\s+not|won'?t|will\s+not|isn'?t|is\s+not|aren'?t|are\s+not)"
    r"\s+(?:work|working|fit|match|charge|charging|turn(?:ing)?\s+on|switch(?:ing)?\s+on|connect(?:ing)?|pair(?:ing)?"
    r"|hold\s+(?:a\s+)?charge)"
    r"|not\s+(?:working|charging|turning\s+on)|stopped\s+(?:working|charging|turning\s+on|switching\s+on"
    r"|connecting|pairing)|battery\s+(?:died|dies|drains|is\s+dead)|dead\s+on\s+arrival|no\s+sound"
    r"|overheat(?:s|ing)?|drains?\s+(?:fast|quickly)|doesn'?t\s+fit|does\s+not\s+fit"
    r"|didn'?t\s+fit|too\s+(?:small|big|large|tight|loose|short|long)|wrong\s+(?:size|colou?r|item|model|product)"
    r"|not\s+as\s+described|not\s+what\s+i\s+ordered|changed\s+my\s+mind|don'?t\s+(?:like|need)\s+it"
    r"|didn'?t\s+like|poor\s+quality|low\s+quality|missing\s+parts?|arrived\s+late|smells"
    r"|сломал[а-я]*|сломан[а-я]*|разбит[а-я]*|поврежд[а-я]*|брак[а-я]*|бракован[а-я]*|треснул[а-я]*|царапин[а-я]*"
    r"|поцарапан[а-я]*|не\s+работает|перестал[а-я]*\s+(?:работать|заряжаться|включаться|греть|греться)"
    r"|не\s+(?:включается|заряжается|греет|подключается)|нет\s+звука|перегревается|шумит|гудит"
    r"|(?:плохо|не)\s+держ[а-я]*\s+заряд|быстро\s+(?:садится|садятся|разряжа[а-я]*)"
    r"|не\s+подош[её]л|не\s+подошла|не\s+подошли|не\s+подход(?:ит|ят)|не\s+тот\s+(?:размер|цвет|товар|модель)"
    r"|не\s+та\s+модель|не\s+того\s+цвета|мал[а-я]?\s+по\s+размеру|велик[а-я]?\s+по\s+размеру|маломерит"
    r"|большемерит|не\s+соответствует(?:\s+описанию)?|передумал[а-я]*|не\s+понравил[а-я]*|не\s+нужен|не\s+нужна"
    r"|не\s+нужно|плохое\s+качество|некачествен[а-я]*|не\s+хватает|пахнет|воняет|протекает|leaks?|leaking)\b",
    re.IGNORECASE,
)
_CLAUSE_BREAK = re.compile(
    r"[.!?;\n]|,\s+(?:and|but|so|please|can|could|i\s+want|и|но|а|поэтому|хочу|можно)\b", re.I
)
_TRIM = " \t\"'«»“”:;,.-—–!?"


# "also the left one has no sound": the reason is what follows the word that adds it
_ADDING = re.compile(
    r"^(?:(?:and\s+)?also|and|plus|too|besides|(?:а|и)\s+(?:ещё|еще)|ещё|еще|также|тоже|кроме\s+того|и|а)\b[\s,]*",
    re.IGNORECASE,
)


def _limit(phrase: str) -> str:
    words = phrase.split()
    return _ADDING.sub("", " ".join(words[:_MAX_WORDS]).strip(_TRIM)).strip(_TRIM)


def extract_reason(text: str, *, expecting: str | None = None) -> str | None:
    """A short reason phrase, or None when the message gives no reason."""
    m = _CONNECTIVE.search(text)
    if m:
        end_match = _CLAUSE_BREAK.search(text, m.end())
        phrase = _limit(text[m.end() : end_match.start() if end_match else len(text)])
        if len(phrase) >= 3:
            return phrase
    cue = _CUES.search(text)
    if cue:
        start = 0
        for brk in re.finditer(r"[.!?;,\n—–]|\b(?:but|но|and|и|а)\s", text[: cue.start()], re.IGNORECASE):
            start = brk.end()
        end_match = _CLAUSE_BREAK.search(text, cue.end())
        phrase = _limit(text[start : end_match.start() if end_match else len(text)])
        if len(phrase) >= 3:
            return phrase
    if expecting == "reason":
        phrase = _limit(text)
        if len(phrase) >= 3 and re.search(r"[A-Za-zА-Яа-я]{3,}", phrase):
            return phrase
    return None
