"""Scoring an `NluParser` on any labelled file (CSV `text,intent` or JSONL `{"text","intent"}`).

Why a module of its own: the same report serves `parley nlu eval`, the held-out acceptance test and a
company checking the engine on its own transcripts before switching it on.
"""

from __future__ import annotations

import csv
import json
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from parley.nlu.classifier import OUT_OF_SCOPE
from parley.nlu.parser import NluParser


@dataclass(slots=True)
class LabelledText:
    text: str
    intent: str
    language: str | None = None


@dataclass(slots=True)
class EvalReport:
    n: int
    accuracy: float
    macro_f1: float
    per_intent: dict[str, dict[str, float]]
    confusions: list[tuple[str, str, int]]  # (gold, predicted, count), most frequent first
    oos_precision: float | None
    oos_recall: float | None
    latency_ms_p50: float
    latency_ms_p99: float
    errors: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "n": self.n,
            "accuracy": round(self.accuracy, 4),
            "macro_f1": round(self.macro_f1, 4),
            "out_of_scope_precision": None if self.oos_precision is None else round(self.oos_precision, 4),
            "out_of_scope_recall": None if self.oos_recall is None else round(self.oos_recall, 4),
            "latency_ms": {"p50": round(self.latency_ms_p50, 2), "p99": round(self.latency_ms_p99, 2)},
            "per_intent": self.per_intent,
            "confusions": [{"gold": g, "predicted": p, "count": c} for g, p, c in self.confusions],
        }


def load_labelled(path: str | Path) -> list[LabelledText]:
    """Reads CSV (header with text,intent[,language]) or JSONL; YAML `{intent: [texts]}` works too."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix in (".jsonl", ".ndjson", ".json"):
        rows = []
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                obj = json.loads(line)
                rows.append(LabelledText(str(obj["text"]), str(obj["intent"]), obj.get("language")))
        return rows
    if suffix in (".yaml", ".yml"):
        import yaml

        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        return [LabelledText(str(t), str(i)) for i, texts in data.items() for t in texts or []]
    with path.open(newline="", encoding="utf-8") as fh:
        return [LabelledText(r["text"], r["intent"], r.get("language") or None) for r in csv.DictReader(fh)]


def score(gold: list[str], predicted: list[str]) -> tuple[float, float, dict[str, dict[str, float]]]:
    """Accuracy, macro-F1 over the gold labels, and per-intent precision/recall/F1/support."""
    labels = sorted(set(gold))
    per: dict[str, dict[str, float]] = {}
    f1s = []
    for label in labels:
        tp = sum(1 for g, p in zip(gold, predicted, strict=True) if g == label and p == label)
        fp = sum(1 for g, p in zip(gold, predicted, strict=True) if g != label and p == label)
        fn = sum(1 for g, p in zip(gold, predicted, strict=True) if g == label and p != label)
        prec = tp / (tp + fp) if tp + fp else 0.0
        rec = tp / (tp + fn) if tp + fn else 0.0
        f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
        per[label] = {
            "precision": round(prec, 4),
            "recall": round(rec, 4),
            "f1": round(f1, 4),
            "support": tp + fn,
        }
        f1s.append(f1)
    acc = float(np.mean([g == p for g, p in zip(gold, predicted, strict=True)])) if gold else 0.0
    return acc, float(np.mean(f1s)) if f1s else 0.0, per


def evaluate(
    parser: NluParser, rows: Iterable[LabelledText], oos_label: str = OUT_OF_SCOPE, *, batch: bool = False
) -> EvalReport:
    """Parses every row and scores it. `batch=True` uses `parser.parse_batch` when the parser has one:
    whole-message classification in one encoder call (fast; latency is then the per-message average)."""
    rows = list(rows)
    predicted, latencies, errors = [], [], []
    parse_batch = getattr(parser, "parse_batch", None) if batch else None
    if parse_batch is not None:
        start = time.perf_counter()
        results = []
        for lang in {r.language for r in rows}:
            group = [r for r in rows if r.language == lang]
            results += list(zip(group, parse_batch([r.text for r in group], language=lang), strict=True))
        order = {id(r): i for i, r in enumerate(rows)}
        results.sort(key=lambda pair: order[id(pair[0])])
        per_message = (time.perf_counter() - start) * 1000 / max(len(rows), 1)
        latencies = [per_message] * len(rows)
        parsed = [res for _, res in results]
    else:
        parsed = []
        for row in rows:
            start = time.perf_counter()
            parsed.append(parser.parse(row.text, language=row.language))
            latencies.append((time.perf_counter() - start) * 1000)
    for row, result in zip(rows, parsed, strict=True):
        predicted.append(result.intent)
        if result.intent != row.intent:
            errors.append(
                {
                    "text": row.text,
                    "gold": row.intent,
                    "predicted": result.intent,
                    "confidence": round(result.confidence, 3),
                }
            )
    gold = [r.intent for r in rows]
    acc, macro, per = score(gold, predicted)
    pairs = Counter((g, p) for g, p in zip(gold, predicted, strict=True) if g != p)
    oos_precision = oos_recall = None
    if oos_label in gold:
        tp = sum(1 for g, p in zip(gold, predicted, strict=True) if g == oos_label and p == oos_label)
        pred_oos = sum(1 for p in predicted if p == oos_label)
        oos_recall = tp / sum(1 for g in gold if g == oos_label)
        oos_precision = tp / pred_oos if pred_oos else 0.0
    lat = np.asarray(latencies) if latencies else np.zeros(1)
    return EvalReport(
        n=len(rows),
        accuracy=acc,
        macro_f1=macro,
        per_intent=per,
        confusions=[(g, p, c) for (g, p), c in pairs.most_common(20)],
        oos_precision=oos_precision,
        oos_recall=oos_recall,
        latency_ms_p50=float(np.percentile(lat, 50)),
        latency_ms_p99=float(np.percentile(lat, 99)),
        errors=errors,
    )
