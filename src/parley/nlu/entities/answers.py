"""Yes / no answers to a confirmation question, and nothing when the reply is unclear.

The decision is made by the first cue near the start of the message ("no, I meant the other one" is
no; "yes but change the date to Friday" is yes). In a longer message a cue counts only when it opens the
message, so "I don't know why it is late" is not a "no". Hedges ("not sure", "не знаю", "what?") make
the answer unclear on purpose: the dialogue then asks again instead of acting.
"""

from __future__ import annotations

import re

_UNCLEAR = re.compile(
    r"\b(?:not\s+sure|no\s+idea|i\s+don'?t\s+know|dunno|don'?t\s+understand|what\s+do\s+you\s+mean|maybe"
    r"|perhaps|not\s+yet\s+sure|не\s+знаю|не\s+уверен[а-я]*|не\s+понял[а-я]*|не\s+понимаю|может\s+быть"
    r"|наверное|возможно|хз|что\s+значит|в\s+смысле)\b",
    re.IGNORECASE,
)
_NO = re.compile(
    r"\b(?:no|nope|nah|naw|not\s+now|not\s+really|no\s+thanks?|no\s+thank\s+you|don'?t(?:\s+do\s+it)?"
    r"|do\s+not|please\s+don'?t|cancel\s+that|never\s*mind|stop|negative|wait|hold\s+on|changed\s+my\s+mind"
    r"|not\s+yet|absolutely\s+not|of\s+course\s+not|definitely\s+not|нет|неа|не-не|не\s+надо|не\s+нужно"
    r"|не\s+стоит|не\s+хочу|не\s+делайте|не\s+отменяйте|отмена|отбой|стоп|подождите|погодите|постойте"
    r"|передумал[а-я]*|ни\s+в\s+коем\s+случае|конечно\s+нет|да\s+нет|пока\s+нет|не\s+сейчас"
    # transliterated Russian ("net, ne nado"): a message this short is not read through its rendering
    r"|net|nea|ne\s+nado|ne\s+nuzhno|ne\s+k?hochu|otmena|peredumal[a-z]*|poka\s+net|da\s+net)\b",
    re.IGNORECASE,
)
_YES = re.compile(
    r"\b(?:yes|yeah|yea|yep|yup|ya|sure|ok|okay|okey|k|kk|go\s+ahead|do\s+it|please\s+do|confirm(?:ed)?"
    r"|correct|right|that'?s\s+right|absolutely|of\s+course|definitely|fine|alright|all\s+right"
    r"|sounds\s+good|let'?s\s+do\s+it|proceed|affirmative|exactly|i\s+agree|agreed|why\s+not|go\s+for\s+it"
    r"|i\s+(?:guess|think)\s+so|please(?=\W*$)|no\s+problem|that\s+works|works\s+for\s+me|perfect|да|ага|угу|ок|окей|хорошо|ладно|давайте|давай|конечно"
    r"|подтверждаю|подтверждаем|согласен|согласна|согласны|верно|точно|именно|разумеется|правильно"
    r"|так\s+и\s+есть|делайте|оформляйте|отменяйте|валяй|вперед|естественно|безусловно|go"
    r"|da|dada|aga|ugu|konechno|davai|davay|davaite|davayte|k?horosho|ladno|soglas(?:en|na|ny)|verno|tochno"
    r"|podtverzhdayu|delayte|oformlyayte)\b",
    re.IGNORECASE,
)
_EMOJI = {"👍": "yes", "👌": "yes", "✅": "yes", "👎": "no", "❌": "no"}
# Yes-cues that are also mere discourse markers: "ok, go back to the payment thing" or "хорошо, а где мой
# заказ" acknowledge, they do not confirm. Alone (or with politeness) they are a yes; followed by more words
# and no stronger cue, the answer is unclear and the question is asked again.
_WEAK_YES = re.compile(
    r"^(?:ok|okay|okey|k|kk|fine|alright|all\s+right|right|go|ок|окей|хорошо|ладно|k?horosho|ladno)$",
    re.IGNORECASE,
)


_PAUSE = re.compile(r"^(?:wait|hold\s+on|подождите|погодите|постойте)$", re.IGNORECASE)


def extract_answer(text: str) -> str | None:
    """ "yes", "no", or None when the message is not a clear answer."""
    stripped = text.strip()
    if not stripped:
        return None
    head = stripped[:200]
    if _UNCLEAR.search(head[:60]):
        return None
    tokens = re.findall(r"\w+", head)
    limit = len(" ".join(tokens[:4])) + 8
    hits: list[tuple[int, int, str]] = []  # (start, -length, label): earliest, then longest cue wins
    for label, pattern in (("no", _NO), ("yes", _YES)):
        m = pattern.search(head)
        if m:
            hits.append((m.start(), m.start() - m.end(), label))
    for emoji, label in _EMOJI.items():
        pos = head.find(emoji)
        if pos >= 0:
            hits.append((pos, -1, label))
    if not hits:
        return None
    position, _, label = min(hits)
    if len(tokens) > 8 and position > limit:
        return None
    if label == "yes" and _is_question(head):
        return None  # "ok, but how much does it cost?" is a question, not a confirmation
    if label == "yes" and not _confirms(head):
        return None
    if label == "no" and not _refuses(head):
        return None
    if label == "no" and position > 0 and _OPENS_QUESTION.match(head):
        return None  # "why is my balance negative?", "what if I stop it?": a question, not a refusal
    return label


