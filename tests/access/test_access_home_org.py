"""Home summary per role, the org tree and staff lists cut to what a principal may see."""

from __future__ import annotations

import pytest

from access.builders import AS_OF, EXPECTED, PREVIOUS, World
from brokerlens.access import home_summary, list_staff, org_tree
from brokerlens.access.org import OrgUnit
from brokerlens.errors import NotFound


@pytest.mark.parametrize("who", ["broker", "lead", "branch", "region", "hq", "admin"])
def test_home_counts_are_in_scope(world: World, who: str) -> None:
    summary = home_summary(world.engine, world.who(who))
    assert summary.as_of_date == AS_OF
    assert summary.customers == len(EXPECTED[who])
    assert (
        sum(summary.by_tier.values())
        == sum(summary.by_service_level.values())
        == len(EXPECTED[who])
    )


def test_home_figures(world: World) -> None:
    broker = home_summary(world.engine, world.who("broker"))
    assert broker.total_assets == 1_750_000
    assert broker.by_service_level == {"金手指": 1, "金算盘": 1}
    assert [p["biz_date"] for p in broker.trend] == [PREVIOUS, AS_OF]
    assert broker.trend[0]["total_assets"] == 1_750_000
    assert broker.changes == {"service_level": 1}
    assert broker.change_examples[0]["customer_id"] == "C001"
    assert broker.change_examples[0]["name"] == "张三"
    lead = home_summary(world.engine, world.who("lead"))
    assert lead.trend[0]["customers"] == 5  # S1 + S2 + A1 staff rows
    assert lead.changes == {"_customer": 1, "service_level": 1}
    region = home_summary(world.engine, world.who("region"))
    assert region.trend[0]["total_assets"] == 7_920_000 + 1_010_000
    hq = home_summary(world.engine, world.who("hq"))
    assert hq.trend[0]["customers"] == 10
    assert hq.changes == {"_customer": 1, "customer_tier": 1, "service_level": 1}
    admin = home_summary(world.engine, world.who("admin"))
    assert admin.trend == [] and admin.changes == {} and admin.total_assets == 0


def _units(nodes: list[OrgUnit]) -> set[str]:
    found: set[str] = set()
    for node in nodes:
        found.add(node.unit_id)
        found |= _units(node.children)
    return found


def test_org_tree_is_cut(world: World) -> None:
    full = org_tree(world.engine, world.who("admin"))
    assert [n.unit_id for n in full] == ["HQ"]
    assert _units(full) == {"HQ", "R1", "R2", "B1", "B2", "B3", "T1", "T2", "T3"}
    assert _units(org_tree(world.engine, world.who("region"))) == {"R1", "B1", "B2", "T1", "T2"}
    assert _units(org_tree(world.engine, world.who("branch"))) == {"B1", "T1", "T2"}
    tree = org_tree(world.engine, world.who("lead"))
    assert _units(tree) == {"T1"} and tree[0].staff_count == 4


def test_list_staff(world: World) -> None:
    staff_ids = {s.staff_id for s in list_staff(world.engine, world.who("branch"))}
    assert staff_ids == {"S1", "S2", "L1", "A1", "S3"}
    t2 = list_staff(world.engine, world.who("branch"), "T2")
    assert [s.staff_id for s in t2] == ["S3"] and t2[0].unit_name == "二组"
    assert len(list_staff(world.engine, world.who("hq"))) == 6
    with pytest.raises(NotFound):
        list_staff(world.engine, world.who("branch"), "T3")
