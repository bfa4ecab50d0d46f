"""EmbeddedNluParser: multi-request messages, cache reuse, the never-raise contract, the CLI."""

from __future__ import annotations

import json
from collections.abc import Sequence

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from parley.nlu.classifier import OUT_OF_SCOPE, IntentClassifier, Ranked
from parley.nlu.cli import app
from parley.nlu.embedded import EmbeddedNluParser, get_parser
from parley.nlu.encoders import Encoder
from parley.nlu.segment import may_hold_several_requests, split_atoms
from parley.nlu.types import ParseContext

PACKS = ("retail", "telecom")


@pytest.fixture(scope="module")
def parser() -> EmbeddedNluParser:
    return get_parser(PACKS)


def test_intents_are_the_union_of_the_packs(parser: EmbeddedNluParser) -> None:
    assert {"order_status", "balance_check", "operator_request", "greeting"} <= set(parser.intents)
    assert OUT_OF_SCOPE not in parser.intents
    assert len(parser.intents) == 23


@pytest.mark.parametrize(
    ("text", "language"),
    [("cancel 5512 and tell me where 5520 is", "en"), ("отмените 5512 и скажите где 5520", "ru")],
)
def test_two_requests_come_out_in_order_with_their_own_entities(
    parser: EmbeddedNluParser, text: str, language: str
) -> None:
    result = parser.parse(text)
    assert result.language == language
    assert [(s.intent, s.entities.get("order_id")) for s in result.spans] == [
        ("order_cancel", "5512"),
        ("order_status", "5520"),
    ]
    assert result.intent == "order_cancel" and result.requires_action
    assert result.entities["order_ids"] == ["5512", "5520"]


def test_telecom_pair_is_split(parser: EmbeddedNluParser) -> None:
    result = parser.parse("turn on roaming and top up 500 rubles")
    assert [s.intent for s in result.spans] == ["service_activation", "top_up"]


@pytest.mark.parametrize(
    "text",
    [
        "I want to return it and get my money back",
        "хочу вернуть чайник и получить деньги обратно",
        "please cancel my order, I don't need it and found it cheaper",
    ],
)
def test_one_request_stays_one_span(parser: EmbeddedNluParser, text: str) -> None:
    result = parser.parse(text)
    assert len(result.spans) == 1
    assert result.spans[0].text == text.strip()


def test_greeting_around_a_request_does_not_hide_it(parser: EmbeddedNluParser) -> None:
    result = parser.parse("Hello! Where is my order 100234?")
    assert result.intent == "order_status"
    assert result.entities.get("order_id") == "100234"


def test_language_falls_back_to_the_customer_preference(parser: EmbeddedNluParser) -> None:
    result = parser.parse("5512", context=ParseContext(preferred_language="ru"))
    assert result.language == "ru"
    assert parser.parse("где мой заказ", language="en").language == "en"


def test_second_construction_loads_from_cache(
    parser: EmbeddedNluParser, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_training(*args: object, **kwargs: object) -> IntentClassifier:
        raise AssertionError("retrained although the cache was warm")

    monkeypatch.setattr(IntentClassifier, "fit", no_training)
    again = EmbeddedNluParser.from_packs(list(PACKS))
    assert again.loaded_from_cache
    assert again.parse("where is my order 5512").intent == "order_status"


@pytest.mark.parametrize(
    "text",
    [
        "",
        " ",
        "\x00\x01\x02",
        "\ud800 broken surrogate",
        "a" * 1_000_000,
        "🙂" * 5000,
        "5512 " * 20000,
        "и и и и и и и и",
        "and and and. and; and!",
        "\n\t\r",
    ],
)
def test_hostile_input_never_raises(parser: EmbeddedNluParser, text: str) -> None:
    result = parser.parse(text)
    assert result.intent in parser.intents or result.intent == OUT_OF_SCOPE
    assert 0.0 <= result.confidence <= 1.0
    assert result.language in ("ru", "en")
    json.dumps(result.as_contract(), ensure_ascii=False)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(max_size=200))
def test_any_string_parses(parser: EmbeddedNluParser, text: str) -> None:
    result = parser.parse(text)
    assert result.intent in parser.intents or result.intent == OUT_OF_SCOPE
    assert result.language in ("ru", "en")


def test_short_answers_are_not_confident_actions(parser: EmbeddedNluParser) -> None:
    for text in ("yes", "no", "ok", "да", "нет", "ага"):
        result = parser.parse(text)
        assert not (result.requires_action and result.confidence > 0.5), (text, result.intent)


