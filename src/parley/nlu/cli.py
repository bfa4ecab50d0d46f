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
