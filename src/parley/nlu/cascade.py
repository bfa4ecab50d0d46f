"""The cascade: an n-gram model answers the messages it is sure of, the sentence encoder the rest.

Why: the encoder is nearly all of a parse's cost (~15 ms of ~16 on one core), yet most customer messages
("where is my order 5512", "какой у меня баланс") are recognised from their words alone. A linear model on
character and word n-grams only (the same `IntentClassifier`, fitted on zero-width embeddings: ~0.3 ms a
message) looks first. When its calibrated top probability reaches the threshold and its answer is an
intent, the encoder is skipped. It never answers `out_of_scope`: telling new off-topic text from a
request is what the encoder is for.

The threshold is chosen at training time, not guessed. Both models' out-of-fold predictions on the
training examples (the same folds, from their calibration) show what answering with the n-gram model
would have cost: the threshold is the lowest one at which the cascade's out-of-fold accuracy stays
within `max_accuracy_loss` (by default nothing) of the full model's, at that threshold and at every
higher one. When none qualifies, the head never answers and every message takes the full path.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from parley.nlu.classifier import OUT_OF_SCOPE, ClassifierConfig, IntentClassifier, Ranked

# The share of the full model's out-of-fold accuracy the cascade may cost. Zero: above its threshold the
# head was, out of fold, never less accurate than the full model. A budget of a quarter of a point looked
# harmless on the packs (held-out accuracy unchanged) but cost 0.2-0.5 points on Banking77, Banking77-RU and
# CLINC150, where the head's out-of-fold gains over the full model did not carry over to the test sets
# (benchmarks/README.md).
MAX_ACCURACY_LOSS = 0.0
# The head never answers below this probability, whatever the out-of-fold figures allow: under it the
# full model's clarification rule (clarify_ceiling) could still have asked the customer.
MIN_THRESHOLD = 0.7


@dataclass(frozen=True, slots=True)
class CascadeFit:
    """How the threshold was chosen, in out-of-fold figures on the training examples."""

    threshold: float  # math.inf: the head never answers
    coverage: float  # share of training rows the head would answer
    full_accuracy: float
    cascade_accuracy: float


class FastHead:
    """The n-gram-only first stage: `rank()` gives a `Ranked` where it is sure enough, else None."""

    def __init__(self, classifier: IntentClassifier | None, fit: CascadeFit) -> None:
        self.classifier = classifier
        self.fit = fit

    @property
    def threshold(self) -> float:
        return self.fit.threshold

    @property
    def enabled(self) -> bool:
        return self.classifier is not None and math.isfinite(self.fit.threshold)

    def rank(self, texts: Sequence[str]) -> list[Ranked | None]:
        if self.classifier is None or not self.enabled or not texts:
            return [None] * len(texts)
        proba = self.classifier.predict_proba(list(texts), np.zeros((len(texts), 0), dtype=np.float32))
        out: list[Ranked | None] = []
        for row in proba:
            ranked = self.classifier.rank(row)
            sure = ranked.confidence >= self.fit.threshold and not ranked.needs_clarification
            out.append(ranked if sure and ranked.intent != OUT_OF_SCOPE else None)
        return out


def head_config(full: ClassifierConfig) -> ClassifierConfig:
    """The full model's settings without the embedding-only parts (the few-shot LDA needs embeddings)."""
    return ClassifierConfig(
        C=full.C,
        few_shot_max_per_class=0,
        calibration_folds=full.calibration_folds,
        oos_threshold=full.oos_threshold,
        clarify_margin=full.clarify_margin,
        clarify_ceiling=full.clarify_ceiling,
        seed=full.seed,
    )


def choose_threshold(
    gold: Sequence[str],
    full_pred: Sequence[str],
    head_pred: Sequence[str],
    head_confidence: Sequence[float],
    *,
    max_accuracy_loss: float = MAX_ACCURACY_LOSS,
    min_threshold: float = MIN_THRESHOLD,
) -> CascadeFit:
    """The lowest head confidence to accept, from out-of-fold predictions of both models.

    Accepting the head's answer on a row changes the cascade's accuracy by (head right) - (full right).
    Rows are taken from the most confident down; the threshold stops before the first point where the
    running loss exceeds the budget, so every higher threshold is within budget too.
    """
    g = np.asarray(gold, dtype=object)
    full_right = np.asarray(full_pred, dtype=object) == g
    head = np.asarray(head_pred, dtype=object)
    conf = np.asarray(head_confidence, dtype=np.float64)
    n = len(g)
    full_accuracy = float(full_right.mean()) if n else 0.0
    eligible = np.flatnonzero((head != OUT_OF_SCOPE) & (conf >= min_threshold))
    never = CascadeFit(math.inf, 0.0, full_accuracy, full_accuracy)
    if n == 0 or len(eligible) == 0:
        return never
    order = eligible[np.argsort(-conf[eligible], kind="stable")]
    gain = (head[order] == g[order]).astype(np.int64) - full_right[order].astype(np.int64)
    running = np.cumsum(gain)
    sorted_conf = conf[order]
    # Only cut between different confidences: a threshold takes all rows of equal confidence or none.
    cuts = np.flatnonzero(np.append(sorted_conf[1:] < sorted_conf[:-1], True))
    best = -1
    for k in cuts:
        if -running[k] > max_accuracy_loss * n:
            break
        best = int(k)
    if best < 0:
        return never
    return CascadeFit(
        threshold=float(sorted_conf[best]),
        coverage=(best + 1) / n,
        full_accuracy=full_accuracy,
        cascade_accuracy=full_accuracy + float(running[best]) / n,
    )


def fit_fast_head(
    texts: Sequence[str],
    labels: Sequence[str],
    full: IntentClassifier,
    *,
    max_accuracy_loss: float = MAX_ACCURACY_LOSS,
) -> FastHead:
    """Fits the n-gram head on the full model's training data; `full` must just have been fitted on the
    same (texts, labels), so that its out-of-fold probabilities come from the same folds.

    In the few-shot regime there is no head: out-of-fold figures on six or seven examples an intent are
    too few to trust (measured: the head chosen that way cost Banking77 10-shot 0.18 and MInDS-14 0.9
    points, see benchmarks/README.md).
    """
    texts = list(texts)
    no_answers = CascadeFit(math.inf, 0.0, 0.0, 0.0)
    if full.few_shot_:
        return FastHead(None, no_answers)
    head = IntentClassifier(head_config(full.config))
    head.fit(texts, labels, np.zeros((len(texts), 0), dtype=np.float32))
    if full.oof_proba_ is None or head.oof_proba_ is None or head.classes_ != full.classes_:
        return FastHead(head, no_answers)
    full_pred = [full.rank(row).intent for row in full.oof_proba_]
    head_ranked = [head.rank(row) for row in head.oof_proba_]
    fit = choose_threshold(
        labels,
        full_pred,
        [r.intent if not r.needs_clarification else OUT_OF_SCOPE for r in head_ranked],
        [r.confidence for r in head_ranked],
        max_accuracy_loss=max_accuracy_loss,
    )
    return FastHead(head, fit)
