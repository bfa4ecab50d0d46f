"""Intent classifier: the project's acceptance bar on held-out phrasings, plus the ranking rules.

The held-out files (tests/nlu/data/heldout_{en,ru}.yaml) are never used for training; accuracy >= 95% and
out-of-scope recall >= 90% per language is the acceptance bar of issue 3, so asserting it here is intended.
Transliterated Russian (heldout_translit.yaml, "gde moy zakaz") has a bar of its own: it is read through
its Cyrillic rendering (nlu/translit.py); 95-96% when written, 56-59% before that step.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from parley.nlu.classifier import OUT_OF_SCOPE, ClassifierConfig, IntentClassifier, fit_temperature
from parley.nlu.embedded import get_parser
from parley.nlu.evaluate import evaluate, load_labelled
from parley.nlu.training import Example, cache_key, load_examples

DATA = Path(__file__).parent / "data"


@pytest.mark.parametrize("language", ["en", "ru"])
def test_heldout_accuracy_and_out_of_scope_recall(language: str) -> None:
    parser = get_parser(("retail", "telecom"))
    rows = load_labelled(DATA / f"heldout_{language}.yaml")
    for row in rows:
        row.language = language
    report = evaluate(parser, rows, batch=True)
    worst = sorted(report.per_intent.items(), key=lambda kv: kv[1]["recall"])[:5]
    detail = f"errors={report.errors[:15]} worst={worst}"
    assert report.accuracy >= 0.95, detail
    assert report.oos_recall is not None and report.oos_recall >= 0.90, detail


def test_heldout_transliterated_russian() -> None:
    parser = get_parser(("retail", "telecom"))
    rows = load_labelled(DATA / "heldout_translit.yaml")
    report = evaluate(parser, rows, batch=True)
    assert report.accuracy >= 0.92, f"errors={report.errors[:15]}"
    assert report.oos_recall is not None and report.oos_recall >= 0.90, f"errors={report.errors[:15]}"


def test_heldout_is_not_training_data() -> None:
    trained = {e.text.strip().lower() for e in load_examples(["retail", "telecom"])}
    for language in ("en", "ru", "translit"):
        overlap = [
            r.text for r in load_labelled(DATA / f"heldout_{language}.yaml") if r.text.lower() in trained
        ]
        assert overlap == []


def test_every_intent_has_forty_examples_per_language() -> None:
    examples = load_examples(["retail", "telecom"])
    for language in ("en", "ru"):
        counts: dict[str, int] = {}
        for e in examples:
            if e.language == language:
                counts[e.intent] = counts.get(e.intent, 0) + 1
        assert len(counts) == 24  # the two packs' intents, out_of_scope and the shared small talk
        assert min(counts.values()) >= 40, counts


def test_cache_key_follows_examples_encoder_and_config() -> None:
    base = [Example("where is my order", "order_status", "en")]
    key = cache_key(base, "enc-a", ClassifierConfig())
    assert key == cache_key(list(base), "enc-a", ClassifierConfig())
    assert key != cache_key(base + [Example("hi", "greeting", "en")], "enc-a", ClassifierConfig())
    assert key != cache_key(base, "enc-b", ClassifierConfig())
    assert key != cache_key(base, "enc-a", ClassifierConfig(C=2.0))


def _toy() -> tuple[list[str], list[str], np.ndarray]:
    rng = np.random.default_rng(0)
    centres = {"a": rng.normal(size=8), "b": rng.normal(size=8), OUT_OF_SCOPE: rng.normal(size=8)}
    texts, labels, rows = [], [], []
    for label, centre in centres.items():
        for i in range(12):
            texts.append(f"{label} sample {i}")
            labels.append(label)
            v = centre + 0.1 * rng.normal(size=8)
            rows.append(v / np.linalg.norm(v))
    return texts, labels, np.asarray(rows, dtype=np.float32)


def test_probabilities_are_calibrated_rows_and_rank_applies_threshold() -> None:
    texts, labels, emb = _toy()
    clf = IntentClassifier(ClassifierConfig(oos_threshold=0.5)).fit(texts, labels, emb)
    proba = clf.predict_proba(texts, emb)
    assert np.allclose(proba.sum(axis=1), 1.0)
    assert [clf.classes_[i] for i in proba.argmax(axis=1)] == labels
    flat = np.full(len(clf.classes_), 1.0 / len(clf.classes_))
    assert clf.rank(flat).intent == OUT_OF_SCOPE
    close = np.array([0.45, 0.55, 0.0]) if clf.classes_[2] == OUT_OF_SCOPE else np.array([0.45, 0.0, 0.55])
    ranked = IntentClassifier(ClassifierConfig(oos_threshold=0.3)).rank  # unfitted classes: set below
    clf2 = IntentClassifier(ClassifierConfig(oos_threshold=0.3))
    clf2.classes_ = clf.classes_
    r = clf2.rank(close)
    assert r.needs_clarification and r.intent != OUT_OF_SCOPE
    assert callable(ranked)


def test_fit_temperature_softens_overconfident_scores() -> None:
    rng = np.random.default_rng(1)
    y = rng.integers(0, 3, size=300)
    scores = rng.normal(size=(300, 3)) * 10
    scores[np.arange(300), y] += 5  # right often, but far from always
    assert fit_temperature(scores, y) > 1.0


@pytest.mark.parametrize("few_shot_max_per_class", [0, 20])
def test_single_message_fast_path_matches_the_batch_pipeline(few_shot_max_per_class: int) -> None:
    texts, labels, emb = _toy()  # 12 examples a class: the few-shot ensemble unless disabled
    config = ClassifierConfig(calibration_folds=0, few_shot_max_per_class=few_shot_max_per_class)
    clf = IntentClassifier(config).fit(texts, labels, emb)
    assert clf.few_shot_ == (few_shot_max_per_class > 0)
    unseen = ["zzz qqq", "", "a sample"]
    all_texts = texts + unseen
    all_emb = np.vstack([emb, emb[:3]])
    batch = clf.decision_scores(all_texts, all_emb)  # more than FAST_PATH_MAX_TEXTS: sklearn's pipeline
    one_by_one = np.vstack([clf.decision_scores([t], all_emb[i : i + 1]) for i, t in enumerate(all_texts)])
    assert np.allclose(batch, one_by_one, atol=1e-4)
    assert [clf.classes_[i] for i in batch[: len(texts)].argmax(axis=1)] == labels


def test_oos_threshold_is_the_highest_that_keeps_the_in_scope_floor() -> None:
    texts, labels, emb = _toy()
    clf = IntentClassifier(ClassifierConfig(calibration_folds=0)).fit(texts, labels, emb)
    proba = clf.predict_proba(texts, emb)
    threshold = clf.choose_oos_threshold(texts, labels, emb, min_in_scope_accuracy=0.75)
    assert clf.config.oos_threshold == threshold
    in_scope = np.asarray(labels) != OUT_OF_SCOPE
    kept = in_scope & (proba.max(axis=1) >= threshold)
    assert kept.sum() >= 0.75 * in_scope.sum()
    # A hair higher would break the floor: the threshold sits exactly on a kept row.
    assert (in_scope & (proba.max(axis=1) >= threshold + 1e-9)).sum() < 0.75 * in_scope.sum()
    assert clf.choose_oos_threshold(texts, labels, emb, min_in_scope_accuracy=1.01) == 0.0
