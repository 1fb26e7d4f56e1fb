"""Scope for every role, the IDOR matrix, and reassignments taking effect at once.

Every test runs on both readers: the store's profile table and its columnar copy (DuckDB)."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from access.builders import AS_OF, EXPECTED, PRINCIPALS, World, reassign
from access.columnar_support import READERS, serve_from
from brokerlens.access import (
    CustomerQuery,
    count_customers,
    customer_360,
    customer_assets,
    explain_customer,
    list_customers,
    reveal,
    served_snapshot,
)
from brokerlens.auth.principal import Permission
from brokerlens.errors import NotFound
from brokerlens.store.schema import serving, staff


@pytest.fixture(params=READERS)
def world(world: World, request: pytest.FixtureRequest, tmp_path: Path) -> World:
    return serve_from(request.param, world, tmp_path)


def ids(world: World, who: str, **query: object) -> set[str]:
    page = list_customers(world.engine, world.who(who), CustomerQuery(page_size=200, **query))
    return {r["customer_id"] for r in page.rows}


@pytest.mark.parametrize("who", sorted(PRINCIPALS))
def test_each_role_sees_exactly_its_customers(world: World, who: str) -> None:
    assert ids(world, who) == EXPECTED[who]
    assert count_customers(world.engine, world.who(who)) == len(EXPECTED[who])
    page = list_customers(world.engine, world.who(who), CustomerQuery())
    assert page.total == len(EXPECTED[who])
    assert page.as_of_date == AS_OF


def _calls(world: World, who: str) -> dict[str, object]:
    principal = world.who(who)
    revealer = type(principal)(
        **{**principal.__dict__, "extra_permissions": frozenset({Permission.REVEAL_PII})}
    )
    return {
        "360": lambda cid: customer_360(world.engine, world.settings, principal, cid),
        "assets": lambda cid: customer_assets(world.engine, world.settings, principal, cid),
        "why": lambda cid: explain_customer(world.engine, principal, cid),
        "reveal": lambda cid: reveal(world.engine, revealer, cid, "phone", "callback"),
    }


@pytest.mark.parametrize("who", ["broker", "advisor", "lead", "branch", "region2", "admin"])
def test_out_of_scope_is_the_same_not_found_as_unknown(world: World, who: str) -> None:
    outside = sorted(EXPECTED["hq"] - EXPECTED[who])
    assert outside
    for name, call in _calls(world, who).items():
        with pytest.raises(NotFound) as unknown:
            call("C999")  # type: ignore[operator]
        for cid in outside:
            with pytest.raises(NotFound) as hidden:
                call(cid)  # type: ignore[operator]
            shape = str(hidden.value).replace(cid, "C999")
            assert shape == str(unknown.value), (name, cid)
        # Nor does a search or a filter on its id find it.
        assert not ids(world, who, search=outside[0])
        assert not ids(
            world, who, conditions=[{"field": "customer_id", "op": "in", "value": outside}]
        )


def test_in_scope_calls_work_for_the_same_functions(world: World) -> None:
    view = customer_360(world.engine, world.settings, world.who("broker"), "C001")
    assert view["customer"]["name"] == "张三"
    assert explain_customer(world.engine, world.who("broker"), "C001")


def test_a_reassignment_takes_effect_on_the_next_call(world: World) -> None:
    assert "C003" not in ids(world, "broker")
    reassign(world.engine, "C003", "S2", "S1", AS_OF)
    assert "C003" in ids(world, "broker")
    assert "C003" not in ids(world, "broker2")
    customer_360(world.engine, world.settings, world.who("broker"), "C003")
    with pytest.raises(NotFound):
        customer_360(world.engine, world.settings, world.who("broker2"), "C003")
    # Moving a staff member to another team moves their customers out of the lead's scope.
    with world.engine.begin() as connection:
        connection.execute(staff.update().where(staff.c.staff_id == "S2").values(unit_id="T2"))
    assert ids(world, "lead") == {"C001", "C002", "C003", "C010"}  # C002, C003 via S1 now
    with world.engine.begin() as connection:
        connection.execute(staff.update().where(staff.c.staff_id == "S1").values(unit_id="T2"))
    assert ids(world, "lead") == {"C010"}


def test_relationship_dates_bound_scope(world: World) -> None:
    # C005 moved from S1 to S3 on 2025-03-01 (end exclusive); C008 starts after the as-of date.
    assert "C005" not in ids(world, "broker")
    assert ids(world, "region2") == {"C007", "C008"}  # region scope is by region, not staff


def test_nothing_published_is_not_found(world: World) -> None:
    with world.engine.begin() as connection:
        connection.execute(serving.delete())
    with pytest.raises(NotFound, match="nothing published"):
        served_snapshot(world.engine)


def test_served_snapshot_reads_the_contract_columns(world: World) -> None:
    snapshot = served_snapshot(world.engine)
    assert snapshot.snapshot_id == 2 and snapshot.as_of_date == AS_OF
    assert snapshot.names("classification") == ["service_level", "customer_tier"]
    assert served_snapshot(world.engine) is snapshot  # cached per snapshot id
    assert isinstance(snapshot.table, sa.Table) and snapshot.catalog is not None
