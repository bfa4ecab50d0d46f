"""Feature fusion: sentence embeddings side by side with character and word n-gram TF-IDF.

Why both: the sentence encoder carries meaning across paraphrases and languages, while character n-grams
survive typos, transliteration and Russian morphology ("отминить", "заказик") that a small encoder
blurs. Stacking the (scaled) dense embedding next to the sparse n-grams lets one linear model weigh
both; the embedding weight is the knob that balances them (measured in benchmarks/README.md).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.sparse import csr_matrix, hstack, spmatrix
from sklearn.feature_extraction.text import TfidfVectorizer

_DIGITS = re.compile(r"\d+")
_SPACES = re.compile(r"\s+")


def normalise_text(text: str) -> str:
    """Lower-case, fold ё, collapse whitespace and mask digits.

    Digits are masked because an order number says nothing about intent, yet as raw n-grams it would
    make two "where is 5512" messages look different.
    """
    text = text.lower().replace("ё", "е")
    text = _DIGITS.sub("0", text)
    return _SPACES.sub(" ", text).strip()


@dataclass(slots=True)
class FeatureConfig:
    embedding_weight: float = 4.0
    char_ngrams: tuple[int, int] = (2, 5)
    word_ngrams: tuple[int, int] = (1, 2)
    char_min_df: int = 2
    word_min_df: int = 1
    use_words: bool = True


class FusedFeaturizer:
    """Fits the n-gram vocabularies on training texts; transforms (texts, embeddings) into one matrix."""

    def __init__(self, config: FeatureConfig | None = None) -> None:
        self.config = config or FeatureConfig()
        c = self.config
        self.char = TfidfVectorizer(
            analyzer="char_wb",
            ngram_range=c.char_ngrams,
            sublinear_tf=True,
            min_df=c.char_min_df,
            lowercase=False,
            preprocessor=normalise_text,
            dtype=np.float32,
        )
        self.word = (
            TfidfVectorizer(
                analyzer="word",
                ngram_range=c.word_ngrams,
                sublinear_tf=True,
                min_df=c.word_min_df,
                lowercase=False,
                preprocessor=normalise_text,
                token_pattern=r"(?u)\b\w+\b",
                dtype=np.float32,
            )
            if c.use_words
            else None
        )

    def fit(self, texts: Sequence[str]) -> FusedFeaturizer:
        # A tiny corpus may have no n-gram that reaches min_df; fall back to min_df=1 instead of failing.
        try:
            self.char.fit(texts)
        except ValueError:
            self.char.set_params(min_df=1)
            self.char.fit(texts)
        if self.word is not None:
            try:
                self.word.fit(texts)
            except ValueError:
                self.word.set_params(min_df=1)
                self.word.fit(texts)
        return self

    def transform(self, texts: Sequence[str], embeddings: np.ndarray) -> csr_matrix:
        blocks: list[spmatrix] = [
            csr_matrix(np.asarray(embeddings, dtype=np.float32) * self.config.embedding_weight),
            self.char.transform(texts),
        ]
        if self.word is not None:
            blocks.append(self.word.transform(texts))
        return hstack(blocks, format="csr", dtype=np.float32)
