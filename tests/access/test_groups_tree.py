"""Customer groups (issue 25): nested condition trees, the live count per node, and membership
over time (entered / left with why, members as of D, idempotent re-runs, scope).

Every test runs on both readers (the store's profile table and its columnar copy) and on
SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import duckdb
import pytest

from access.builders import AS_OF, World, profile_rows
from access.columnar_support import READERS, serve_from, serve_on
from brokerlens.access import (
    create_segment,
    group_changes,
    group_history,
    group_members_as_of,
    preview_tree,
    refresh_group_members,
    segment_count,
    update_segment,
)
from brokerlens.errors import Forbidden, InvalidRequest, NotFound
from brokerlens.store.alerts_schema import alerts
from brokerlens.store.marketing_schema import service_records
from brokerlens.warehouse.layout import WarehouseLayout
from brokerlens.warehouse.views import create_computed_views

RICH = {"field": "total_assets_t", "op": "ge", "value": 200_000}
B1 = {"field": "branch_id", "op": "eq", "value": "B1"}
TREE = [
    {"any": [RICH, {"not": B1}]},
    {"not": {"field": "customer_id", "op": "eq", "value": "C009"}},
]


@pytest.fixture(params=READERS)
def world(world: World, request: pytest.FixtureRequest, tmp_path: Path) -> World:
    world.reader = request.param  # type: ignore[attr-defined]
    return serve_from(request.param, world, tmp_path)


def recount(keep: Any) -> set[str]:
    return {r["customer_id"] for r in profile_rows() if keep(r)}


def rich(r: dict[str, Any]) -> bool:
    return r["total_assets_t"] is not None and r["total_assets_t"] >= 200_000


def test_or_not_nested_counts_equal_a_python_recount(world: World) -> None:
    found = preview_tree(world.engine, world.who("hq"), TREE)
    expected = recount(lambda r: (rich(r) or r["branch_id"] != "B1") and r["customer_id"] != "C009")
    assert found.total == len(expected)
    by_path = {n.path: n.count for n in found.nodes}
    assert by_path["conditions[0]"] == len(recount(lambda r: rich(r) or r["branch_id"] != "B1"))
    assert by_path["conditions[0].any[0]"] == len(recount(rich))
    assert by_path["conditions[0].any[1].not"] == len(recount(lambda r: r["branch_id"] == "B1"))
    assert by_path["conditions[0].any[1]"] == len(recount(lambda r: r["branch_id"] != "B1"))
    # a broker counts only their own customers (C001, C002)
    mine = preview_tree(world.engine, world.who("broker"), TREE)
    assert mine.total == len(expected & {"C001", "C002"})


def test_a_bad_node_is_named_by_its_path(world: World) -> None:
    bad = {"any": [RICH, {"all": [B1, {"field": "total_assets_t", "op": "ge", "value": "x"}]}]}
    with pytest.raises(InvalidRequest, match=r"conditions\.any\[1\]\.all\[1\]\.value"):
        preview_tree(world.engine, world.who("hq"), bad)
    with pytest.raises(InvalidRequest, match=r"conditions\[0\]\.any\[0\]\.field"):
        preview_tree(world.engine, world.who("hq"), [{"any": [{"field": "nope", "op": "is_null"}]}])
    with pytest.raises(InvalidRequest, match=r"conditions\.not\.no_contact_days"):
        preview_tree(world.engine, world.who("hq"), {"not": {"no_contact_days": 0}})
    deep: dict[str, Any] = RICH
    for _ in range(8):
        deep = {"not": deep}
    with pytest.raises(InvalidRequest, match="deeper"):
        preview_tree(world.engine, world.who("hq"), deep)


def test_a_personal_field_inside_a_nested_node_is_refused(world: World) -> None:
    tree = [{"any": [RICH, {"not": {"field": "phone", "op": "eq", "value": "13812345678"}}]}]
    with pytest.raises(Forbidden, match="phone"):
        preview_tree(world.engine, world.who("hq"), tree)
    with pytest.raises(Forbidden, match="phone"):
        create_segment(world.engine, world.who("hq"), "g", tree)


def test_in_group_counts_its_members_and_refuses_a_cycle_and_an_unseen_group(world: World) -> None:
    e, hq = world.engine, world.who("hq")
    base = create_segment(e, hq, "rich", [RICH])
    outer = create_segment(e, hq, "rich in B1", [{"in_group": base.segment_id}, B1])
    assert segment_count(e, hq, outer.segment_id) == len(
        recount(lambda r: rich(r) and r["branch_id"] == "B1")
    )
    with pytest.raises(InvalidRequest, match="cycle"):
        update_segment(e, hq, base.segment_id, conditions=[{"in_group": outer.segment_id}])
    with pytest.raises(NotFound):  # the broker cannot see hq's private group
        preview_tree(e, world.who("broker"), [{"in_group": base.segment_id}])


def test_alert_days_and_no_contact_leaves(world: World) -> None:
    e = world.engine
    now = dt.datetime.now(dt.UTC)
    day = dt.datetime(AS_OF.year, AS_OF.month, AS_OF.day, 10, tzinfo=dt.UTC)
    with e.begin() as c:
        c.execute(
            alerts.insert(),
            [
                {
                    "as_of_date": AS_OF,
                    "customer_id": "C001",
                    "alert_id": "big_out",
                    "created_at": now,
                },
                {
                    "as_of_date": AS_OF - dt.timedelta(days=20),
                    "customer_id": "C002",
                    "alert_id": "big_out",
                    "created_at": now,
                },
                {
                    "as_of_date": AS_OF,
                    "customer_id": "C003",
                    "alert_id": "other",
                    "created_at": now,
                },
            ],
        )
        for customer, at in (("C001", day), ("C004", day - dt.timedelta(days=100))):
            c.execute(
                service_records.insert().values(
                    customer_id=customer,
                    user_id=1,
                    username="u",
                    contact_at=at,
                    channel="phone",
                    purpose="care",
                    content="x",
                    result="done",
                    created_at=now,
                    updated_at=now,
                )
            )
    hq = world.who("hq")
    assert preview_tree(e, hq, [{"alert": ["big_out"], "days": 7}]).total == 1
    assert preview_tree(e, hq, [{"alert": ["big_out"], "days": 30}]).total == 2
    assert preview_tree(e, hq, [{"no_contact_days": 90}]).total == 9  # all but C001
    assert preview_tree(e, hq, [{"served_by_staff": "S1"}]).total == 2
    assert preview_tree(e, hq, [{"served_by_team": "T1"}]).total == 4


# --- membership over time -----------------------------------------------------------------------


def test_two_refreshes_give_entered_and_left_with_why_and_members_as_of(
    world: World, tmp_path: Path
) -> None:
    e, s, hq = world.engine, world.settings, world.who("hq")
    group = create_segment(e, hq, "rich B1", [{"all": [RICH, B1]}])
    assert refresh_group_members(e, s) == 1
    first = recount(lambda r: rich(r) and r["branch_id"] == "B1")  # C001 C002 C004
    assert set(group_members_as_of(e, hq, group.segment_id, s, AS_OF)) == first
    later = AS_OF + dt.timedelta(days=1)
    serve_on(world, later, {"C002": 10.0, "C003": 900_000.0}, tmp_path)
    refresh_group_members(e, s)
    refresh_group_members(e, s)  # the same date again: nothing doubled
    page = group_changes(e, hq, group.segment_id, s, later)
    changes = {r.customer_id: (r.change, r.reason) for r in page.rows}
    assert set(changes) == {"C002", "C003"}
    assert changes["C002"][0] == "left" and "conditions[0].all[0]" in (changes["C002"][1] or "")
    assert "true→false" in (changes["C002"][1] or "")
    assert changes["C003"][0] == "entered"
    assert set(group_members_as_of(e, hq, group.segment_id, s, later)) == first - {"C002"} | {
        "C003"
    }
    assert set(group_members_as_of(e, hq, group.segment_id, s, AS_OF)) == first
    history = group_history(e, hq, group.segment_id, s)
    assert [(h.as_of_date, h.entered, h.left, h.members) for h in history] == [
        (AS_OF, 3, 0, 3),
        (later, 1, 1, 3),
    ]
    # the views of `brokerlens sql`
    duck = duckdb.connect(":memory:")
    create_computed_views(duck, WarehouseLayout(s.warehouse_dir))
    assert duck.sql(
        "SELECT count(*) FROM group_changes WHERE group_id = ? AND change = 'left'",
        params=[group.segment_id],
    ).fetchall() == [(1,)]
    members = duck.sql("SELECT customer_id, as_of_date FROM group_members ORDER BY 1").fetchall()
    assert members == [(c, later) for c in sorted(first - {"C002"} | {"C003"})]


def test_a_broker_sees_only_their_customers_history(world: World, tmp_path: Path) -> None:
    e, s, branch = world.engine, world.settings, world.who("branch")
    group = create_segment(e, branch, "B1 rich", [RICH], visibility="unit")
    refresh_group_members(e, s)
    later = AS_OF + dt.timedelta(days=1)
    serve_on(world, later, {"C002": 10.0, "C004": 10.0}, tmp_path)
    refresh_group_members(e, s)
    broker = world.who("broker")  # serves C001, C002
    assert [(h.entered, h.left) for h in group_history(e, broker, group.segment_id, s)] == [
        (2, 0),
        (0, 1),
    ]
    page = group_changes(e, broker, group.segment_id, s, later)
    assert [r.customer_id for r in page.rows] == ["C002"]
    assert set(group_members_as_of(e, broker, group.segment_id, s, later)) == {"C001"}
