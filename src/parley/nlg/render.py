"""Turning planned replies into text: template files per pack and language, plus tone.

Templates are YAML files (`<pack>/templates/<lang>.yaml`, and the engine's common
`nlg/templates/<lang>.yaml`), nested keys flattened to dotted names. A template is either one
Jinja2 string or a mapping by tier (`standard` / `premium` / `vip`, with `default`), so the same
fact is worded professionally, attentively or exclusively. An angry customer gets an apology first.

All templates are compiled once at start-up; rendering a reply costs microseconds.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from jinja2 import Environment, StrictUndefined, Template, Undefined

from parley.nlg.formatting import currency_in, human_date, human_day, human_time, megabytes, money

log = logging.getLogger(__name__)
COMMON_DIR = Path(__file__).parent / "templates"
LANGUAGES = ("en", "ru")
TIERS = ("standard", "premium", "vip")


def _flatten(prefix: str, node: Any, out: dict[str, Any]) -> None:
    if isinstance(node, dict) and not (set(node) and set(node) <= {*TIERS, "default"}):
        for key, value in node.items():
            _flatten(f"{prefix}.{key}" if prefix else str(key), value, out)
    else:
        out[prefix] = node


@dataclass(slots=True)
class Voice:
    """Who is spoken to, and how."""

    language: str
    tier: str = "standard"
    name: str = ""
    angry: bool = False


class _Lenient(Undefined):
    """Missing variables render as empty text in production instead of failing the turn."""

    def __str__(self) -> str:
        return ""


_OFFERS_OPERATOR = re.compile(r"operator|оператор", re.IGNORECASE)
# "I can reschedule it, or connect you with an operator": the operator is one choice among others
_OPERATOR_AMONG_OTHERS = re.compile(r"\b(?:or|или)\b[^.;?!]*?(?:operator|оператор)", re.IGNORECASE)


class Renderer:
    def __init__(self, template_dirs: Iterable[Path], strict: bool = False) -> None:
        self.env = Environment(
            undefined=StrictUndefined if strict else _Lenient,
            autoescape=False,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=False,
        )
        self.env.filters["money"] = lambda v, cur=None, lang="en": money(v, cur, lang)
        self.env.filters["date"] = human_date  # {{ d | date(lang, true, 'в') }}: see formatting.human_date
        self.env.filters["day"] = human_day  # {{ d | day(lang, 'on') }}: "tomorrow (Friday, 27 November)"
        self.env.filters["time"] = human_time
        self.env.filters["mb"] = lambda v, lang="en": megabytes(v, lang)
        self.env.filters["currency_in"] = lambda v, lang="en": currency_in(v, lang)
        self.templates: dict[str, dict[str, dict[str, Template]]] = {lang: {} for lang in LANGUAGES}
        # key -> the text of all its variants, for questions about the wording itself (offers_operator)
        self.sources: dict[str, dict[str, str]] = {lang: {} for lang in LANGUAGES}
        for folder in [COMMON_DIR, *template_dirs]:
            for lang in LANGUAGES:
                path = folder / f"{lang}.yaml"
                if path.exists():
                    self._load(path, lang)

    def _load(self, path: Path, language: str) -> None:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        flat: dict[str, Any] = {}
        _flatten("", raw, flat)
        for key, value in flat.items():
            variants = value if isinstance(value, dict) else {"default": value}
            self.templates[language][key] = {
                tier: self.env.from_string(str(text).strip()) for tier, text in variants.items()
            }
            self.sources[language][key] = "\n".join(str(text) for text in variants.values())

    def has(self, key: str, language: str = "en") -> bool:
        return key in self.templates.get(language, {})

    def keys(self, language: str) -> set[str]:
        return set(self.templates.get(language, {}))

    def _resolve(self, key: str, language: str) -> str:
        """The key whose template is used: the key itself, else its error's default, else the fallback."""
        table = self.templates.get(language) or self.templates["en"]
        if key in table:
            return key
        parts = key.split(".")
        # "cancel_order.error.too_late" -> "cancel_order.error.default" -> "error.default"
        if "error" in parts:
            base = ".".join(parts[: parts.index("error") + 1])
            for candidate in (f"{base}.default", "error.default"):
                if candidate in table:
                    return candidate
        log.warning("no template %r for %s", key, language)
        return "fallback.generic"

    def _find(self, key: str, language: str) -> dict[str, Template] | None:
        table = self.templates.get(language) or self.templates["en"]
        return table.get(self._resolve(key, language))

    def offers_operator(self, key: str, language: str) -> str | None:
        """How the wording of `key` offers a human: "only" ("An operator can help — just ask": a bare yes
        right after it takes the offer), "among_others" ("I can reschedule it, or connect you with an
        operator": a bare yes does not say which), or None. The templates decide, so a new refusal offers
        what it says."""
        table = self.sources.get(language) or self.sources["en"]
        text = table.get(self._resolve(key, language), "")
        if not _OFFERS_OPERATOR.search(text):
            return None
        return "among_others" if _OPERATOR_AMONG_OTHERS.search(text) else "only"

    def render(self, key: str, voice: Voice, variables: dict[str, Any] | None = None) -> str:
        variants = self._find(key, voice.language)
        if variants is None:
            return ""
        template = variants.get(voice.tier) or variants.get("default") or next(iter(variants.values()))
        values = {"name": voice.name, "tier": voice.tier, "lang": voice.language, **(variables or {})}
        values["t"] = lambda sub_key, **extra: self.render(sub_key, voice, {**(variables or {}), **extra})
        values["named"] = lambda sub_key, fallback="": self.named(sub_key, voice, fallback)
        lines = (" ".join(line.split()) for line in template.render(values).strip().splitlines())
        return "\n".join(line for line in lines if line)

    def named(self, key: str, voice: Voice, fallback: Any = "") -> str:
        """The pack's own name for a thing in the customer's language (`services.roaming` -> "Международный
        роуминг"), else `fallback` — the name the company's system gives, used as is: a catalog entry the pack
        does not know is still named, in the catalog's words."""
        table = self.templates.get(voice.language) or {}
        if key in table:
            return self.render(key, voice)
        return str(fallback or "")

    def apology(self, voice: Voice) -> str:
        return self.render("tone.apology", voice)

    def quick_yes_no(self, turn: Any) -> tuple[str, str]:
        language = getattr(turn, "language", None) or "en"
        voice = Voice(language=language)
        return self.render("quick.yes", voice), self.render("quick.no", voice)

    def intent_label(self, turn: Any, intent: str) -> str:
        language = getattr(turn, "language", None) or "en"
        return self.render(f"intent_label.{intent}", Voice(language=language)) or intent.replace("_", " ")
