"""Which route serves an intent that several packs route: a pack's own routing beats the shared one."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from parley.bootstrap import build_system
from parley.packs.retail.pack import route_retail_complaint


@pytest.mark.parametrize("order", ["retail,telecom", "telecom,retail"])
def test_the_retail_complaint_route_wins_in_any_pack_order(
    order: str, make_system: Any, tmp_path: Path
) -> None:
    first = make_system(demo=False)
    settings = first.settings.model_copy(
        update={"packs": order, "database_url": f"sqlite:///{tmp_path}/r.db"}
    )
    system = build_system(settings, parser=first.runtime.parser)
    try:
        assert system.runtime.routes["complaint"] is route_retail_complaint
    finally:
        system.close()
