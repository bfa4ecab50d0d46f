"""An event loop per thread, for running the dialogue graph's turn with `ainvoke`.

Why: LangGraph's synchronous `invoke` creates a thread pool for every run and hands the final checkpoint's
`put` to a new thread in it, which the run then waits for — thread start and join are ~0.3 ms of a turn
that costs 2-5 ms (benchmarks/README.md). Its asynchronous loop schedules the same work as tasks on the
running event loop instead. The turn itself stays synchronous (the stages and the store block, as they did
before): the loop is private to the thread that runs the turn, kept for its next turn, and never shared.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")

_local = threading.local()


def run_in_this_thread(coroutine: Coroutine[Any, Any, T]) -> T:
    """Runs `coroutine` to completion on this thread's own event loop.

    Called from code already inside a running event loop (an async web handler), it cannot block that
    loop's thread; such a caller runs the turn in a worker thread, as the HTTP app's sync endpoints do.
    """
    loop: asyncio.AbstractEventLoop | None = getattr(_local, "loop", None)
    if loop is None or loop.is_closed():
        loop = asyncio.new_event_loop()
        _local.loop = loop
    return loop.run_until_complete(coroutine)
