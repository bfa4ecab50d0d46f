"""Telecom actions against the reference backend: rules, once-only effects, nothing secret in results."""

from __future__ import annotations

from typing import Any

import pytest

from parley.packs.telecom import actions as a

LOCKED = "+79210000005"  # C-2004, Saint Petersburg, code word "берёза"


def test_balance_of_own_number_only(env_for: Any) -> None:
    env = env_for("C-2002")
    assert a.check_balance(env, {"msisdn": "+79160000002"}).data["data_mb"] == 15360
    assert a.check_balance(env, {"msisdn": "+79160000001"}).error == "not_found"  # another customer's


def test_every_number_balance_offers_a_top_up_for_a_single_negative_one(env_for: Any, system: Any) -> None:
    overview = a.check_balance(env_for("C-2002"), {"msisdn": a.EVERY_NUMBER})
    assert overview.wording == "every" and overview.offer is None
    assert [n["msisdn"] for n in overview.data["numbers"]] == ["+79160000002", "+79160000003"]
    system.backend.credit_balance("+79160000003", -45.5)  # 35 - 45.5 = -10.5
    offer = a.check_balance(env_for("C-2002"), {"msisdn": a.EVERY_NUMBER}).offer
    assert offer == {
        "action": "create_payment_link",
        "params": {"msisdn": "+79160000003", "amount": 11.0, "currency": "RUB"},
    }
    assert a.check_balance(env_for("C-1001"), {"msisdn": a.EVERY_NUMBER}).error == "not_found"  # no numbers


def test_activation_states_fee_and_refuses_active_service(env_for: Any, system: Any) -> None:
    env = env_for("C-2001")
    verdict = a.check_activate(env, {"msisdn": "+79160000001", "service_code": "roaming"})
    assert verdict.success and verdict.params["monthly_fee"] == 150
    assert (
        a.check_activate(env, {"msisdn": "+79160000001", "service_code": "music"}).error == "already_active"
    )
    assert (
        a.check_deactivate(env, {"msisdn": "+79160000001", "service_code": "roaming"}).error == "not_active"
    )
    unknown = a.check_activate(env, {"msisdn": "+79160000001", "service_code": "gold"})
    assert unknown.error == "unknown_service" and {"roaming", "extra_data"} <= {
        c["code"] for c in unknown.data["catalog"]
    }
    assert a.activate_service(env, {"msisdn": "+79160000001", "service_code": "extra_data"}).success
    sub = system.backend.get_subscriber("+79160000001")
    assert {s.code: s.active for s in sub.services}["extra_data"] is True


def test_unlock_right_word(env_for: Any, system: Any) -> None:
    outcome = a.unlock_number(env_for("C-2004", "берёза"), {"msisdn": LOCKED})
    assert outcome.success and not system.backend.get_subscriber(LOCKED).locked
    assert "берёза" not in repr(outcome)


def test_unlock_three_wrong_words_escalate_and_count_across_sessions(env_for: Any, system: Any) -> None:
    first = a.unlock_number(env_for("C-2004", "oak"), {"msisdn": LOCKED})
    assert first.error == "wrong_code_word" and first.data["attempts_left"] == 2
    assert "oak" not in repr(first)
    a.unlock_number(env_for("C-2004", "pine"), {"msisdn": LOCKED})
    third = a.unlock_number(env_for("C-2004", "берёза"[::-1]), {"msisdn": LOCKED})
    assert third.error == "too_many_attempts"
    assert third.data["escalate"] == {"reason": "code_word_attempts", "priority": "high"}
    # a new session within 24 h: refused before the question, even with the right word
    assert a.check_unlock(env_for("C-2004"), {"msisdn": LOCKED}).error == "too_many_attempts"
    assert a.unlock_number(env_for("C-2004", "берёза"), {"msisdn": LOCKED}).error == "too_many_attempts"
    assert system.backend.get_subscriber(LOCKED).locked


def test_unlock_refuses_unlocked_and_foreign_numbers(env_for: Any) -> None:
    assert a.check_unlock(env_for("C-2001"), {"msisdn": "+79160000001"}).error == "not_locked"
    assert a.check_unlock(env_for("C-2001"), {"msisdn": LOCKED}).error == "not_found"