def test_cli_parse_and_jsonl(parser: EmbeddedNluParser) -> None:
    runner = CliRunner()
    out = runner.invoke(app, ["parse", "where is my order 100234"])
    assert out.exit_code == 0, out.output
    body = json.loads(out.output)
    assert body["intent"] == "order_status" and body["entities"]["order_id"] == "100234"
    lines = '{"text": "какой у меня баланс"}\n{"text": "cancel order 5512", "language": "en"}\n'
    out = runner.invoke(app, ["parse", "--jsonl"], input=lines)
    assert out.exit_code == 0, out.output
    results = [json.loads(line) for line in out.output.splitlines()]
    assert [r["intent"] for r in results] == ["balance_check", "order_cancel"]
    assert results[0]["language"] == "ru"


def test_cli_eval_reports_accuracy(tmp_path, parser: EmbeddedNluParser) -> None:
    f = tmp_path / "labelled.csv"
    f.write_text(
        "text,intent\nwhere is my order 5512,order_status\nwhat's the weather,out_of_scope\n",
        encoding="utf-8",
    )
    out = CliRunner().invoke(app, ["eval", str(f), "--json"])
    assert out.exit_code == 0, out.output
    report = json.loads(out.output)
    assert report["n"] == 2 and report["accuracy"] == 1.0
    assert report["out_of_scope_recall"] == 1.0


class _CountingEncoder:
    """Wraps the real encoder and records the batch sizes it is called with."""

    def __init__(self, inner: Encoder) -> None:
        self.inner = inner
        self.id = inner.id
        self.calls: list[int] = []

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        self.calls.append(len(texts))
        return self.inner.encode(texts)


def test_pieces_are_encoded_only_when_the_message_may_hold_several_requests(
    parser: EmbeddedNluParser,
) -> None:
    counting = _CountingEncoder(parser.encoder)
    local = EmbeddedNluParser(parser.classifier, counting)
    one = local.parse("I want to return it and get my money back")
    assert one.intent == "return_request" and len(one.spans) == 1
    assert counting.calls == [1]  # the whole message only
    counting.calls.clear()
    two = local.parse("cancel 5512 and tell me where 5520 is")
    assert [s.intent for s in two.spans] == ["order_cancel", "order_status"]
    assert counting.calls == [1, 2]  # the whole message, then both pieces in one batch


@pytest.mark.parametrize(
    ("text", "atoms"),
    [
        # "also" right after a subject is inside the clause: the cut is at "and", not before "charged"
        (
            "hi, my internet is down and you also charged me twice this month",
            ["hi", "my internet is down", "you also charged me twice this month"],
        ),
        (
            "у меня не работает интернет, а вы также дважды списали плату",
            ["у меня не работает интернет", "вы также дважды списали плату"],
        ),
        # elsewhere "also" / "также" still starts another request
        ("my internet is down also where is my order", ["my internet is down", "where is my order"]),
        ("отмените заказ, также скажите где посылка", ["отмените заказ", "скажите где посылка"]),
    ],
)
def test_atoms_cut_at_connectors_but_not_at_also_after_a_subject(text: str, atoms: list[str]) -> None:
    assert split_atoms(text) == atoms


def test_two_problems_in_one_message_come_out_as_two_requests(parser: EmbeddedNluParser) -> None:
    result = parser.parse("hi, my internet is down and you also charged me twice this month")
    assert [s.intent for s in result.spans] == ["tech_issue", "payment_issue"]
    assert result.spans[1].text.startswith("you also charged")


def _ranked(intent: str, confidence: float, clarify: bool = False) -> Ranked:
    return Ranked(intent, confidence, [(intent, confidence)], clarify)


def test_gate_opens_on_doubt_out_of_scope_or_two_numbers() -> None:
    sure = _ranked("order_status", 0.99)
    assert not may_hold_several_requests("where is 5512 and when will it come", sure)
    assert may_hold_several_requests("where is 5512 and 5520", sure)
    assert may_hold_several_requests("where is it and cancel", _ranked("order_status", 0.9))
    assert may_hold_several_requests("hm and so on", _ranked(OUT_OF_SCOPE, 0.99))
    # a second request asked for with "and tell me" / "и скажите", even with one number in the message
    assert may_hold_several_requests("отмените заказ 100410 и скажите где мои наушники", sure)
    assert may_hold_several_requests("cancel 100410 and tell me where my headphones are", sure)
    assert may_hold_several_requests("a and b", _ranked("order_status", 0.99, clarify=True))
