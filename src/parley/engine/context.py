"""Loading a customer's context for one turn, where no source may fail the turn.

Each source (CRM profile extras, recent orders, loyalty, preferences, history, a pack's own) is a
callable; one that raises or overruns its time budget degrades to empty and is logged.

Two strategies, chosen by the backend (`reads_are_local`):
- remote systems (an HTTP CRM, a billing API): all sources at once on a thread pool, each waited for
  at most `timeout_s` — a slow system costs one timeout, not the sum of them;
- the reference backend, whose reads are sub-millisecond queries on the same database: inline, one
  after the other. Handing four 0.3 ms queries to threads cost more than running them (measured in
  benchmarks/README.md, "Dialogue turns"); an overrun is still logged and its result discarded.
  Such a backend may also fetch them all ahead in one round trip (`prefetch_context`), which the
  sources then read back; if that fails, each source reads (and degrades) on its own.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from concurrent.futures import Executor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, field
from typing import Any

log = logging.getLogger(__name__)

Source = Callable[[], Any]


@dataclass(slots=True)
class Loaded:
    values: dict[str, Any] = field(default_factory=dict)
    degraded: list[str] = field(default_factory=list)


def load_concurrently(sources: Mapping[str, Source], pool: Executor, timeout_s: float, who: str) -> Loaded:
    futures = {name: pool.submit(fn) for name, fn in sources.items()}
    deadline = time.monotonic() + timeout_s
    loaded = Loaded()
    for name, future in futures.items():
        try:
            loaded.values[name] = future.result(timeout=max(0.0, deadline - time.monotonic()))
        except FutureTimeout:
            log.warning("context source %s timed out for %s", name, who)
            loaded.degraded.append(name)
        except Exception:  # a broken source must not fail the turn
            log.exception("context source %s failed for %s", name, who)
            loaded.degraded.append(name)
    return loaded


def load_inline(sources: Mapping[str, Source], timeout_s: float, who: str) -> Loaded:
    loaded = Loaded()
    for name, fn in sources.items():
        started = time.monotonic()
        try:
            value = fn()
        except Exception:  # a broken source must not fail the turn
            log.exception("context source %s failed for %s", name, who)
            loaded.degraded.append(name)
            continue
        if time.monotonic() - started > timeout_s:
            log.warning("context source %s overran its budget for %s", name, who)
            loaded.degraded.append(name)
            continue
        loaded.values[name] = value
    return loaded


def prefetch_together(backend: Any, customer_id: str) -> None:
    """Lets a backend read the turn's context in one go (see module doc); never fails the turn."""
    prefetch = getattr(backend, "prefetch_context", None)
    if prefetch is None:
        return
    try:
        prefetch(customer_id)
    except Exception:  # the sources will read on their own, each degrading alone
        log.exception("prefetching the context of %s failed", customer_id)
