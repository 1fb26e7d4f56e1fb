"""explain_customer agrees with the stored classification for every customer."""

from __future__ import annotations

import pytest

from access.builders import EXPECTED, World
from brokerlens.access import explain_customer
from brokerlens.access.snapshot import served_snapshot
from brokerlens.errors import InvalidRequest


def test_why_matches_the_stored_classification(world: World) -> None:
    snapshot = served_snapshot(world.engine)
    table = snapshot.table
    with world.engine.connect() as connection:
        stored = {
            r.customer_id: r
            for r in connection.execute(
                table.select().with_only_columns(
                    table.c.customer_id, table.c.service_level, table.c.customer_tier
                )
            )
        }
    for cid in sorted(EXPECTED["hq"]):
        got = explain_customer(world.engine, world.who("hq"), cid)
        values = {e.classification_id: e.value for e in got}
        assert values == {
            "service_level": stored[cid].service_level,
            "customer_tier": stored[cid].customer_tier,
        }, cid


def test_why_for_one_classification(world: World) -> None:
    (only,) = explain_customer(world.engine, world.who("broker"), "C001", "service_level")
    assert only.value == "金手指" and only.matched_rule == 1
    assert "total_assets_t = 1,500,000 >= 1,000,000" in only.render()
    with pytest.raises(InvalidRequest, match="nope"):
        explain_customer(world.engine, world.who("broker"), "C001", "nope")
