"""One classifier per encoder block, scores summed (`PARLEY_ENCODER=A+B`): the ensemble must be exactly the
sum of the classifiers each block would get on its own, calibrated as one, and survive the model cache."""

from __future__ import annotations

import pickle

import numpy as np
import pytest

from parley.nlu.cascade import fit_fast_head
from parley.nlu.classifier import ClassifierConfig, IntentClassifier
from parley.nlu.ensemble import EnsembleClassifier

INTENTS = ("order_status", "order_cancel", "top_up")
WORDS = {
    "order_status": ["where", "parcel", "track", "status", "shipped", "arrive"],
    "order_cancel": ["cancel", "stop", "refuse", "drop", "undo", "abort"],
    "top_up": ["top", "recharge", "credit", "pay", "balance", "add"],
}


def _unit(x: np.ndarray) -> np.ndarray:
    return x / np.linalg.norm(x, axis=-1, keepdims=True)


def _data(per_class: int, seed: int = 0) -> tuple[list[str], list[str], np.ndarray]:
    """Texts with a couple of intent words, and two noisy 'encoder views' of each, joined and scaled as
    CombinedEncoder joins them."""
    fixed = np.random.default_rng(0)  # the intents' places are the same in every sample
    centres_a = {k: _unit(fixed.normal(size=8)) for k in INTENTS}
    centres_b = {k: _unit(fixed.normal(size=6)) for k in INTENTS}
    rng = np.random.default_rng(100 + seed)
    texts, labels, rows = [], [], []
    for intent in INTENTS:
        for _ in range(per_class):
            words = rng.choice(WORDS[intent], size=2, replace=False)
            texts.append(f"please {words[0]} my {words[1]} now")
            labels.append(intent)
            a = _unit(centres_a[intent] + 0.6 * rng.normal(size=8))
            b = _unit(centres_b[intent] + 0.6 * rng.normal(size=6))
            rows.append(np.concatenate([a, b]) / np.sqrt(2))
    return texts, labels, np.asarray(rows, dtype=np.float32)


@pytest.mark.parametrize("few_shot_max", [0, 20], ids=["many-shot", "few-shot"])
def test_scores_are_the_sum_of_each_blocks_own_classifier(few_shot_max: int) -> None:
    config = ClassifierConfig(few_shot_max_per_class=few_shot_max)
    texts, labels, emb = _data(12)
    ensemble = EnsembleClassifier(config, [8, 6]).fit(texts, labels, emb)
    assert ensemble.few_shot_ == (few_shot_max > 0)
    test_texts, _, test_emb = _data(4, seed=1)
    alone = [
        IntentClassifier(ClassifierConfig(few_shot_max_per_class=few_shot_max)).fit(texts, labels, block)
        for block in ensemble.blocks(emb)
    ]
    expected = sum(
        c.decision_scores(test_texts, b) for c, b in zip(alone, ensemble.blocks(test_emb), strict=True)
    )
    np.testing.assert_allclose(ensemble.decision_scores(test_texts, test_emb), expected, rtol=1e-5, atol=1e-5)
    # each member saw unit vectors, as it would behind a single encoder
    np.testing.assert_allclose(np.linalg.norm(ensemble.blocks(test_emb)[1], axis=1), 1.0, rtol=1e-5)
    # calibrated once, on the summed out-of-fold scores
    proba = ensemble.predict_proba(test_texts, test_emb)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-5)
    assert ensemble.temperature != 1.0 and ensemble.oof_proba_ is not None
    ranked = ensemble.classify(test_texts, test_emb)
    assert np.mean([r.intent == y for r, y in zip(ranked, _data(4, seed=1)[1], strict=True)]) > 0.9


def test_the_cascade_and_the_model_cache_take_it_as_a_classifier() -> None:
    texts, labels, emb = _data(25)
    ensemble = EnsembleClassifier(ClassifierConfig(), [8, 6]).fit(texts, labels, emb)
    head = fit_fast_head(texts, labels, ensemble)
    assert head.classifier is not None and head.fit.full_accuracy > 0.9
    restored = pickle.loads(pickle.dumps(ensemble))
    assert restored.oof_proba_ is None  # a training by-product, not cached
    np.testing.assert_allclose(
        restored.predict_proba(texts, emb), ensemble.predict_proba(texts, emb), rtol=1e-6
    )


def test_wrong_shapes_are_refused() -> None:
    with pytest.raises(ValueError):
        EnsembleClassifier(ClassifierConfig(), [384])
    ensemble = EnsembleClassifier(ClassifierConfig(), [8, 6])
    with pytest.raises(ValueError):
        ensemble.blocks(np.zeros((2, 13), dtype=np.float32))
    with pytest.raises(RuntimeError):
        ensemble.decision_scores(["x"], np.zeros((1, 14), dtype=np.float32))
