"""An `ActionEnv` for a demo customer on a fresh demo database."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from parley.packs.base import ActionEnv, CustomerContext


@pytest.fixture
def system(make_system: Callable[..., Any]) -> Any:
    return make_system()


@pytest.fixture
def env_for(system: Any) -> Callable[..., ActionEnv]:
    counter = iter(range(1, 10_000))

    def make(customer_id: str, code_word: str | None = None) -> ActionEnv:
        backend = system.backend
        context = CustomerContext(
            customer=backend.get_customer(customer_id), subscribers=backend.subscribers_of(customer_id)
        )
        return ActionEnv(
            customer_id=customer_id,
            session_id="s-unit",
            backend=backend,
            context=context,
            settings=system.settings,
            idempotency_key=f"k-{next(counter)}",
            extras={"code_word": code_word},
        )

    return make
