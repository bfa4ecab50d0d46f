"""A request for a person has a word for one: the dialogue trusts an unsure operator_request reading only
with such a word, so every phrasing the classifier is taught or tested with must have one."""

from pathlib import Path

import pytest
import yaml

from parley.engine.dialogue import SAYS_WHO, WANTS_A_PERSON

ROOT = Path(__file__).resolve().parents[2]
FILES = [
    ROOT / "src/parley/nlu/data/en.yaml",
    ROOT / "src/parley/nlu/data/ru.yaml",
    *sorted((ROOT / "tests/nlu/data").glob("heldout_*.yaml")),
]


def operator_requests(path: Path) -> list[str]:
    examples = yaml.safe_load(path.read_text(encoding="utf-8")).get("operator_request") or []
    return examples if isinstance(examples, list) else list(examples.get("examples", []))


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_every_operator_request_names_a_person(path: Path) -> None:
    texts = operator_requests(path)
    assert texts
    assert [t for t in texts if not (SAYS_WHO.search(t) or WANTS_A_PERSON.search(t))] == []


@pytest.mark.parametrize(
    "text", ["тот, что с чайником", "the one with the kettle", "с чайником", "the blue one"]
)
def test_an_answer_about_an_order_names_no_person(text: str) -> None:
    assert not SAYS_WHO.search(text)
