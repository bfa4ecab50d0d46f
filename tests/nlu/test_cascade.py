"""The understanding cascade: how its threshold is chosen, and what the n-gram head may answer alone."""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from parley.config import Settings
from parley.nlu.cascade import MIN_THRESHOLD, choose_threshold, fit_fast_head
from parley.nlu.classifier import OUT_OF_SCOPE, ClassifierConfig, IntentClassifier
from parley.nlu.embedded import EmbeddedNluParser, get_parser
from parley.nlu.evaluate import load_labelled
from parley.nlu.types import ParseContext

PACKS = ("retail", "telecom")
DATA = Path(__file__).parent / "data"


class _CountingEncoder:
    def __init__(self, inner: object) -> None:
        self.inner = inner
        self.id = inner.id  # type: ignore[attr-defined]
        self.calls: list[list[str]] = []

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        self.calls.append(list(texts))
        return self.inner.encode(texts)  # type: ignore[attr-defined]


@pytest.fixture(scope="module")
def parser() -> EmbeddedNluParser:
    return get_parser(PACKS)


def _counting(parser: EmbeddedNluParser) -> tuple[EmbeddedNluParser, _CountingEncoder]:
    counting = _CountingEncoder(parser.encoder)
    return EmbeddedNluParser(parser.classifier, counting, fast_head=parser.fast_head), counting


def test_threshold_stops_before_the_loss_exceeds_the_budget() -> None:
    # Ten rows, most confident first. Accepting the head's answer: row 3 loses a right answer (full right,
    # head wrong), row 5 gains one back, row 7 loses again.
    conf = [0.99, 0.98, 0.97, 0.96, 0.95, 0.94, 0.93, 0.92, 0.91, 0.90]
    gold = ["a"] * 10
    full = ["a"] * 10
    head = ["a", "a", "b", "a", "a", "a", "b", "b", "a", "a"]
    full[4] = "b"  # the head is right where the full model was wrong
    fit = choose_threshold(gold, full, head, conf, max_accuracy_loss=0.1, min_threshold=0.5)
    # Running loss: 0,0,1,1,0,0,1,2 -> one wrong answer (0.1 * 10) is allowed, the second is not.
    assert fit.threshold == 0.93
    assert fit.coverage == 0.7
    assert fit.full_accuracy == 0.9 and fit.cascade_accuracy == pytest.approx(0.8)
    strict = choose_threshold(gold, full, head, conf, max_accuracy_loss=0.0, min_threshold=0.5)
    assert strict.threshold == 0.98


def test_threshold_never_splits_equal_confidences_nor_takes_out_of_scope() -> None:
    gold = ["a", "a", "x", "a"]
    full = ["a", "a", "x", "a"]
    # The two rows at 0.95 go together: one of them is wrong, so with no budget neither is taken.
    fit = choose_threshold(gold, full, ["a", "b", "a", "a"], [0.95, 0.95, 0.99, 0.9], max_accuracy_loss=0)
    assert math.isinf(fit.threshold)
    # The head's out_of_scope answers are never accepted, however sure.
    oos = choose_threshold(["x"], ["x"], [OUT_OF_SCOPE], [0.999], max_accuracy_loss=1.0)
    assert math.isinf(oos.threshold) and oos.coverage == 0.0
    # Nothing under the floor, whatever the budget.
    low = choose_threshold(["a"], ["a"], ["a"], [MIN_THRESHOLD - 0.01], max_accuracy_loss=1.0)
    assert math.isinf(low.threshold)


def test_the_shipped_packs_get_a_working_head(parser: EmbeddedNluParser) -> None:
    head = parser.fast_head
    assert head is not None and head.enabled
    assert MIN_THRESHOLD <= head.threshold < 1.0
    assert head.fit.cascade_accuracy >= head.fit.full_accuracy - 1e-9


