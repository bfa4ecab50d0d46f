"""Which route serves an intent that several packs route: a pack's own routing beats the shared one."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from parley.bootstrap import build_system
from parley.packs.retail.pack import route_retail_complaint


@pytest.mark.parametrize("order", ["retail,telecom", "telecom,retail"])
def test_the_retail_complaint_route_wins_in_any_pack_order(
    order: str, make_system: Any, tmp_path: Path
) -> None:
    first = make_system(demo=False)
    settings = first.settings.model_copy(
        update={"packs": order, "database_url": f"sqlite:///{tmp_path}/r.db"}
    )
    system = build_system(settings, parser=first.runtime.parser)
    try:
        assert system.runtime.routes["complaint"] is route_retail_complaint
    finally:
        system.close()


def test_two_partial_routes_of_one_intent_serve_together_and_stay_partial() -> None:
    """Retail reads some unplaced messages, telecom others: each pack's answer where it has one, and no
    answer at all (None, so the engine says it did not understand) where neither has."""
    from parley.backends.records import Customer
    from parley.nlu.types import NluResult
    from parley.packs.base import CustomerContext, IntentRoute, first_that_serves, is_partial, serves_some

    def route_for(word: str) -> Any:
        @serves_some
        def route(nlu: NluResult, dialog: dict[str, Any], context: CustomerContext) -> IntentRoute | None:
            return IntentRoute(reply=word) if word in nlu.text else None

        return route

    both = first_that_serves(route_for("points"), route_for("top-up"))
    context = CustomerContext(customer=Customer(id="C-1", name="Anna"))

    def served(text: str) -> str | None:
        route = both(NluResult(text, "out_of_scope", 0.9, "en"), {}, context)
        return route.reply if route is not None else None

    assert is_partial(both)
    assert served("pay with the points?") == "points"
    assert served("my top-up is lost") == "top-up"
    assert served("what is the meaning of life") is None


@pytest.mark.parametrize(
    ("text", "disputed"),
    [
        ("с меня списали за роуминг, хотя я его не подключал", True),
        ("I was charged for roaming but I never turned it on", True),
        ("why do you charge me for roaming?", True),
        ("почему вы списываете за музыку?", True),
        ("how much will roaming charge me per day?", False),
        ("сколько стоит роуминг?", False),
    ],
)
def test_a_service_charge_is_disputed_only_when_said_to_have_happened(text: str, disputed: bool) -> None:
    from parley.backends.records import Customer, Subscriber
    from parley.nlu.types import NluResult
    from parley.packs.base import CustomerContext
    from parley.packs.telecom.pack import disputes_a_service_charge

    context = CustomerContext(
        customer=Customer(id="C-2001", name="Ivan"),
        subscribers=[
            Subscriber(msisdn="+79160000001", customer_id="C-2001", plan="Smart 500", balance=120.5)
        ],
    )
    nlu = NluResult(
        text=text, intent="service_question", confidence=0.9, language="en", entities={"service": "roaming"}
    )
    assert disputes_a_service_charge(nlu, context) is disputed
