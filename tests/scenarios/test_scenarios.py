"""Runs every scenario file against the real engine, store and understanding — on SQLite, and on
PostgreSQL too when PARLEY_TEST_DATABASE_URL is set."""

from __future__ import annotations

from typing import Any

import pytest

from tests.scenarios.runner import load_scenarios, run_scenario

SCENARIOS = load_scenarios()


@pytest.mark.parametrize("scenario", [s for _, s in SCENARIOS], ids=[i for i, _ in SCENARIOS])
def test_scenario_sqlite(scenario: dict[str, Any], make_system: Any) -> None:
    run_scenario(make_system(), scenario, "s-test")


STATE_CHANGING = [(i, s) for i, s in SCENARIOS if s.get("backend")]


@pytest.mark.postgres
@pytest.mark.parametrize("scenario", [s for _, s in STATE_CHANGING], ids=[i for i, _ in STATE_CHANGING])
def test_scenario_postgres(scenario: dict[str, Any], make_pg_system: Any) -> None:
    run_scenario(make_pg_system(), scenario, "s-test-pg")
