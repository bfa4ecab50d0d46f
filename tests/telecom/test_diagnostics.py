"""The diagnostics algorithm, path by path, driven directly (no classifier): each check in order."""

from __future__ import annotations

from typing import Any

import pytest

from parley.nlu.types import NluResult
from parley.packs.base import FlowStep
from parley.packs.telecom.booking import BookingFlow
from parley.packs.telecom.diagnostics import DiagnosticsFlow, read_fix
from parley.packs.telecom.resolvers import pick_slot


def nlu(text: str, **entities: Any) -> NluResult:
    return NluResult(text=text, intent="tech_issue", confidence=1.0, language="en", entities=entities)


def outcome_of(step: FlowStep) -> str | None:
    return next((p["outcome"] for name, p in step.run if name == "run_diagnostics"), None)


def test_locked_number_is_found_first(env_for: Any) -> None:
    step = DiagnosticsFlow().start(env_for("C-2004"), nlu("internet doesn't work"), {})
    assert outcome_of(step) == "locked" and step.confirm == ("unlock_number", {"msisdn": "+79210000005"})


def test_negative_balance_gives_payment_link_for_amount_needed(env_for: Any) -> None:
    step = DiagnosticsFlow().start(env_for("C-2005"), nlu("internet doesn't work"), {})
    assert outcome_of(step) == "negative_balance"
    assert ("create_payment_link", {"msisdn": "+79210000006", "amount": 86.0}) in step.run


def test_no_data_left_offers_extra_data(env_for: Any, system: Any) -> None:
    system.backend.credit_balance("+79210000006", 200)
    step = DiagnosticsFlow().start(env_for("C-2005"), nlu("internet doesn't work"), {})
    assert outcome_of(step) == "no_data_left"
    assert step.confirm and step.confirm[0] == "activate_service"
    assert step.confirm[1]["service_code"] == "extra_data" and step.confirm[1]["monthly_fee"] == 200


def test_roaming_off_abroad(env_for: Any) -> None:
    step = DiagnosticsFlow().start(env_for("C-2001"), nlu("no connection abroad"), {})
    assert outcome_of(step) == "service_off" and step.confirm and step.confirm[1]["service_code"] == "roaming"


def test_outage_at_the_time_offers_complaint(env_for: Any) -> None:
    step = DiagnosticsFlow().start(env_for("C-2001"), nlu("no internet yesterday", date="2026-11-25"), {})
    assert outcome_of(step) == "outage" and step.confirm and step.confirm[0] == "file_complaint"


def walk(env: Any, answers: list[str]) -> tuple[FlowStep, dict[str, Any]]:
    flow = DiagnosticsFlow()
    step = flow.start(env, nlu("internet doesn't work"), {})
    state = step.state or {}
    for answer in answers:
        entities = {"answer": answer} if answer in ("yes", "no") else {}
        step = flow.on_message(env, nlu(answer, **entities), state)
        state = step.state or state
    return step, state


def test_device_steps_one_at_a_time_then_resolved(env_for: Any) -> None:
    step, state = walk(env_for("C-2003"), ["done, still nothing"])
    assert state["device"] == 1 and step.expecting == "answer" and not step.run
    step, _ = walk(env_for("C-2003"), ["done, still nothing", "заработало!"])
    assert outcome_of(step) == "resolved" and step.state is None


def test_unclear_answer_asks_again(env_for: Any) -> None:
    step, state = walk(env_for("C-2003"), ["hmm what"])
    assert state["device"] == 0 and state["unclear"] == 1


def test_nothing_helps_then_ticket(env_for: Any) -> None:
    step, _ = walk(env_for("C-2003"), ["still nothing"] * 3 + ["no"])
    assert outcome_of(step) == "ticket"


def test_nothing_helps_then_technician(env_for: Any) -> None:
    step, state = walk(env_for("C-2003"), ["still nothing"] * 3 + ["yes, send a technician"])
    assert outcome_of(step) == "technician" and state["step"] == "pick_slot"
    chosen = DiagnosticsFlow().on_message(env_for("C-2003"), nlu("the second one", ordinal=2), state)
    assert chosen.confirm and chosen.confirm[1]["slot_id"] == "slot-msk-2"


def test_no_free_slots_ends_in_ticket(env_for: Any, system: Any) -> None:
    for slot in ("slot-msk-1", "slot-msk-2", "slot-msk-3", "slot-msk-4", "slot-msk-5", "slot-msk-6"):
        system.backend.book_slot(slot, "C-2001", None, idempotency_key=f"fill-{slot}")
    step, _ = walk(env_for("C-2003"), ["still nothing"] * 3 + ["yes"])
    assert outcome_of(step) == "ticket" and step.replies[0].key == "booking.no_slots"
    assert (
        BookingFlow().start(env_for("C-2003"), nlu("I need a technician"), {}).replies[0].key
        == "booking.no_slots"
    )


@pytest.mark.parametrize(
    ("text", "entities", "verdict"),
    [
        ("done, still nothing", {}, "not_fixed"),
        ("заработало!", {}, "fixed"),
        ("не заработало", {}, "not_fixed"),
        ("yes", {"answer": "yes"}, "fixed"),
        ("нет", {"answer": "no"}, "not_fixed"),
        ("what do you mean", {}, None),
    ],
)
def test_read_fix(text: str, entities: dict[str, Any], verdict: str | None) -> None:
    assert read_fix(nlu(text, **entities)) == verdict


SLOTS = [
    {"slot_id": "a", "start": "2026-11-27T10:00:00+03:00", "end": "2026-11-27T12:00:00+03:00"},
    {"slot_id": "b", "start": "2026-11-27T14:00:00+03:00", "end": "2026-11-27T16:00:00+03:00"},
    {"slot_id": "c", "start": "2026-11-28T15:00:00+03:00", "end": "2026-11-28T17:00:00+03:00"},
]


@pytest.mark.parametrize(
    ("entities", "slot"),
    [
        ({"date": "2026-11-27", "time_of_day": "before_noon"}, "a"),
        ({"ordinal": 2}, "b"),
        ({"ordinal": -1}, "c"),
        ({"date": "2026-11-28", "time_of_day": "afternoon"}, "c"),
        ({"time": "14:00"}, "b"),
        ({"date": "2026-11-30"}, None),
        ({}, None),
    ],
)
def test_pick_slot(entities: dict[str, Any], slot: str | None) -> None:
    chosen = pick_slot(SLOTS, entities)
    assert (chosen["slot_id"] if chosen else None) == slot
