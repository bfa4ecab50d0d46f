"""One intent classifier per sentence encoder, their scores summed: what `PARLEY_ENCODER=A+B` trains.

Why a sum of separate classifiers rather than one classifier on the joined vectors: with ten examples an
intent, the bundled encoder and a copy tuned on those examples make different mistakes, and each classifier
fitted on one encoder's view (its own LDA covariance, its own scale) keeps its own strengths; summing their
decision scores beat one classifier over both views on Banking77 10-shot (benchmarks/README.md). With many
examples the sum costs nothing either: each member is the usual classifier.

The ensemble is an `IntentClassifier` to its callers (the embedded parser, the cascade, the benchmarks):
same classes, calibrated probabilities from one softmax temperature fitted on the summed out-of-fold scores,
the same out-of-scope and clarification rules.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence

import numpy as np

from parley.nlu.classifier import ClassifierConfig, IntentClassifier, fit_temperature, softmax


class EnsembleClassifier(IntentClassifier):
    """Members see consecutive column blocks of the embedding (`block_dims`, in encoder order)."""

    def __init__(self, config: ClassifierConfig | None, block_dims: Sequence[int]) -> None:
        super().__init__(config)
        if len(block_dims) < 2 or min(block_dims) <= 0:
            raise ValueError(f"an ensemble needs two or more embedding blocks, got {list(block_dims)}")
        self.block_dims = [int(d) for d in block_dims]
        self.members: list[IntentClassifier] = []

    def blocks(self, embeddings: np.ndarray) -> list[np.ndarray]:
        """Each member's columns of an (n, sum(block_dims)) embedding matrix, as unit rows again (the
        joined vector scaled them down), so each member sees what a single encoder would give it."""
        emb = np.asarray(embeddings, dtype=np.float32)
        if emb.ndim != 2 or emb.shape[1] != sum(self.block_dims):
            raise ValueError(f"embeddings of shape {emb.shape}, expected (n, {sum(self.block_dims)})")
        edges = np.cumsum([0, *self.block_dims])
        out = []
        for a, b in zip(edges[:-1], edges[1:], strict=True):
            block = emb[:, a:b]
            norms = np.linalg.norm(block, axis=1, keepdims=True)
            out.append(block / np.where(norms > 0, norms, 1.0))
        return out

    def fit(
        self,
        texts: Sequence[str],
        labels: Sequence[str],
        embeddings: np.ndarray,
        *,
        label_embeddings: Mapping[str, np.ndarray] | None = None,
        extra_views: np.ndarray | None = None,
    ) -> EnsembleClassifier:
        texts, labels = list(texts), list(labels)
        views = self.blocks(extra_views) if extra_views is not None else [None] * len(self.block_dims)
        label_blocks: list[dict[str, np.ndarray] | None] = [None] * len(self.block_dims)
        if label_embeddings:
            keys = list(label_embeddings)
            split = self.blocks(np.vstack([label_embeddings[k] for k in keys]))
            label_blocks = [dict(zip(keys, block, strict=True)) for block in split]
        self.members = []
        for block, view, described in zip(self.blocks(embeddings), views, label_blocks, strict=True):
            # Same seed, same labels: every member's calibration uses the same folds, so their out-of-fold
            # scores can be summed row by row.
            member = IntentClassifier(copy.deepcopy(self.config))
            member.fit(texts, labels, block, label_embeddings=described, extra_views=view)
            self.members.append(member)
        first = self.members[0]
        self.classes_ = list(first.classes_)
        self.few_shot_ = first.few_shot_
        self.temperature = 1.0
        self.oof_proba_ = self.oof_scores_ = None
        oof = [m.oof_scores_ for m in self.members]
        if all(o is not None for o in oof):
            summed = np.sum([o for o in oof if o is not None], axis=0)
            self.temperature = fit_temperature(summed, np.searchsorted(self.classes_, np.asarray(labels)))
            self.oof_scores_ = summed
            self.oof_proba_ = softmax(summed, self.temperature)
        return self

    def decision_scores(self, texts: Sequence[str], embeddings: np.ndarray) -> np.ndarray:
        if not self.members:
            raise RuntimeError("EnsembleClassifier is not fitted")
        texts = list(texts)
        scores = [
            m.decision_scores(texts, b) for m, b in zip(self.members, self.blocks(embeddings), strict=True)
        ]
        out: np.ndarray = np.sum(scores, axis=0)
        return out

    def predict_proba(self, texts: Sequence[str], embeddings: np.ndarray) -> np.ndarray:
        return softmax(self.decision_scores(texts, embeddings), self.temperature)
