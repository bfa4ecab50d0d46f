"""A context source that fails or is slow degrades to empty; the turn still succeeds."""

from __future__ import annotations

import logging
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from parley.engine.context import load_concurrently, load_inline
from parley.engine.turn import InboundMessage


def broken() -> Any:
    raise ConnectionError("CRM down")


def slow() -> Any:
    time.sleep(0.3)
    return ["late"]


SOURCES = {"orders": lambda: ["o1"], "loyalty": broken, "history": slow}


def test_concurrent_loading_degrades_failed_and_slow_sources(caplog: pytest.LogCaptureFixture) -> None:
    with ThreadPoolExecutor(4) as pool, caplog.at_level(logging.WARNING):
        loaded = load_concurrently(SOURCES, pool, timeout_s=0.1, who="C-1")
    assert loaded.values == {"orders": ["o1"]}
    assert sorted(loaded.degraded) == ["history", "loyalty"]
    assert "timed out" in caplog.text and "failed" in caplog.text


def test_inline_loading_degrades_failed_and_overrunning_sources(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING):
        loaded = load_inline(SOURCES, timeout_s=0.1, who="C-1")
    assert loaded.values == {"orders": ["o1"]}
    assert sorted(loaded.degraded) == ["history", "loyalty"]


@pytest.mark.parametrize("local", [True, False])
def test_a_turn_succeeds_when_the_orders_source_fails(make_system: Any, local: bool) -> None:
    system = make_system()
    backend = system.runtime.backend

    class FlakyBackend:
        reads_are_local = local

        def __getattr__(self, name: str) -> Any:
            return getattr(backend, name)

        def recent_orders(self, customer_id: str, limit: int = 10) -> Any:
            raise TimeoutError("orders service unavailable")

    system.runtime.backend = FlakyBackend()
    result = system.engine.handle(InboundMessage("s-flaky", "C-1002", "where is my order 100301?"))
    assert result["actions"][0]["action"] == "get_order_status"  # the order is still looked up by number
    assert result["replies"]
