"""The embedded understanding engine: the default `NluParser`, fully offline.

One `parse()` = the cascade's n-gram head, which answers the messages it is sure of (cascade.py), else
one encoder call for the message and one linear classifier pass (plus a second, batched call for its
pieces only when the message may hold several requests, see segment.may_hold_several_requests), then
language, mood and entities from their own modules. The classifier is trained on first use and loaded
from the on-disk cache afterwards (see training.py).

Robustness is part of the contract: `parse()` never raises. Inputs are clipped before any model sees them,
and if something below still fails, the message is answered as out of scope with zero confidence rather
than crashing the turn.
"""

from __future__ import annotations

import logging
import re
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from parley.clock import now as clock_now
from parley.config import Settings, get_settings
from parley.nlu.cascade import FastHead
from parley.nlu.classifier import OUT_OF_SCOPE, ClassifierConfig, IntentClassifier, Ranked
from parley.nlu.encoders import Encoder, get_encoder
from parley.nlu.entities.answers import is_bare_answer
from parley.nlu.language import reading_of
from parley.nlu.segment import MAX_ATOMS, may_hold_several_requests, segment, split_atoms
from parley.nlu.training import train_or_load
from parley.nlu.types import IntentCandidate, IntentSpan, NluResult, ParseContext, Sentiment

log = logging.getLogger(__name__)

# What a bare yes/no to the agent's own yes/no question is: no request of any intent (a rule, not a guess).
BARE_ANSWER = Ranked(OUT_OF_SCOPE, 1.0, [(OUT_OF_SCOPE, 1.0)], False)

# Longer messages are clipped for every model: nobody writes a 1 MB request, but somebody will paste one.
MAX_PARSE_CHARS = 4000
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")

# Intents that lead the dialogue to a business action (CONTRACT §4); the rest are answered with words.
REQUIRES_ACTION = frozenset(
    {
        "order_status",
        "order_change",
        "order_cancel",
        "return_request",
        "payment_issue",
        "balance_check",
        "loyalty_status",
        "service_activation",
        "service_deactivation",
        "number_unlock",
        "tech_issue",
        "top_up",
        "technician_visit",
        "operator_request",
        "complaint",
    }
)


def clean_text(text: Any) -> str:
    """A printable, bounded string out of whatever arrived."""
    if not isinstance(text, str):
        text = "" if text is None else str(text)
    return _CONTROL.sub(" ", text[:MAX_PARSE_CHARS]).strip()


