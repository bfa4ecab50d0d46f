"""Shared test setup.

- A frozen clock for every test (PARLEY_NOW), so relative dates are reproducible.
- `parser`: one trained embedded understanding engine per test session (cached on disk across runs).
- `make_system`: a whole Parley (store, backend, engine) on a fresh SQLite file with the demo data.
- `make_pg_system`: the same on a fresh PostgreSQL database, when PARLEY_TEST_DATABASE_URL is set.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

os.environ.setdefault("PARLEY_NOW", "2026-11-26T10:00:00+03:00")

PG_URL = os.environ.get("PARLEY_TEST_DATABASE_URL", "")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if PG_URL:
        return
    skip = pytest.mark.skip(reason="PARLEY_TEST_DATABASE_URL is not set")
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def parser() -> Any:
    from parley.nlu.embedded import get_parser

    return get_parser(("retail", "telecom"))


def available_packs() -> list[str]:
    """Both bundled packs once the telecom pack exists in the tree."""
    telecom = Path(__file__).resolve().parents[1] / "src" / "parley" / "packs" / "telecom" / "pack.py"
    return ["retail", "telecom"] if telecom.exists() else ["retail"]


def _settings(url: str, tmp: Path, public_url: str = "http://127.0.0.1:8000") -> Any:
    from parley.config import Settings

    return Settings(
        database_url=url,
        packs=",".join(available_packs()),
        cache_dir=str(Path.home() / ".cache" / "parley"),
        public_url=public_url,
    )


@pytest.fixture
def make_system(tmp_path: Path, parser: Any) -> Iterator[Callable[..., Any]]:
    from parley.bootstrap import build_system
    from parley.demo import load_demo

    systems: list[Any] = []

    def make(demo: bool = True, public_url: str = "http://127.0.0.1:8000") -> Any:
        """`public_url`: where payment links point (a browser test's own server)."""
        url = f"sqlite:///{tmp_path / f'parley-{len(systems)}.db'}"
        system = build_system(_settings(url, tmp_path, public_url), parser=parser)
        if demo:
            load_demo(system.db)
            system.runtime.invalidate_caches()
        systems.append(system)
        return system

    yield make
    for system in systems:
        system.close()


def create_pg_database() -> tuple[str, Callable[[], None]]:
    """A fresh database on the test server; returns its URL and a function that drops it."""
    import psycopg

    from parley.engine.checkpoint_pg import libpq_url

    base = libpq_url(PG_URL)
    name = f"parley_t_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = base.rsplit("/", 1)[0] + "/" + name

    def drop() -> None:
        with psycopg.connect(base, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    return url, drop


@pytest.fixture
def make_pg_system(tmp_path: Path, parser: Any) -> Iterator[Callable[..., Any]]:
    from parley.bootstrap import build_system
    from parley.demo import load_demo

    made: list[tuple[Any, Callable[[], None]]] = []

    def make(demo: bool = True) -> Any:
        url, drop = create_pg_database()
        system = build_system(_settings(url, tmp_path), parser=parser)
        if demo:
            load_demo(system.db)
            system.runtime.invalidate_caches()
        made.append((system, drop))
        return system

    yield make
    for system, drop in made:
        system.close()
        drop()
