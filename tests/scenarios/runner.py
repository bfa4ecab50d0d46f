"""Whole-conversation scenarios: YAML files of customer turns with what must happen.

A scenario file:

    name: cancel an order with confirmation
    customer: C-1002
    setup:                               # optional: data for this scenario only, before the first turn
      import:                            # a CONTRACT §3 import payload fragment, upserted over the demo
        technician_slots:                #   data with parley.backends.reference.io.import_data
          - {id: slot-spb-1, region: Saint Petersburg, start: "...", end: "...", booked: true}
    turns:
      - say: "please cancel order 100301"
        expect:
          intent: order_cancel          # top intent of the message
          pending: cancel_order          # the action waiting for yes/no (null: none)
          actions: []                    # actions executed in this turn, by name, in order
          actions_include: [x]           # actions that must be among those executed
          failed_actions: []             # actions executed but unsuccessful
          reply_contains: ["100301"]     # substrings of the joined replies (case-insensitive)
          reply_excludes: ["C-1001"]
          language: en
          escalated: false
          priority: high                 # escalation priority
          params: {order_id: "100301"}   # params of the pending action or else the last executed one
    backend:                             # the reference backend's state afterwards
      orders: {"100301": {status: cancelled}}
      returns: 1                         # number of records of a kind created
      tickets: 0
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from parley.bootstrap import System
from parley.engine.turn import InboundMessage

SCENARIO_DIR = Path(__file__).parent / "files"


def load_scenarios() -> list[tuple[str, dict[str, Any]]]:
    found = []
    for path in sorted(SCENARIO_DIR.glob("*.yaml")):
        for doc in yaml.safe_load_all(path.read_text(encoding="utf-8")):
            if doc:
                found.append((f"{path.stem}::{doc['name']}", doc))
    return found


def apply_setup(system: System, setup: dict[str, Any]) -> None:
    """Brings the backend into the state a scenario needs (e.g. every slot of a region booked).

    Only the documented import format is accepted, so a scenario's data cannot reach past what a
    real deployment could load; caches are dropped because they may hold the demo data.
    """
    from parley.backends.reference.io import import_data

    unknown = set(setup) - {"import"}
    assert not unknown, f"unknown setup keys: {sorted(unknown)}"
    if "import" in setup:
        import_data(system.db, setup["import"])
        system.runtime.invalidate_caches()


def run_scenario(system: System, scenario: dict[str, Any], session_id: str) -> None:
    customer = scenario["customer"]
    apply_setup(system, scenario.get("setup") or {})
    for index, turn in enumerate(scenario["turns"], 1):
        message = InboundMessage(
            session_id, customer, turn["say"], turn.get("channel", "web_chat"), turn.get("message_id")
        )
        result = system.engine.handle(message)
        check_turn(result, turn.get("expect") or {}, f"turn {index} ({turn['say']!r})")
    check_backend(system, scenario.get("backend") or {})


def check_turn(result: dict[str, Any], expect: dict[str, Any], where: str) -> None:
    text = "\n".join(r["text"] for r in result["replies"])
    context = (
        f"{where}: got intent={result['intent']} ({result['confidence']}), entities={result['entities']}, "
        f"pending={result['pending_confirmation']}, actions={result['actions']}, replies={text!r}"
    )
    executed = [a["action"] for a in result["actions"]]
    if "intent" in expect:
        wanted = expect["intent"] if isinstance(expect["intent"], list) else [expect["intent"]]
        assert result["intent"] in wanted, context
    if "pending" in expect:
        pending = result["pending_confirmation"]
        assert (pending["action"] if pending else None) == expect["pending"], context
    if "actions" in expect:
        assert executed == expect["actions"], context
    for name in expect.get("actions_include", []):
        assert name in executed, f"{name} not executed — {context}"
    if "failed_actions" in expect:
        failed = [a["action"] for a in result["actions"] if not a["success"]]
        assert failed == expect["failed_actions"], context
    for needle in expect.get("reply_contains", []):
        assert str(needle).lower() in text.lower(), f"{needle!r} missing — {context}"
    for needle in expect.get("reply_excludes", []):
        assert str(needle).lower() not in text.lower(), f"{needle!r} present — {context}"
    for needle in expect.get("last_reply_contains", []):  # e.g. the open question closes the turn
        last = result["replies"][-1]["text"] if result["replies"] else ""
        assert str(needle).lower() in last.lower(), f"{needle!r} not in the last reply — {context}"
    if "language" in expect:
        assert result["language"] == expect["language"], context
    if "escalated" in expect:
        assert result["escalated"] == expect["escalated"], context
    if "priority" in expect:
        assert result["escalation"] and result["escalation"]["priority"] == expect["priority"], context
    if "params" in expect:
        pending = result["pending_confirmation"]
        params = (
            pending["params"] if pending else (result["actions"][-1]["params"] if result["actions"] else {})
        )
        for key, value in expect["params"].items():
            assert str(params.get(key)) == str(value), (
                f"param {key}: {params.get(key)!r} != {value!r} — {context}"
            )
    if "entities" in expect:
        for key, value in expect["entities"].items():
            assert result["entities"].get(key) == value, f"entity {key} — {context}"


def check_backend(system: System, expect: dict[str, Any]) -> None:
    backend = system.backend
    for order_id, fields in (expect.get("orders") or {}).items():
        order = backend.get_order(str(order_id))
        assert order is not None, order_id
        for key, value in fields.items():
            assert str(getattr(order, key)) == str(value), f"order {order_id}.{key} = {getattr(order, key)!r}"
    for msisdn, fields in (expect.get("subscribers") or {}).items():
        sub = backend.get_subscriber(str(msisdn))
        assert sub is not None, msisdn
        for key, value in fields.items():
            if key == "services":
                states = {s.code: s.active for s in sub.services}
                for code, active in value.items():
                    assert states.get(code, False) == active, f"{msisdn} service {code}: {states.get(code)}"
            else:
                assert str(getattr(sub, key)) == str(value), (
                    f"subscriber {msisdn}.{key} = {getattr(sub, key)!r}"
                )
    if any(k in expect for k in ("returns", "tickets", "payments", "bookings", "escalations")):
        from parley.backends.reference.io import export_data

        dump = export_data(system.db)
        for kind in ("returns", "tickets", "payments", "bookings", "escalations"):
            if kind in expect:
                assert len(dump.get(kind, [])) == expect[kind], f"{kind}: {dump.get(kind)}"