class EmbeddedNluParser:
    """Intent + entities + language + mood for ru/en messages, without network or LLM."""

    def __init__(
        self,
        classifier: IntentClassifier,
        encoder: Encoder,
        *,
        fast_head: FastHead | None = None,
        loaded_from_cache: bool = False,
    ) -> None:
        self.classifier = classifier
        self.encoder = encoder
        # None: every message takes the encoder (PARLEY_NLU_CASCADE=0, or a parser built by hand).
        self.fast_head = fast_head if fast_head is not None and fast_head.enabled else None
        self.loaded_from_cache = loaded_from_cache
        self.intents: list[str] = [c for c in classifier.classes_ if c != OUT_OF_SCOPE]

    @classmethod
    def from_packs(
        cls,
        pack_names: list[str],
        settings: Settings | None = None,
        *,
        cache_dir: str | Path | None = None,
        config: ClassifierConfig | None = None,
    ) -> EmbeddedNluParser:
        """Trains (or loads from `settings.cache_dir`) a classifier over the packs' intents."""
        settings = settings or get_settings()
        encoder = get_encoder(settings.encoder)
        directory = Path(cache_dir) if cache_dir is not None else Path(settings.cache_dir)
        model, loaded = train_or_load(list(pack_names), encoder, directory, config)
        head = model.fast_head if settings.nlu_cascade else None
        return cls(model.classifier, encoder, fast_head=head, loaded_from_cache=loaded)

    # -- classification -------------------------------------------------------------------------------
    def classify(self, texts: list[str]) -> list[Ranked]:
        """Ranks intents for a batch of (already cleaned) texts: the n-gram head answers those it is sure
        of, the rest share one encoder call."""
        if not texts:
            return []
        safe = [t if t.strip() else "." for t in texts]
        ranked: list[Ranked | None] = (
            self.fast_head.rank(safe) if self.fast_head is not None else [None] * len(safe)
        )
        rest = [i for i, r in enumerate(ranked) if r is None]
        if rest:
            pending = [safe[i] for i in rest]
            embeddings = np.asarray(self.encoder.encode(pending), dtype=np.float32)
            for i, r in zip(rest, self.classifier.classify(pending, embeddings), strict=True):
                ranked[i] = r
        return [r for r in ranked if r is not None]

    # -- the port -------------------------------------------------------------------------------------
    def parse(
        self, text: str, *, language: str | None = None, context: ParseContext | None = None
    ) -> NluResult:
        try:
            return self._parse(text, language, context)
        except Exception:  # noqa: BLE001 - the contract says never raise; the turn must go on
            log.exception("embedded nlu failed; answering out_of_scope")
            lang = language if language in ("ru", "en") else None
            if lang is None and context is not None and context.preferred_language in ("ru", "en"):
                lang = context.preferred_language
            return NluResult(
                text=text if isinstance(text, str) else "",
                intent=OUT_OF_SCOPE,
                confidence=0.0,
                language=lang or "en",
            )

    def parse_batch(
        self, texts: list[str], *, language: str | None = None, context: ParseContext | None = None
    ) -> list[NluResult]:
        """Many messages, one encoder call for the whole-message classification (throughput path)."""
        cleaned = [clean_text(t) for t in texts]
        views = [reading_of(c) for c in cleaned]
        try:
            ranked = self.classify(views)
        except Exception:  # noqa: BLE001
            return [self.parse(t, language=language, context=context) for t in texts]
        return [
            self._assemble(raw, clean, language, context, [(clean, r)], r, view=view)
            for raw, clean, view, r in zip(texts, cleaned, views, ranked, strict=True)
        ]

    def _parse(self, text: str, language: str | None, context: ParseContext | None) -> NluResult:
        clean = clean_text(text)
        if context is not None and context.expecting == "answer" and is_bare_answer(clean):
            # The agent asked a yes/no question and the message is only a yes or a no ("sure", "давайте"):
            # it is an answer, no request, and the entities carry it. Neither model has anything to add,
            # and the encoder would be most of the turn's cost.
            return self._assemble(text, clean, language, context, [(clean, BARE_ANSWER)], BARE_ANSWER)
        view = reading_of(clean)
        whole = self.classify([view])[0]
        atoms = split_atoms(view)
        segments = None
        if 2 <= len(atoms) <= MAX_ATOMS and may_hold_several_requests(view, whole):
            # Only now are the pieces encoded (one batched call): most messages never pay for it.
            segments = segment(view, whole, atoms, self.classify(atoms))
        pieces = [(s.text, s.ranked) for s in segments] if segments else [(clean, whole)]
        # The message's headline intent: the first request (pleasantries were dropped by segment()).
        head = pieces[0][1]
        return self._assemble(text, clean, language, context, pieces, head, view=view)

    def _assemble(
        self,
        raw: Any,
        clean: str,
        language: str | None,
        context: ParseContext | None,
        pieces: list[tuple[str, Ranked]],
        head: Ranked,
        view: str | None = None,
    ) -> NluResult:
        """`view`: what the models read — the Cyrillic rendering of a transliterated message, else `clean`."""
        from parley.nlu.entities import extract_entities
        from parley.nlu.language import detect_language
        from parley.nlu.sentiment import analyze_sentiment

        if language in ("ru", "en"):
            lang = str(language)
        else:
            fallback = context.preferred_language if context is not None else None
            lang = detect_language(clean, fallback=fallback)
        at = clock_now()
        view = view or clean
        entities = extract_entities(clean, lang, context=context, now=at) if clean else {}
        if view != clean:
            # Dates, addresses and yes/no are found in the rendering ("zavtra" -> "завтра"); what was found
            # in the customer's own letters wins (a code word, an e-mail address are kept as written).
            entities = {**extract_entities(view, lang, context=context, now=at), **entities}
        try:
            sentiment = analyze_sentiment(view, lang)
        except Exception:  # noqa: BLE001 - mood is an extra; its failure must not lose the intent
            log.exception("sentiment failed")
            sentiment = Sentiment()
        if len(pieces) == 1:
            spans = [IntentSpan(head.intent, head.confidence, clean, dict(entities))]
        else:
            spans = [
                IntentSpan(r.intent, r.confidence, t, extract_entities(t, lang, context=context, now=at))
                for t, r in pieces
            ]
        alternatives = [IntentCandidate(name, p) for name, p in head.candidates if name != head.intent]
        return NluResult(
            text=raw if isinstance(raw, str) else clean,
            intent=head.intent,
            confidence=float(min(max(head.confidence, 0.0), 1.0)),
            language=lang,
            entities=entities,
            sentiment=sentiment,
            needs_clarification=head.needs_clarification,
            requires_action=head.intent in REQUIRES_ACTION,
            alternatives=alternatives,
            spans=spans,
        )


@lru_cache(maxsize=4)
def get_parser(pack_names: tuple[str, ...]) -> EmbeddedNluParser:
    """One trained parser per pack set per process, shared by the app, the CLI and the tests."""
    return EmbeddedNluParser.from_packs(list(pack_names))
