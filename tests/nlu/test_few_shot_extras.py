"""Few-shot extras of the intent classifier: label-name rows and a second view of the training texts.

They only exist in the few-shot regime (median class <= few_shot_max_per_class), so the product's own intents
(>= 80 examples each) must train exactly as before; these tests pin both sides.
"""

from __future__ import annotations

import numpy as np
import pytest

from parley.nlu.classifier import OUT_OF_SCOPE, ClassifierConfig, IntentClassifier, label_description


@pytest.mark.parametrize(
    ("label", "expected"),
    [
        ("card_arrival", "card arrival"),
        ("lost_or_stolen_card", "lost or stolen card"),
        ("Refund_not_showing_up", "Refund not showing up"),
        ("apple_pay_or_google_pay", "apple pay or google pay"),
        ("order-status", "order status"),
        ("7", None),
        ("12_3", None),
        (OUT_OF_SCOPE, None),
    ],
)
def test_label_description_turns_word_labels_into_phrases(label: str, expected: str | None) -> None:
    assert label_description(label) == expected


def _unit(v: np.ndarray) -> np.ndarray:
    return v / np.linalg.norm(v)


def _toy(per_class: int = 4) -> tuple[list[str], list[str], np.ndarray, dict[str, np.ndarray]]:
    """Three described intents in 8 dimensions, plus each label's embedding placed off the class centre."""
    rng = np.random.default_rng(3)
    centres = {k: _unit(rng.normal(size=8)) for k in ("atm_support", "card_arrival", "exchange_rate")}
    texts, labels, rows = [], [], []
    for label, centre in centres.items():
        for i in range(per_class):
            texts.append(f"{label.split('_')[0]} question {i}")
            labels.append(label)
            rows.append(_unit(centre + 0.2 * rng.normal(size=8)))
    label_emb = {k: _unit(v + 0.5 * _unit(rng.normal(size=8))) for k, v in centres.items()}
    return texts, labels, np.asarray(rows, dtype=np.float32), label_emb


def test_is_few_shot_follows_the_median_class_size() -> None:
    clf = IntentClassifier(ClassifierConfig(few_shot_max_per_class=5))
    assert clf.is_few_shot(["a"] * 5 + ["b"] * 4)
    assert not clf.is_few_shot(["a"] * 6 + ["b"] * 6)
    assert not IntentClassifier(ClassifierConfig(few_shot_max_per_class=0)).is_few_shot(["a", "b"])
    assert not IntentClassifier(ClassifierConfig(model="lr")).is_few_shot(["a", "b"])
    texts, labels, emb, _ = _toy()
    fitted = IntentClassifier(ClassifierConfig(calibration_folds=0)).fit(texts, labels, emb)
    assert fitted.few_shot_ == fitted.is_few_shot(labels)


def test_label_rows_pull_a_message_near_the_label_towards_its_class() -> None:
    texts, labels, emb, label_emb = _toy()
    config = ClassifierConfig(calibration_folds=0)
    plain = IntentClassifier(config).fit(texts, labels, emb)
    described = IntentClassifier(ClassifierConfig(calibration_folds=0)).fit(
        texts, labels, emb, label_embeddings=label_emb
    )
    assert described.few_shot_
    probe = ["exchange"], np.asarray([label_emb["exchange_rate"]], dtype=np.float32)
    j = described.classes_.index("exchange_rate")
    p_plain = plain.predict_proba(*probe)[0, j]
    p_described = described.predict_proba(*probe)[0, j]
    assert p_described > p_plain


def test_extras_are_ignored_outside_the_few_shot_regime() -> None:
    texts, labels, emb, label_emb = _toy()
    config = ClassifierConfig(calibration_folds=0, few_shot_max_per_class=0)
    plain = IntentClassifier(config).fit(texts, labels, emb)
    extras = IntentClassifier(ClassifierConfig(calibration_folds=0, few_shot_max_per_class=0)).fit(
        texts, labels, emb, label_embeddings=label_emb, extra_views=emb[::-1].copy()
    )
    assert np.allclose(plain.decision_scores(texts, emb), extras.decision_scores(texts, emb))


def test_extra_views_must_match_the_embeddings_row_for_row() -> None:
    texts, labels, emb, _ = _toy()
    with pytest.raises(ValueError, match="extra_views"):
        IntentClassifier(ClassifierConfig(calibration_folds=0)).fit(texts, labels, emb, extra_views=emb[:3])


def test_calibrated_few_shot_fit_with_extras_keeps_the_fast_path_exact() -> None:
    texts, labels, emb, label_emb = _toy()
    views = np.asarray([_unit(v + 0.05) for v in emb], dtype=np.float32)
    clf = IntentClassifier(ClassifierConfig(calibration_folds=3)).fit(
        texts, labels, emb, label_embeddings=label_emb, extra_views=views
    )
    assert clf.few_shot_ and clf.temperature != 1.0
    batch = clf.decision_scores(texts, emb)  # 12 texts > FAST_PATH_MAX_TEXTS: sklearn's pipeline
    one_by_one = np.vstack([clf.decision_scores([t], emb[i : i + 1]) for i, t in enumerate(texts)])
    assert np.allclose(batch, one_by_one, atol=1e-4)
    assert [clf.classes_[i] for i in batch.argmax(axis=1)] == labels