# A message that opens with a question word asks; a no-cue later in it ("negative", "stop") answers nothing.
_OPENS_QUESTION = re.compile(
    r"\s*(?:why|what|how|when|where|which|who|почему|зачем|отчего|что|как|когда|где|какой|какая|какие)\b",
    re.IGNORECASE,
)


# "no" / "нет" before a noun says that something is missing ("the left one has no sound", "нет сигнала"),
# not that an offer is declined. A no that declines is followed by nothing, a pause, or a word from this list.
_LACKS = re.compile(
    r"\b(?:no|нет|net)\s+(?!(?:thanks?|thank|thx|please|pls|need|way|sorry|problem|i|i'?m|we|it|it'?s|that"
    r"|this|not|don'?t|dont|do|just|more|longer|the|you|wait|stop|cancel|leave|keep|actually|спасибо|не"
    r"|пожалуйста|я|мы|это|надо|нужно|уже|пока|тогда|ну|конечно|же|так|spasibo|ne|nado|nuzhno)\b)"
    r"[A-Za-zА-Яа-яЁё]",
    re.IGNORECASE,
)


def only_says_something_is_missing(text: str) -> bool:
    """Whether every no-cue of the message is a "no" of a thing ("no sound", "нет интернета"): such a
    message describes a lack. Read as an answer to "is it working now?", that is a no; to "shall I start
    the return?", it declines nothing."""
    if not _LACKS.search(text):
        return False
    return _NO.search(_LACKS.sub(" ", text)) is None


def _confirms(text: str) -> bool:
    """A yes made of weak cues only ("ok", "хорошо") confirms when nothing else is said, or only a little
    ("ok thanks", "ок, жду"); not when a no-cue follows ("ok wait") or a request does."""
    cues = [m.group(0) for m in _YES.finditer(text)]
    if any(not _WEAK_YES.match(" ".join(cue.split())) for cue in cues) or any(e in text for e in _EMOJI):
        return True
    if _NO.search(text):
        return False
    return len(_words_besides_cues(text)) <= 1


# "no wait, ..." / "нет, подождите": the no only leads into the pause
_NO_THEN_PAUSE = re.compile(
    r"\b(?:no|нет)\W+(?=(?:wait|hold\s+on|подождите|погодите|постойте)\b)", re.IGNORECASE
)


def _refuses(text: str) -> bool:
    """A no made of pause cues only ("wait", "подождите", "no wait") refuses when nothing else is said; "wait,
    what's the status first?" puts the question on hold for another request, it does not decline it."""
    cues = [m.group(0) for m in _NO.finditer(_NO_THEN_PAUSE.sub("", text))]
    if any(not _PAUSE.match(" ".join(cue.split())) for cue in cues):
        return True
    return len(_words_besides_cues(text)) <= 1


_POLITENESS = re.compile(
    r"\b(?:please|pls|thanks?|thank\s+you|then|спасибо|пожалуйста|тогда|ну|уж|же"
    r"|spasibo|pozh?aluy?i?sta|togda|nu)\b",
    re.IGNORECASE,
)


def is_bare_answer(text: str) -> bool:
    """Only a yes or a no ("sure, do it", "нет, не надо, спасибо"): nothing is left once the answer's cues and
    politeness are taken out. "No, the other one" or "yes but on Friday" say more and are not bare."""
    if extract_answer(text) is None:
        return False
    return not _words_besides_cues(text)


def _words_besides_cues(text: str) -> list[str]:
    """The words left once the yes/no cues, emoji and politeness are taken out."""
    rest = _POLITENESS.sub(" ", _NO.sub(" ", _YES.sub(" ", text)))
    for emoji in _EMOJI:
        rest = rest.replace(emoji, " ")
    return re.findall(r"\w+", rest)


def _is_question(text: str) -> bool:
    return text.rstrip().endswith("?") and not re.match(
        r"\s*(?:yes|yeah|yep|sure|да|конечно|давайте|ok|ок)\b[^?]{0,3}$", text, re.IGNORECASE
    )


_ACKNOWLEDGES = re.compile(
    r"(?:got\s+it|i\s+see|understood|noted|alright|all\s+right|cool|fine|great|perfect|good|понятно|ясно|ага"
    r"|угу|принято|отлично|хорошо|ладно|поняла?|ponyatno|yasno)",
    re.IGNORECASE,
)


def is_acknowledgment(text: str) -> bool:
    """ "ok", "got it", "понятно, спасибо": the customer took in what was said and asks nothing more. A bare
    yes or no counts too; anything else said with it ("ok, and my other order?") does not."""
    if is_bare_answer(text):
        return True
    rest = _POLITENESS.sub(" ", _ACKNOWLEDGES.sub(" ", _YES.sub(" ", text)))
    return bool(_ACKNOWLEDGES.search(text)) and not re.findall(r"\w+", rest)
