"""Segments: visibility (private, unit and below, HQ), owner-only edits, counts cut to scope.

Every test runs on both readers: the store's profile table and its columnar copy (DuckDB)."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from access.builders import AS_OF, World
from access.columnar_support import READERS, serve_from
from brokerlens.access import (
    Condition,
    create_segment,
    delete_segment,
    get_segment,
    list_segments,
    refresh_segment_counts,
    segment_count,
    segment_members,
    update_segment,
)
from brokerlens.errors import Forbidden, InvalidRequest, NotFound
from brokerlens.store.schema import segment_counts

RICH = [Condition(field="total_assets_t", op="ge", value=100_000)]


@pytest.fixture(params=READERS)
def world(world: World, request: pytest.FixtureRequest, tmp_path: Path) -> World:
    return serve_from(request.param, world, tmp_path)


def names(world: World, who: str) -> set[str]:
    return {s.name for s in list_segments(world.engine, world.who(who))}


def test_visibility(world: World) -> None:
    e = world.engine
    create_segment(e, world.who("broker"), "mine", RICH)
    create_segment(e, world.who("branch"), "branch-wide", RICH, visibility="unit")
    create_segment(e, world.who("lead"), "team", RICH, visibility="unit")
    create_segment(e, world.who("region2"), "south", RICH, visibility="unit")
    assert names(world, "broker") == {"mine", "branch-wide", "team"}
    assert names(world, "broker2") == {"branch-wide", "team"}
    assert names(world, "branch") == {"branch-wide"}  # the team's is below, not above
    assert names(world, "region") == set()
    assert names(world, "region2") == {"south"}
    assert names(world, "hq") == {"branch-wide", "team", "south"}
    assert names(world, "admin") == set()


def test_only_the_owner_edits_and_others_get_not_found_or_forbidden(world: World) -> None:
    e = world.engine
    private = create_segment(e, world.who("broker"), "mine", RICH)
    shared = create_segment(e, world.who("branch"), "shared", RICH, visibility="unit")
    assert shared.unit_id == "B1" and shared.editable
    with pytest.raises(NotFound):
        get_segment(e, world.who("broker2"), private.segment_id)
    with pytest.raises(NotFound):
        update_segment(e, world.who("broker2"), private.segment_id, name="x")
    with pytest.raises(Forbidden):
        update_segment(e, world.who("broker"), shared.segment_id, name="taken over")
    with pytest.raises(Forbidden):
        delete_segment(e, world.who("broker"), shared.segment_id)
    done = update_segment(
        e,
        world.who("branch"),
        shared.segment_id,
        name="renamed",
        conditions=[Condition(field="service_level", op="eq", value="金手指")],
    )
    assert done.name == "renamed" and done.conditions[0].field == "service_level"
    delete_segment(e, world.who("branch"), shared.segment_id)
    with pytest.raises(NotFound):
        get_segment(e, world.who("branch"), shared.segment_id)


def test_conditions_are_checked_on_save(world: World) -> None:
    with pytest.raises(InvalidRequest, match="bogus"):
        create_segment(
            world.engine, world.who("hq"), "bad", [Condition(field="bogus", op="eq", value=1)]
        )
    with pytest.raises(InvalidRequest, match="visibility"):
        create_segment(world.engine, world.who("hq"), "bad", RICH, visibility="public")  # type: ignore[arg-type]
    with pytest.raises(InvalidRequest, match="unit_id"):
        create_segment(
            world.engine, world.who("branch"), "bad", RICH, visibility="unit", unit_id="B3"
        )


def test_members_and_counts_are_cut_to_the_viewer_scope(world: World) -> None:
    e = world.engine
    seg = create_segment(e, world.who("branch"), "rich", RICH, visibility="unit")
    sid = seg.segment_id
    # B1 customers with >= 100k: C001 C002 C004 C005.
    assert segment_count(e, world.who("branch"), sid) == 4
    assert segment_count(e, world.who("broker"), sid) == 2
    page = segment_members(e, world.who("broker"), sid, page_size=10)
    assert [r["customer_id"] for r in page.rows] == ["C001", "C002"]
    assert page.rows[0]["phone"] == "138****5678"
    assert segment_count(e, world.who("hq"), sid) == 6  # HQ: the shared one, every customer
    assert segment_count(e, world.who("advisor"), sid) == 0
    with pytest.raises(NotFound):
        segment_count(e, world.who("region2"), sid)


def test_refresh_counts_within_the_owner_scope(world: World) -> None:
    e = world.engine
    a = create_segment(e, world.who("broker"), "mine", RICH)
    b = create_segment(e, world.who("region"), "region rich", RICH)
    assert refresh_segment_counts(e) == 2
    assert refresh_segment_counts(e) == 2  # idempotent for the date
    with e.connect() as connection:
        rows = dict(
            connection.execute(
                sa.select(segment_counts.c.segment_id, segment_counts.c.customers).where(
                    segment_counts.c.as_of_date == AS_OF
                )
            ).all()
        )
    assert rows == {a.segment_id: 2, b.segment_id: 6}
