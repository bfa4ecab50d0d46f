"""How a reply to "shall I do it?" is read.

The customer's answer is taken from the understood `answer` entity (yes/no in natural phrasings of
both languages). A "no" that carries a new value ("no, I meant the other one", "no, make it Friday")
is a correction, not a refusal; a message with neither is unclear and the question is asked again.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from parley.nlu.entities.answers import only_says_something_is_missing

Verdict = Literal["yes", "no", "correct", "unclear"]

# Entities that, in an answer to a confirmation, change one of the pending action's parameters.
CORRECTABLE = {
    "order_id": ("order_id", "order_ref", "product", "ordinal"),
    "new_date": ("date",),
    "new_address": ("address",),
    "method": ("payment_method",),
    "service_code": ("service",),
    "msisdn": ("msisdn",),
    "amount": ("amount",),
    "reason": ("reason",),
}


@dataclass(slots=True)
class ConfirmationReading:
    verdict: Verdict
    corrected: list[str] = field(default_factory=list)  # params the message re-specifies


def read_confirmation(
    entities: dict[str, Any], params: dict[str, Any], text: str = ""
) -> ConfirmationReading:
    """`text`: the message itself, for a "no" that only says something is missing ("the left one has no
    sound" to "shall I start the return?"): unclear, not a refusal."""
    answer = entities.get("answer")
    corrected = [
        param for param, keys in CORRECTABLE.items() if param in params and any(entities.get(k) for k in keys)
    ]
    if "reason" in corrected and (
        answer == "yes" or (answer == "no" and not only_says_something_is_missing(text))
    ):
        # "yes, it's broken" confirms, and "no, because ..." declines: only a reason said without a yes or a
        # no ("the left one has no sound too") tells more about the problem
        corrected.remove("reason")
    if corrected and not (param_unchanged(entities, params, corrected)):
        return ConfirmationReading("correct", corrected)
    if answer == "yes":
        return ConfirmationReading("yes")
    if answer == "no" and not only_says_something_is_missing(text):
        return ConfirmationReading("no")
    return ConfirmationReading("unclear")


def param_unchanged(entities: dict[str, Any], params: dict[str, Any], corrected: list[str]) -> bool:
    """True when the "correction" merely repeats the pending values ("yes, cancel 100234")."""
    same = {
        "order_id": str(entities.get("order_id") or "") == str(params.get("order_id"))
        and not entities.get("order_ref"),
        "new_date": entities.get("date") == params.get("new_date"),
        "new_address": entities.get("address") == params.get("new_address"),
        "method": entities.get("payment_method") == params.get("method"),
        "service_code": entities.get("service") == params.get("service_code"),
        "msisdn": entities.get("msisdn") == params.get("msisdn"),
        "amount": (entities.get("amount") or {}).get("value") == params.get("amount"),
        "reason": entities.get("reason") == params.get("reason"),
    }
    return all(same.get(p, False) for p in corrected)
