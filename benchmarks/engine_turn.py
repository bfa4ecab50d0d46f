"""The engine's own cost per turn, without understanding, and where it goes.

`turn_latency.py` measures whole turns and subtracts the parser's time; on a shared VM the parser's
20-35 ms jitter blurs a 3-7 ms remainder. Here understanding is taken out of the turn instead: the
real parser runs once per distinct text and its result is replayed, so every turn measures dialogue
engine, LangGraph, context reads, rendering and the turn's commit alone. The per-component table
times the engine's collaborators (store, backend, checkpointer, graph stages) with wrappers: per-call
medians, wall and thread CPU. SQLite in-process (the default deployment) unless `--postgres` is given:
then a scratch database on the server of `PARLEY_BENCH_PG` (as turn_latency.py).

Compare two checkouts on one machine by running the script from each, alternately:
`PYTHONPATH=/path/to/other/src .venv/bin/python /path/to/other/benchmarks/engine_turn.py`.

Command: `.venv/bin/python benchmarks/engine_turn.py [--turns 400] [--postgres]`
"""

from __future__ import annotations

import argparse
import gc
import inspect
import os
import statistics
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")
sys.path.insert(0, str(Path(__file__).resolve().parent))

from rich.console import Console  # noqa: E402
from rich.table import Table  # noqa: E402

import turn_latency as bench  # noqa: E402  (the same customer, conversation and system set-up)


class ReplayedParser:
    """The real parser's result for each distinct text, computed once and then replayed."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.results: dict[str, Any] = {}

    def parse(self, text: str, **kwargs: Any) -> Any:
        if text not in self.results:
            self.results[text] = self.inner.parse(text, **kwargs)
        return self.results[text]

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


Timings = dict[str, list[tuple[float, float]]]  # label -> [(wall s, thread CPU s)]


def time_calls(owner: Any, name: str, label: str, timings: Timings) -> None:
    """Replaces `owner.name` with a wrapper that records each call's wall and thread CPU time."""
    inner: Callable[..., Any] = getattr(owner, name)

    def timed(*args: Any, **kwargs: Any) -> Any:
        wall, cpu = time.perf_counter(), time.thread_time()
        try:
            return inner(*args, **kwargs)
        finally:
            timings[label].append((time.perf_counter() - wall, time.thread_time() - cpu))

    async def timed_async(*args: Any, **kwargs: Any) -> Any:
        wall, cpu = time.perf_counter(), time.thread_time()
        try:
            return await inner(*args, **kwargs)
        finally:
            timings[label].append((time.perf_counter() - wall, time.thread_time() - cpu))

    setattr(owner, name, timed_async if inspect.iscoroutinefunction(inner) else timed)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--turns", type=int, default=400)
    ap.add_argument("--postgres", action="store_true", help="a scratch PostgreSQL database, not SQLite")
    args = ap.parse_args()
    from parley.engine import graph as graph_module
    from parley.engine import nodes
    from parley.engine.turn import InboundMessage
    from parley.nlu.embedded import get_parser

    console = Console(width=130)
    parser = ReplayedParser(get_parser(tuple(bench._settings("sqlite://").pack_names)))
    backend = "PostgreSQL" if args.postgres else "SQLite"
    system_for = bench.postgres_system if args.postgres else bench.sqlite_system
    with system_for(parser) as (system, _probe):
        engine, runtime = system.engine, system.runtime

        def turn(session: str, i: int) -> None:
            text = bench.CONVERSATION[i % len(bench.CONVERSATION)]
            engine.handle(InboundMessage(session, bench.CUSTOMER, text, message_id=f"{session}-{i}"))

        for i in range(4 * len(bench.CONVERSATION)):  # every text parsed once; caches warm
            turn("warm", i)
        gc.collect()
        gc.freeze()
        whole: list[tuple[float, float]] = []
        for i in range(args.turns):
            wall, cpu = time.perf_counter(), time.process_time()
            turn("plain", i)
            whole.append((time.perf_counter() - wall, time.process_time() - cpu))

        timings: Timings = defaultdict(list)
        for name in ("get_customer", "recent_orders", "get_loyalty", "get_preferences", "get_order"):
            time_calls(runtime.backend, name, f"backend.{name}", timings)
        for name in ("conversation_and_response", "record_turn"):
            time_calls(runtime.conversations, name, f"store.{name}", timings)
        for name in ("get_tuple", "put"):
            time_calls(engine.checkpointer, name, f"checkpointer.{name}", timings)
        time_calls(engine.graph, "ainvoke", "graph.ainvoke (stages + LangGraph)", timings)
        for name in ("load_context", "understand", "decide", "act", "respond"):
            time_calls(nodes, name, f"stage.{name}", timings)
        # the graph holds the read-only stages in a list built at import: time the same functions there
        graph_module.READ_ONLY_STAGES[:] = [getattr(nodes, s.__name__) for s in graph_module.READ_ONLY_STAGES]
        for i in range(args.turns):
            turn("timed", i)

    table = Table(title=f"Engine turn without understanding ({backend}, in-process, {args.turns} turns)")
    for col in ("what", "calls/turn", "wall p50 ms", "CPU p50 ms", "wall ms/turn (mean)"):
        table.add_column(col, justify="left" if col == "what" else "right")
    table.add_row(
        "whole turn (engine.handle)",
        "1",
        f"{statistics.median(w for w, _ in whole) * 1000:.2f}",
        f"{statistics.median(c for _, c in whole) * 1000:.2f}",
        f"{statistics.fmean(w for w, _ in whole) * 1000:.2f}",
    )
    for label, calls in sorted(timings.items(), key=lambda kv: -sum(w for w, _ in kv[1])):
        table.add_row(
            label,
            f"{len(calls) / args.turns:.2f}",
            f"{statistics.median(w for w, _ in calls) * 1000:.3f}",
            f"{statistics.median(c for _, c in calls) * 1000:.3f}",
            f"{sum(w for w, _ in calls) / args.turns * 1000:.3f}",
        )
    console.print(table)
    console.print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
