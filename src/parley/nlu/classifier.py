"""The intent classifier: fused features -> linear model -> calibrated probabilities.

One class serves the product and the public benchmarks (benchmarks/nlu_benchmarks.py), so the figures in
benchmarks/README.md describe the code that runs in production, parametrised by `ClassifierConfig`.

Why a linear SVM with temperature scaling: on Banking77 the fused features with a LinearSVC beat
logistic regression at a fraction of the training time, but raw SVM margins are not probabilities. A single
softmax temperature, fitted on out-of-fold decision scores, turns them into calibrated confidences without
changing the ranking, and the out-of-scope threshold and the clarification margin then mean something.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy.optimize import minimize_scalar
from sklearn.discriminant_analysis import LinearDiscriminantAnalysis
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold
from sklearn.svm import LinearSVC

from parley.nlu.features import FeatureConfig, FusedFeaturizer
from parley.nlu.types import OUT_OF_SCOPE

_LABEL_SEPARATORS = re.compile(r"[_\-.:/]+")
_SPACES = re.compile(r"\s+")
_WORD = re.compile(r"[^\W\d_]{2,}")


def label_description(label: str) -> str | None:
    """The intent label as a short phrase ("card_arrival" -> "card arrival"), or None when it is no phrase.

    Why: descriptive label names are part of any labelled data set, and with ten examples an intent the
    name is a useful extra example ("lost or stolen card"; Banking77 10-shot 83.66 -> 84.13%, see
    benchmarks/README.md). Labels without a word of two letters or more (ids such as "7") and
    `out_of_scope`, whose name says nothing about the messages it holds, get None.
    """
    if label == OUT_OF_SCOPE:
        return None
    text = _SPACES.sub(" ", _LABEL_SEPARATORS.sub(" ", label)).strip()
    return text if _WORD.search(text) else None


@dataclass(slots=True)
class ClassifierConfig:
    features: FeatureConfig = field(default_factory=FeatureConfig)
    # "svc": LinearSVC + temperature, or the few-shot ensemble below when examples are scarce;
    # "lr": plain multinomial logistic regression (kept for comparisons in the benchmark).
    model: str = "svc"
    C: float = 0.5
    # Few-shot regime: when the median class has at most this many examples (0 disables), the SVM is
    # replaced by logistic regression (C=few_shot_C) on the same features, averaged with a shrinkage LDA on
    # the embeddings alone (z-scored scores, LDA weighted by few_shot_lda_weight).
    few_shot_max_per_class: int = 20
    few_shot_C: float = 10.0
    few_shot_lda_weight: float = 1.0
    # Few-shot regime only: each described class's label phrase (see `label_description`) joins the
    # training rows of both models, and a second embedding of every training text (`fit(extra_views=...)`,
    # e.g. the e5 `passage: ` prefix) joins the linear model's rows. Inference is unchanged.
    few_shot_label_examples: bool = True
    few_shot_extra_views: bool = True
    calibration_folds: int = 3  # 0 or 1: skip calibration (temperature 1)
    # Below this top probability the message is out of scope even if another class won.
    oos_threshold: float = 0.35
    # Top-two probabilities closer than this (and the winner not sure) -> ask the customer.
    clarify_margin: float = 0.15
    clarify_ceiling: float = 0.7
    seed: int = 0


@dataclass(slots=True)
class Ranked:
    """A classification: the chosen intent plus the ranked candidates it was chosen from."""

    intent: str
    confidence: float
    candidates: list[tuple[str, float]]
    needs_clarification: bool


def softmax(scores: np.ndarray, temperature: float) -> np.ndarray:
    z = scores / max(temperature, 1e-6)
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    out: np.ndarray = e / e.sum(axis=1, keepdims=True)
    return out


def _zscore(scores: np.ndarray) -> np.ndarray:
    """Per-row standardisation, so that scores of different models can be averaged."""
    spread = scores.std(axis=1, keepdims=True)
    out: np.ndarray = (scores - scores.mean(axis=1, keepdims=True)) / np.where(spread > 0, spread, 1.0)
    return out


def fit_temperature(scores: np.ndarray, y_index: np.ndarray) -> float:
    """The softmax temperature that minimises the negative log-likelihood of the true classes."""

    def nll(log_t: float) -> float:
        p = softmax(scores, float(np.exp(log_t)))
        return float(-np.log(np.clip(p[np.arange(len(y_index)), y_index], 1e-12, None)).mean())

    res = minimize_scalar(nll, bounds=(-6.0, 3.0), method="bounded")
    return float(np.exp(res.x))


# Up to this many texts go through the pure-numpy scorer below instead of sklearn's sparse pipeline.
FAST_PATH_MAX_TEXTS = 8


class _FastLinear:
    """The fitted linear model re-expressed as dense per-feature weight rows, for one message at a time.

    Why: for a single short message sklearn's TfidfVectorizer.transform + hstack + decision_function cost
    ~2 ms of validation and sparse bookkeeping, about a sixth of the whole parse budget. Looking the n-grams
    up in the fitted vocabularies and summing the matching weight rows gives the same scores (up to float
    rounding) in ~0.2 ms.
    """

    def __init__(self, featurizer: FusedFeaturizer, coef: np.ndarray, intercept: np.ndarray) -> None:
        coef = np.atleast_2d(np.asarray(coef, dtype=np.float64))
        intercept = np.atleast_1d(np.asarray(intercept, dtype=np.float64))
        self.binary = coef.shape[0] == 1
        weights = coef.T.astype(np.float32)  # (n_features, n_outputs): one contiguous row per feature
        n_emb = weights.shape[0] - len(featurizer.char.vocabulary_)
        n_emb -= len(featurizer.word.vocabulary_) if featurizer.word is not None else 0
        self.emb = np.ascontiguousarray(weights[:n_emb] * featurizer.config.embedding_weight)
        self.intercept = intercept.astype(np.float32)
        self.blocks: list[tuple[Callable[[str], list[str]], dict[str, int], np.ndarray, np.ndarray]] = []
        offset = n_emb
        vectorizers = [featurizer.char] + ([featurizer.word] if featurizer.word is not None else [])
        for vec in vectorizers:
            size = len(vec.vocabulary_)
            rows = np.ascontiguousarray(weights[offset : offset + size])
            self.blocks.append((vec.build_analyzer(), vec.vocabulary_, vec.idf_.astype(np.float32), rows))
            offset += size

    def scores(self, text: str, embedding: np.ndarray) -> np.ndarray:
        out = np.asarray(embedding, dtype=np.float32) @ self.emb + self.intercept
        for analyzer, vocab, idf, rows in self.blocks:
            idx: list[int] = []
            tf: list[float] = []
            for gram, count in Counter(analyzer(text)).items():
                j = vocab.get(gram)
                if j is not None:
                    idx.append(j)
                    tf.append(1.0 + math.log(count))  # sublinear_tf=True
            if not idx:
                continue
            cols = np.asarray(idx)
            vals = np.asarray(tf, dtype=np.float32) * idf[cols]
            vals /= np.linalg.norm(vals)
            out = out + vals @ rows[cols]
        return np.stack([-out[0], out[0]]) if self.binary else out


class IntentClassifier:
    """Fit on (texts, labels, embeddings); rank intents for new (texts, embeddings)."""

    def __init__(self, config: ClassifierConfig | None = None) -> None:
        self.config = config or ClassifierConfig()
        self.featurizer = FusedFeaturizer(self.config.features)
        self.classes_: list[str] = []
        self.temperature = 1.0
        self._model: LinearSVC | LogisticRegression | None = None
        self._fast: _FastLinear | None = None
        self._lda: LinearDiscriminantAnalysis | None = None
        self.few_shot_ = False
        # Calibrated out-of-fold probabilities of the training rows, kept from the last `fit` (in memory
        # only): the cascade (cascade.py) compares two models on them to choose its threshold.
        self.oof_proba_: np.ndarray | None = None
        self.oof_scores_: np.ndarray | None = None  # the same rows before the softmax (ensemble.py sums them)

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state["_fast"] = None  # rebuilt on first use; analyzers are closures, not worth pickling
        state["oof_proba_"] = None  # a training by-product, as large as the training set
        state["oof_scores_"] = None
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self.__dict__.setdefault("_fast", None)
        self.__dict__.setdefault("_lda", None)
        self.__dict__.setdefault("few_shot_", False)
        self.__dict__.setdefault("oof_proba_", None)
        self.__dict__.setdefault("oof_scores_", None)

    def _new_model(self) -> LinearSVC | LogisticRegression:
        if self.config.model == "lr":
            return LogisticRegression(C=self.config.C, max_iter=3000)
        if self.few_shot_:
            return LogisticRegression(C=self.config.few_shot_C, max_iter=3000)
        return LinearSVC(C=self.config.C, random_state=self.config.seed)

    def _new_lda(self, embeddings: np.ndarray, y_index: np.ndarray) -> LinearDiscriminantAnalysis | None:
        """The embedding-only LDA of the few-shot ensemble (None outside the few-shot regime).

        Why: with ten examples a class, the within-class covariance shared by all classes (shrunk towards
        the identity) is the one statistic that can still be estimated, and whitening the embedding with it
        separates neighbouring intents that the linear model on raw features confuses (Banking77 10-shot:
        LinearSVC 82.2%, LR 83.2%, LR + LDA 83.6%; on the full set the LDA hurts, hence only here).
        """
        if not self.few_shot_ or self.config.few_shot_lda_weight <= 0 or len(np.unique(y_index)) < 2:
            return None
        lda = LinearDiscriminantAnalysis(solver="lsqr", shrinkage="auto")
        return lda.fit(np.asarray(embeddings, dtype=np.float64), y_index)

    def _ensemble(
        self, scores: np.ndarray, embeddings: np.ndarray, lda: LinearDiscriminantAnalysis | None
    ) -> np.ndarray:
        """Few-shot: z-scored linear-model scores plus weighted z-scored LDA scores; otherwise unchanged."""
        if lda is None:
            return scores
        extra = np.asarray(lda.decision_function(np.asarray(embeddings, dtype=np.float64)))
        if extra.ndim == 1:
            extra = np.stack([-extra, extra], axis=1)
        return _zscore(scores) + self.config.few_shot_lda_weight * _zscore(extra)

    def _scores(self, model: LinearSVC | LogisticRegression, x: object) -> np.ndarray:
        if self.config.model == "lr":
            return np.asarray(model.predict_log_proba(x))
        scores = np.asarray(model.decision_function(x))
        return scores if scores.ndim == 2 else np.stack([-scores, scores], axis=1)

    def is_few_shot(self, labels: Sequence[str]) -> bool:
        """Whether `fit` on these labels uses the few-shot regime (median class <= few_shot_max_per_class).

        Callers ask first so that they encode label descriptions and extra views only when they are used.
        """
        limit = self.config.few_shot_max_per_class
        counts = list(Counter(labels).values())
        return self.config.model == "svc" and limit > 0 and bool(counts) and float(np.median(counts)) <= limit

    def fit(
        self,
        texts: Sequence[str],
        labels: Sequence[str],
        embeddings: np.ndarray,
        *,
        label_embeddings: Mapping[str, np.ndarray] | None = None,
        extra_views: np.ndarray | None = None,
    ) -> IntentClassifier:
        """Fits on (texts, labels, embeddings); the keyword extras only matter in the few-shot regime.

        `label_embeddings` maps a class to the embedding of its `label_description` (classes missing from
        it, or without a description, get no extra row); `extra_views` is a second embedding of each
        training text, row for row (the benchmark passes e5's `passage: ` encoding). Why only few-shot:
        with ten examples a class one more example is worth a lot (Banking77 10-shot 83.66 -> 84.25%), with
        eighty it is noise, and neither changes inference, which stays one encoder pass per message.
        """
        texts = list(texts)
        y = np.asarray(labels)
        self.classes_ = sorted(set(labels))
        y_index = np.searchsorted(self.classes_, y)
        self.temperature = 1.0
        self.oof_proba_ = None
        self.oof_scores_ = None
        folds = self.config.calibration_folds
        counts = np.bincount(y_index)
        min_count = int(counts.min()) if len(y_index) else 0
        self.few_shot_ = self.is_few_shot(labels)
        emb = np.asarray(embeddings, dtype=np.float32)
        label_texts, label_emb, label_y = self._label_rows(label_embeddings, emb.shape[1])
        views = None
        if self.few_shot_ and self.config.few_shot_extra_views and extra_views is not None:
            views = np.asarray(extra_views, dtype=np.float32)
            if views.shape != emb.shape:
                raise ValueError(f"extra_views has shape {views.shape}, embeddings {emb.shape}")
        self.featurizer.fit(texts + label_texts)

        def rows(idx: np.ndarray) -> tuple[object, np.ndarray, np.ndarray, np.ndarray]:
            """Training rows of the linear model (features, classes) and of the LDA (embeddings, classes)
            for the examples `idx`, plus the label-description rows, plus the extra views of `idx`."""
            lin_texts = [texts[i] for i in idx] + label_texts
            lin_emb = [emb[idx], label_emb]
            lin_y = [y_index[idx], label_y]
            lda_emb = np.vstack(lin_emb)
            lda_y = np.concatenate(lin_y)
            if views is not None:
                lin_texts += [texts[i] for i in idx]
                lin_emb.append(views[idx])
                lin_y.append(y_index[idx])
            x = self.featurizer.transform(lin_texts, np.vstack(lin_emb))
            return x, np.concatenate(lin_y), lda_emb, lda_y

        if self.config.model == "svc" and folds >= 2 and min_count >= folds:
            # Out-of-fold margins: the model has not seen these rows, so their spread is honest.
            oof = np.zeros((len(texts), len(self.classes_)), dtype=np.float64)
            splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=self.config.seed)
            for train_idx, test_idx in splitter.split(np.zeros(len(y)), y_index):
                x_tr, y_tr, lda_emb, lda_y = rows(train_idx)
                m = self._new_model().fit(x_tr, y_tr)
                lda = self._new_lda(lda_emb, lda_y)
                cols = np.asarray(m.classes_)
                x_te = self.featurizer.transform([texts[i] for i in test_idx], emb[test_idx])
                oof[np.ix_(test_idx, cols)] = self._ensemble(self._scores(m, x_te), emb[test_idx], lda)
                missing = np.setdiff1d(np.arange(len(self.classes_)), cols)
                if len(missing):
                    oof[np.ix_(test_idx, missing)] = -10.0
            self.temperature = fit_temperature(oof, y_index)
            self.oof_scores_ = oof
            self.oof_proba_ = softmax(oof, self.temperature)
        x_all, y_all, lda_emb, lda_y = rows(np.arange(len(texts)))
        self._model = self._new_model().fit(x_all, y_all)
        self._lda = self._new_lda(lda_emb, lda_y)
        self._fast = None
        return self

    def _label_rows(
        self, label_embeddings: Mapping[str, np.ndarray] | None, dim: int
    ) -> tuple[list[str], np.ndarray, np.ndarray]:
        """(description texts, embeddings, class indices) of the label-description rows; empty outside the
        few-shot regime or when disabled."""
        out_texts: list[str] = []
        out_emb: list[np.ndarray] = []
        out_y: list[int] = []
        if self.few_shot_ and self.config.few_shot_label_examples and label_embeddings:
            for i, cls in enumerate(self.classes_):
                description = label_description(cls)
                vector = label_embeddings.get(cls)
                if description is None or vector is None:
                    continue
                out_texts.append(description)
                out_emb.append(np.asarray(vector, dtype=np.float32).reshape(dim))
                out_y.append(i)
        emb_block = np.vstack(out_emb) if out_emb else np.zeros((0, dim), dtype=np.float32)
        return out_texts, emb_block, np.asarray(out_y, dtype=np.int64)

    def _fast_scores(self, texts: list[str], embeddings: np.ndarray) -> np.ndarray | None:
        """Per-class margins through `_FastLinear` for a handful of texts (None: use sklearn instead)."""
        if self.config.model != "svc" or self._model is None or len(texts) > FAST_PATH_MAX_TEXTS:
            return None
        if self._fast is None:
            self._fast = _FastLinear(self.featurizer, self._model.coef_, self._model.intercept_)
        emb = np.asarray(embeddings, dtype=np.float32)
        return np.stack([self._fast.scores(t, e) for t, e in zip(texts, emb, strict=True)])

    def decision_scores(self, texts: Sequence[str], embeddings: np.ndarray) -> np.ndarray:
        """Uncalibrated per-class scores (SVM margins; z-scored ensemble scores in the few-shot regime)."""
        if self._model is None:
            raise RuntimeError("IntentClassifier is not fitted")
        texts = list(texts)
        scores = self._fast_scores(texts, embeddings)
        if scores is None:
            scores = self._scores(self._model, self.featurizer.transform(texts, embeddings))
        return self._ensemble(scores, embeddings, self._lda)

    def calibrate(self, texts: Sequence[str], labels: Sequence[str], embeddings: np.ndarray) -> float:
        """Refits the softmax temperature on a labelled validation set (labels must be known classes)."""
        if self.config.model == "svc":
            y_index = np.searchsorted(self.classes_, np.asarray(labels))
            self.temperature = fit_temperature(self.decision_scores(texts, embeddings), y_index)
        return self.temperature

    def choose_oos_threshold(
        self,
        texts: Sequence[str],
        labels: Sequence[str],
        embeddings: np.ndarray,
        *,
        min_in_scope_accuracy: float = 0.96,
    ) -> float:
        """Sets (and returns) the highest out-of-scope threshold that keeps in-scope accuracy on a labelled
        validation set at or above `min_in_scope_accuracy`.

        Why exact rather than a grid: in-scope accuracy only falls and out-of-scope recall only rises as the
        threshold grows, so the best operating point under the accuracy floor is the top probability of the
        k-th most confident correct in-scope row (k = the number of rows the floor requires). A 0.05 grid
        stopped up to 0.05 short of it. Rows labelled `out_of_scope` only matter through that ranking.
        """
        gold = np.asarray(labels)
        proba = self.predict_proba(texts, embeddings)
        top = proba.max(axis=1)
        pred = np.asarray(self.classes_)[proba.argmax(axis=1)]
        in_scope = gold != OUT_OF_SCOPE
        correct = np.sort(top[in_scope & (pred == gold)])[::-1]
        needed = math.ceil(min_in_scope_accuracy * int(in_scope.sum()) - 1e-9)
        if needed <= 0:
            threshold = float(correct[0]) if len(correct) else 0.0
        elif needed > len(correct):
            threshold = 0.0  # the floor is out of reach even without rejecting anything
        else:
            threshold = float(correct[needed - 1])
        self.config.oos_threshold = threshold
        return threshold

    def predict_proba(self, texts: Sequence[str], embeddings: np.ndarray) -> np.ndarray:
        """Calibrated probabilities, columns in the order of `classes_`."""
        if self._model is None:
            raise RuntimeError("IntentClassifier is not fitted")
        if self.config.model == "lr":
            return np.asarray(self._model.predict_proba(self.featurizer.transform(list(texts), embeddings)))
        return softmax(self.decision_scores(texts, embeddings), self.temperature)

    def rank(self, proba_row: np.ndarray, top_k: int = 3) -> Ranked:
        """Applies the out-of-scope threshold and the clarification rule to one probability row."""
        order = np.argsort(-proba_row)
        candidates = [(self.classes_[i], float(proba_row[i])) for i in order[:top_k]]
        top, p1 = candidates[0]
        p2 = candidates[1][1] if len(candidates) > 1 else 0.0
        cfg = self.config
        if p1 < cfg.oos_threshold:
            return Ranked(OUT_OF_SCOPE, 1.0 - p1, candidates, False)
        clarify = top != OUT_OF_SCOPE and (p1 - p2) < cfg.clarify_margin and p1 < cfg.clarify_ceiling
        return Ranked(top, p1, candidates, clarify)

    def classify(self, texts: Sequence[str], embeddings: np.ndarray, top_k: int = 3) -> list[Ranked]:
        proba = self.predict_proba(texts, embeddings)
        return [self.rank(row, top_k) for row in proba]
