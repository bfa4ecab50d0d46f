"""The `NluParser` port: any understanding engine the dialogue engine can use."""

from __future__ import annotations

from typing import Protocol

from parley.nlu.types import NluResult, ParseContext


class NluParser(Protocol):
    """Turns one customer message into an `NluResult`.

    Contract: never raises on any input string (empty, huge, binary-looking); `intent` is one of
    `intents` or "out_of_scope"; `confidence` is a calibrated probability in [0, 1]; `language` is
    "ru" or "en"; the code word is only ever placed in `entities["code_word"]` and never logged.
    """

    intents: list[str]

    def parse(
        self, text: str, *, language: str | None = None, context: ParseContext | None = None
    ) -> NluResult: ...