def test_a_clear_request_skips_the_encoder_and_agrees_with_it(parser: EmbeddedNluParser) -> None:
    local, counting = _counting(parser)
    for text, intent in [
        ("where is my order 5512", "order_status"),
        ("какой у меня баланс", "balance_check"),
    ]:
        fast = local.parse(text)
        assert counting.calls == [], text
        assert fast.intent == intent and fast.confidence >= parser.fast_head.threshold  # type: ignore[union-attr]
        assert fast.entities == parser.parse(text).entities
        full = EmbeddedNluParser(parser.classifier, parser.encoder).parse(text)
        assert full.intent == intent


def test_off_topic_text_goes_to_the_encoder(parser: EmbeddedNluParser) -> None:
    local, counting = _counting(parser)
    result = local.parse("what do you think about the football match tonight")
    assert counting.calls == [["what do you think about the football match tonight"]]
    assert result.intent == OUT_OF_SCOPE


@pytest.mark.parametrize(
    ("text", "answer"),
    [
        ("yes, please", "yes"),
        ("sure, do it", "yes"),
        ("давайте", "yes"),
        ("нет, не надо", "no"),
        ("no", "no"),
    ],
)
def test_a_bare_answer_to_a_yes_no_question_needs_no_model(
    parser: EmbeddedNluParser, text: str, answer: str
) -> None:
    local, counting = _counting(parser)
    asked = local.parse(text, context=ParseContext(expecting="answer"))
    assert counting.calls == []
    assert (asked.intent, asked.confidence, asked.entities["answer"]) == (OUT_OF_SCOPE, 1.0, answer)
    local.parse(text)  # nothing asked: the same words are classified as usual
    assert counting.calls == [[text]]


def test_an_answer_with_more_in_it_is_still_understood(parser: EmbeddedNluParser) -> None:
    result = parser.parse("yes but change the date to Friday", context=ParseContext(expecting="answer"))
    assert result.intent == "order_change"
    assert result.entities["answer"] == "yes"


def test_a_batch_encodes_only_what_the_head_left(parser: EmbeddedNluParser) -> None:
    local, counting = _counting(parser)
    texts = ["where is my order 5512", "recommend me a good pizza place nearby", "cancel my order please"]
    results = local.parse_batch(texts)
    assert [r.intent for r in results] == ["order_status", OUT_OF_SCOPE, "order_cancel"]
    assert counting.calls == [["recommend me a good pizza place nearby"]]


def test_the_head_answers_most_held_out_messages(parser: EmbeddedNluParser) -> None:
    """The point of the cascade (latency) holds on messages it was not trained on."""
    assert parser.fast_head is not None
    rows = load_labelled(DATA / "heldout_en.yaml") + load_labelled(DATA / "heldout_ru.yaml")
    answered = parser.fast_head.rank([r.text for r in rows])
    assert sum(r is not None for r in answered) / len(rows) > 0.5
    wrong = [
        (row.text, r.intent) for row, r in zip(rows, answered, strict=True) if r and r.intent != row.intent
    ]
    assert len(wrong) <= 0.01 * len(rows), wrong


def test_the_cascade_can_be_switched_off() -> None:
    settings = Settings(nlu_cascade=False)
    off = EmbeddedNluParser.from_packs(list(PACKS), settings)
    assert off.fast_head is None
    assert off.parse("where is my order 5512").intent == "order_status"


def test_no_head_in_the_few_shot_regime() -> None:
    """Out-of-fold figures on a handful of examples an intent cannot justify skipping the encoder."""
    rng = np.random.default_rng(0)
    texts = [f"{word} request number {i}" for word in ("cancel", "status", "refund") for i in range(6)]
    labels = [t.split()[0] for t in texts]
    full = IntentClassifier(ClassifierConfig()).fit(texts, labels, rng.normal(size=(len(texts), 8)))
    assert full.few_shot_
    head = fit_fast_head(texts, labels, full)
    assert not head.enabled and head.rank(["cancel request number 3"]) == [None]