def test_complaint_compensates_once_per_outage(env_for: Any, system: Any) -> None:
    params = {"text": "no internet yesterday", "msisdn": "+79160000001", "when": "2026-11-25"}
    first = a.file_complaint(env_for("C-2001"), params)
    assert first.data["compensation"] == 100 and first.data["ticket_id"]
    second = a.file_complaint(env_for("C-2001"), params)
    assert second.data["compensation"] == 0 and second.data["already_compensated"]
    assert system.backend.get_subscriber("+79160000001").balance == 220.5


def test_complaint_replayed_with_same_key_credits_once(env_for: Any, system: Any) -> None:
    env = env_for("C-2001")
    params = {"text": "no internet", "msisdn": "+79160000001", "when": "2026-11-25T10:00:00+03:00"}
    a.file_complaint(env, params)
    a.file_complaint(env, params)
    assert system.backend.get_subscriber("+79160000001").balance == 220.5


def test_complaint_outside_an_outage_gets_no_credit(env_for: Any, system: Any) -> None:
    outcome = a.file_complaint(env_for("C-2001"), {"text": "I want compensation", "when": "2026-11-20"})
    assert outcome.data["compensation"] == 0 and outcome.data["asks_compensation"]
    assert system.backend.get_subscriber("+79160000001").balance == 120.5


def test_retail_complaint_still_goes_the_retail_way(env_for: Any) -> None:
    outcome = a.file_complaint(env_for("C-1002"), {"text": "the courier was rude", "order_id": "100301"})
    assert outcome.success and outcome.data["ticket_id"]


def test_payment_link_for_own_number(env_for: Any) -> None:
    outcome = a.create_payment_link(env_for("C-2005"), {"msisdn": "+79210000006", "amount": 86.0})
    assert outcome.success and "/pay/" in outcome.data["url"]
    assert a.check_payment(env_for("C-2005"), {"msisdn": "+79210000006", "amount": -5}).error == "bad_amount"
    assert a.amount_to_clear(-85.3) == 86.0


def test_an_open_payment_link_is_given_again_not_doubled(
    env_for: Any, system: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    def link(amount: float) -> str:
        outcome = a.create_payment_link(env_for("C-2005"), {"msisdn": "+79210000006", "amount": amount})
        assert outcome.success
        return str(outcome.data["payment_id"])

    first = link(86.0)
    assert link(86.0) == first  # the same top-up asked again (a second diagnosis): the same link
    assert link(500.0) != first  # another amount is another payment
    system.backend.mark_payment_paid(first)
    after_paying = link(86.0)
    assert after_paying != first  # a paid link is never handed out again
    monkeypatch.setenv("PARLEY_NOW", "2026-11-28T12:00:00+03:00")  # past the link's 24 hours
    assert link(86.0) != after_paying


def test_booking_makes_slot_unavailable_and_reports_taken(env_for: Any, system: Any) -> None:
    env = env_for("C-2001")
    booked = a.book_technician(env, {"slot_id": "slot-msk-1"})
    assert booked.success
    assert "slot-msk-1" not in [s.id for s in a.free_slots_for(env)]
    taken = a.check_booking(env_for("C-2003"), {"slot_id": "slot-msk-1"})
    assert taken.error == "slot_taken" and taken.data["slots"]
    assert (
        a.check_booking(env_for("C-2001"), {"slot_id": "slot-spb-1"}).error == "unknown_slot"
    )  # other region


def test_rebooking_releases_the_old_slot_and_cancel_frees_it(env_for: Any) -> None:
    first = a.book_technician(env_for("C-2001"), {"slot_id": "slot-msk-1"})
    second = a.book_technician(
        env_for("C-2001"), {"slot_id": "slot-msk-2", "replaces": first.data["booking_id"]}
    )
    assert second.data["replaced"]
    free = [s.id for s in a.free_slots_for(env_for("C-2001"))]
    assert "slot-msk-1" in free and "slot-msk-2" not in free
    assert a.cancel_booking(env_for("C-2001"), {"booking_id": second.data["booking_id"]}).success
    assert "slot-msk-2" in [s.id for s in a.free_slots_for(env_for("C-2001"))]
