"""The groups' refresh (issue 25) evaluates every leaf once into bits and each group as bit
tests over them: its members, leaf bits and the why of each change must be what a plain
per-group evaluation of the tree on the store gives, for OR / NOT / nested trees, alert,
served_by, no_contact and in_group leaves (of a dynamic and of a static group) and owners of
several roles. Both readers (the store's profile and its columnar copy), SQLite and PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
import os
import time
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest
import sqlalchemy as sa

from access.builders import AS_OF, World
from access.columnar_support import READERS, serve_from, serve_on
from brokerlens.access import create_segment, refresh_group_members
from brokerlens.access.condition_tree import (
    TreeContext,
    leaf_clause,
    leaves,
    parse_nodes,
    tree_clause,
)
from brokerlens.access.group_refresh import leaf_label
from brokerlens.access.scope import scope_clause
from brokerlens.access.segment_static import add_members, create_static_group
from brokerlens.access.snapshot import served_snapshot_on
from brokerlens.auth.principal import Principal
from brokerlens.store.alerts_schema import alerts
from brokerlens.store.marketing_schema import service_records
from brokerlens.warehouse.served import group_changes_path, group_state_path

RICH = {"field": "total_assets_t", "op": "ge", "value": 200_000}
POOR = {"field": "total_assets_t", "op": "lt", "value": 100_000}  # NULL: neither, nor its NOT
B1 = {"field": "branch_id", "op": "eq", "value": "B1"}
C001 = {"field": "customer_id", "op": "eq", "value": "C001"}
BIG_OUT = {"alert": ["big_out"], "days": 30}


@pytest.fixture(params=READERS)
def world(world: World, request: pytest.FixtureRequest, tmp_path: Path) -> World:
    world.reader = request.param  # type: ignore[attr-defined]
    return serve_from(request.param, world, tmp_path)


def _store_facts(world: World) -> None:
    now = dt.datetime.now(dt.UTC)
    day = dt.datetime(AS_OF.year, AS_OF.month, AS_OF.day, 10, tzinfo=dt.UTC)
    with world.engine.begin() as c:
        c.execute(
            alerts.insert(),
            [
                {"as_of_date": AS_OF, "customer_id": cid, "alert_id": "big_out", "created_at": now}
                for cid in ("C001", "C004", "C007")
            ],
        )
        for customer in ("C001", "C003", "C008"):
            c.execute(
                service_records.insert().values(
                    customer_id=customer,
                    user_id=1,
                    username="u",
                    contact_at=day,
                    channel="phone",
                    purpose="care",
                    content="x",
                    result="done",
                    created_at=now,
                    updated_at=now,
                )
            )


def _groups(world: World) -> dict[int, tuple[Principal, list[Any]]]:
    """Dynamic groups of owners of several roles: id -> (owner, conditions)."""
    e, hq = world.engine, world.who("hq")
    chosen = create_static_group(e, hq, "chosen")
    add_members(e, hq, chosen.segment_id, ["C002", "C003", "C005", "C009"])
    trees: list[tuple[str, list[Any]]] = [
        (
            "hq",
            [
                {"any": [RICH, {"not": B1}]},
                {"not": {"field": "customer_id", "op": "eq", "value": "C009"}},
            ],
        ),
        ("branch", [{"any": [RICH, BIG_OUT]}, {"not": {"no_contact_days": 90}}]),
        ("broker", [{"served_by_team": "T1"}, {"not": {"all": [RICH, C001]}}]),
        ("lead", [{"any": [{"served_by_staff": "S2"}, {"not": POOR}]}]),
        ("region", [{"any": [{"no_contact_days": 30}, {"not": RICH}]}, {"not": BIG_OUT}]),
        ("hq", [{"in_group": chosen.segment_id}, {"not": POOR}]),
        ("advisor", [{"any": [POOR, {"field": "customer_id", "op": "eq", "value": "C010"}]}]),
    ]
    out: dict[int, tuple[Principal, list[Any]]] = {}
    for who, tree in trees:
        owner = world.who(who)
        out[create_segment(e, owner, f"{who} group", tree).segment_id] = (owner, tree)
    first = next(iter(out))
    nested = [{"not": {"in_group": first}}, {"any": [BIG_OUT, {"in_group": chosen.segment_id}]}]
    out[create_segment(e, hq, "nested", nested).segment_id] = (hq, nested)
    return out


def _plain(world: World, groups: dict[int, tuple[Principal, list[Any]]]) -> dict[Any, Any]:
    """Per group, on the store: {customer: (member, leaf bits)} for every served customer."""
    out: dict[Any, Any] = {}
    with world.engine.connect() as c:
        snapshot = served_snapshot_on(c)
        table, day = snapshot.table, snapshot.as_of_date
        for gid, (owner, tree) in groups.items():
            nodes = parse_nodes(tree)
            ctx = TreeContext(snapshot, c, day, seen=frozenset({gid}))
            where = sa.and_(scope_clause(owner, table, day), tree_clause(nodes, ctx))
            bits = [
                sa.case((leaf_clause(leaf, ctx, path), 1 << i), else_=0)
                for i, (path, leaf) in enumerate(leaves(nodes))
            ]
            query = sa.select(table.c.customer_id, sa.case((where, 1), else_=0), *bits)
            out[gid] = {str(r[0]): (bool(r[1]), sum(r[2:])) for r in c.execute(query)}
    return out


def _why(tree: list[Any], before: int | None, after: int | None) -> str | None:
    """The why as docs/groups.md words it."""
    parts = []
    for i, (path, leaf) in enumerate(leaves(parse_nodes(tree))):
        label = f"{path} {leaf_label(leaf)}"
        now = None if after is None else bool(after >> i & 1)
        was = None if before is None else bool(before >> i & 1)
        if now is not None and was is not None:
            if now != was:
                parts.append(f"{label}: {'true' if was else 'false'}→{'true' if now else 'false'}")
        elif now:
            parts.append(f"{label}: true")
        elif was:
            parts.append(f"{label}: was true")
    return "; ".join(parts) or None


def _members(world: World, day: dt.date) -> set[tuple[int, str]]:
    """The kept membership of `day`: (group, customer) pairs."""
    state = group_state_path(world.settings, day)
    ids = pq.read_table(state / "customers.parquet").column("customer_id").to_pylist()
    rows = pq.read_table(state / "members.parquet").to_pylist()
    assert {r["as_of_date"] for r in rows} <= {day}
    return {(r["group_id"], ids[r["ordinal"]]) for r in rows}


def test_the_bits_refresh_equals_a_plain_evaluation_of_each_group(
    world: World, tmp_path: Path
) -> None:
    e, s = world.engine, world.settings
    _store_facts(world)
    groups = _groups(world)
    assert refresh_group_members(e, s) == len(groups)  # the static group is not refreshed
    first = _plain(world, groups)
    expected = {
        (gid, cid): bits
        for gid, rows in first.items()
        for cid, (inside, bits) in rows.items()
        if inside
    }
    assert _members(world, AS_OF) == set(expected)
    assert {gid for gid, _ in expected} == set(groups)  # every group keeps someone

    later = AS_OF + dt.timedelta(days=1)
    serve_on(world, later, {"C001": 10.0, "C003": 900_000.0, "C004": None}, tmp_path)
    refresh_group_members(e, s)
    second = _plain(world, groups)
    now = {
        (gid, cid): bits
        for gid, rows in second.items()
        for cid, (inside, bits) in rows.items()
        if inside
    }
    assert _members(world, later) == set(now)
    changes = {
        (r["group_id"], r["customer_id"]): (
            r["change"],
            r["bits_before"],
            r["bits_after"],
            r["reason"],
        )
        for r in pq.read_table(group_changes_path(s, later)).to_pylist()
    }
    want = {}
    for key in now.keys() - expected.keys():  # the why: which leaves changed since the day before
        before = first[key[0]][key[1]][1]
        want[key] = ("entered", before, now[key], _why(groups[key[0]][1], before, now[key]))
    for key in expected.keys() - now.keys():
        after = second[key[0]][key[1]][1]
        want[key] = ("left", expected[key], after, _why(groups[key[0]][1], expected[key], after))
    assert changes == want
    assert any(c[0] == "left" for c in want.values()) and any(
        c[0] == "entered" for c in want.values()
    )


def test_a_customer_no_longer_served_leaves_every_group_and_a_rerun_writes_the_same(
    world: World, tmp_path: Path
) -> None:
    e, s = world.engine, world.settings
    _store_facts(world)
    groups = _groups(world)
    refresh_group_members(e, s)
    had = {gid for gid, cid in _members(world, AS_OF) if cid == "C003"}
    assert had  # C003 is in some groups
    first = _plain(world, groups)
    later = AS_OF + dt.timedelta(days=1)
    serve_on(world, later, {}, tmp_path, drop=("C003",))
    refresh_group_members(e, s)
    changes = pq.read_table(group_changes_path(s, later)).to_pylist()
    gone = {r["group_id"]: r for r in changes if r["customer_id"] == "C003"}
    assert set(gone) == had
    for gid, r in gone.items():
        bits = first[gid]["C003"][1]
        assert (r["change"], r["bits_before"], r["bits_after"]) == ("left", bits, None)
        assert r["reason"] == _why(groups[gid][1], bits, None)
    assert {cid for _, cid in _members(world, later)} == {
        cid for _, cid in _members(world, AS_OF)
    } - {"C003"}
    written = pq.read_table(group_changes_path(s, later))
    # a killed refresh's scratch (an hour old) is removed by the next one
    left_behind = group_state_path(s, later).parent / ".2000-01-01.1-abc.partial"
    left_behind.mkdir()
    os.utime(left_behind, (time.time() - 7200, time.time() - 7200))
    refresh_group_members(e, s)  # T again: from the state before T, the same changes
    assert not left_behind.exists()
    assert pq.read_table(group_changes_path(s, later)).equals(written)
    assert len(list((group_state_path(s, later).parent).iterdir())) == 2  # T and T-1 kept
