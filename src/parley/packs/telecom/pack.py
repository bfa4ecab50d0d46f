"""The telecom pack: which intent is served how (CONTRACT §4, telecom).

Loaded after retail, so its `file_complaint` (which serves order complaints the retail way) replaces
the retail one in the shared runtime.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from parley.backends.ports import Backend
from parley.backends.records import Subscriber
from parley.packs.base import IntentRoute, Pack, route_complaint
from parley.packs.telecom.actions import ACTIONS
from parley.packs.telecom.booking import BookingFlow
from parley.packs.telecom.diagnostics import DiagnosticsFlow
from parley.packs.telecom.resolvers import RESOLVERS


def load_subscribers(backend: Backend, customer_id: str) -> list[Subscriber]:
    """The customer's numbers, loaded with the rest of the context each turn."""
    return backend.subscribers_of(customer_id)


def build() -> Pack:
    return Pack(
        name="telecom",
        folder=Path(__file__).parent,
        actions=ACTIONS,
        routes={
            "balance_check": IntentRoute(action="check_balance"),
            "service_question": IntentRoute(action="describe_service"),
            "service_activation": IntentRoute(action="activate_service"),
            "service_deactivation": IntentRoute(action="deactivate_service"),
            "number_unlock": IntentRoute(action="unlock_number"),
            "tech_issue": IntentRoute(
                flow="diagnostics", preface="tech_issue.preface", describes_problem=True
            ),
            "top_up": IntentRoute(action="create_payment_link"),
            "technician_visit": IntentRoute(flow="booking", takes_problem=True),
            "complaint": route_complaint,
        },
        flows={"diagnostics": DiagnosticsFlow(), "booking": BookingFlow()},
        context_loaders={"subscribers": load_subscribers},
        resolvers=dict[str, Any](RESOLVERS),
    )
