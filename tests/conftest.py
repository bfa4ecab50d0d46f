"""Shared test setup: a frozen clock for every test, so relative dates are reproducible."""

from __future__ import annotations

import os

os.environ.setdefault("PARLEY_NOW", "2026-11-26T10:00:00+03:00")
