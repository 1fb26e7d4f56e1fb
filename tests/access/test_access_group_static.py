"""Static groups (静态分组, issue 25): customers added and removed by hand, by ids, by "all
matching" a list query, by an uploaded list; each caller only within their scope, with a report
of ids not known or out of scope; members and counts cut to the viewer's scope; exports and
campaigns take a static group's members; every change audited.

Members and counts run on both readers (the store's profile table, its columnar copy)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import sqlalchemy as sa

from access.builders import AS_OF, World
from access.columnar_support import READERS, serve_from
from brokerlens.access import (
    AuditQuery,
    Condition,
    CustomerQuery,
    create_segment,
    delete_segment,
    export_segment,
    refresh_segment_counts,
    search_audit,
    segment_count,
    segment_members,
    update_segment,
)
from brokerlens.access import segment_static as static_module
from brokerlens.access.campaigns import CampaignInput, create_campaign, launch_campaign
from brokerlens.access.segment_static import (
    add_matching,
    add_members,
    create_static_group,
    parse_id_list,
    remove_matching,
    remove_members,
    upload_members,
)
from brokerlens.errors import Forbidden, InvalidRequest, NotFound
from brokerlens.store.marketing_schema import campaign_members
from brokerlens.store.schema import segment_counts, segment_static_members

RICH = [Condition(field="total_assets_t", op="ge", value=100_000)]


@pytest.fixture(params=READERS)
def served(world: World, request: pytest.FixtureRequest, tmp_path: Path) -> World:
    return serve_from(request.param, world, tmp_path)


def member_ids(world: World, who: str, segment_id: int) -> list[str]:
    page = segment_members(world.engine, world.who(who), segment_id, page_size=50)
    return [str(r["customer_id"]) for r in page.rows]


def stored(world: World, segment_id: int) -> set[str]:
    m = segment_static_members
    with world.engine.connect() as connection:
        rows = connection.execute(
            sa.select(m.c.customer_id).where(m.c.segment_id == segment_id)
        ).scalars()
        return set(rows)


def test_add_and_remove_by_ids_with_a_report(served: World) -> None:
    e, branch = served.engine, served.who("branch")
    group = create_static_group(e, branch, "重点客户")
    assert group.kind == "static" and group.conditions == [] and group.owned
    report = add_members(e, branch, group.segment_id, ["C004", " C001 ", "C007", "NOPE", "C001"])
    assert (report.changed, report.unchanged) == (2, 0)
    assert report.not_found == ["NOPE"] and report.out_of_scope == ["C007"]
    assert report.as_of_date == AS_OF
    assert segment_count(e, branch, group.segment_id) == 2
    page = segment_members(e, branch, group.segment_id)
    assert [r["customer_id"] for r in page.rows] == ["C001", "C004"]
    assert page.rows[0]["phone"] == "138****5678"  # masked like the customer list
    again = add_members(e, branch, group.segment_id, ["C001"])
    assert (again.changed, again.unchanged) == (0, 1)
    gone = remove_members(e, branch, group.segment_id, ["C004", "C003", "C008"])
    assert (gone.changed, gone.unchanged, gone.out_of_scope) == (1, 1, ["C008"])
    assert member_ids(served, "branch", group.segment_id) == ["C001"]


def test_a_broker_cannot_add_a_customer_outside_their_scope(world: World) -> None:
    e, broker = world.engine, world.who("broker")
    group = create_static_group(e, broker, "mine")
    report = add_members(e, broker, group.segment_id, ["C003", "C004"])  # S2's, S3's
    assert report.changed == 0 and report.out_of_scope == ["C003", "C004"]
    assert stored(world, group.segment_id) == set()
    with pytest.raises(InvalidRequest, match="customer_ids"):
        add_members(e, broker, group.segment_id, ["  ", ""])


def test_all_matching_adds_exactly_the_scoped_matches(served: World) -> None:
    e, branch = served.engine, served.who("branch")
    group = create_static_group(e, branch, "rich ones")
    report = add_matching(e, branch, group.segment_id, CustomerQuery(conditions=RICH, page_size=1))
    # B1 customers with >= 100k (not C006 / C009 of B2, nor the region's others)
    assert report.changed == 4
    assert stored(served, group.segment_id) == {"C001", "C002", "C004", "C005"}
    # a broker's "all matching" adds only the broker's customers
    broker_group = create_static_group(e, served.who("broker"), "b")
    add_matching(e, served.who("broker"), broker_group.segment_id, CustomerQuery())
    assert stored(served, broker_group.segment_id) == {"C001", "C002"}
    out = remove_matching(
        e,
        branch,
        group.segment_id,
        CustomerQuery(conditions=[Condition(field="total_assets_t", op="ge", value=1_000_000)]),
    )
    assert out.changed == 2 and stored(served, group.segment_id) == {"C002", "C005"}


def test_all_matching_is_capped(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(static_module, "MAX_MATCHING", 3)
    group = create_static_group(world.engine, world.who("hq"), "all")
    with pytest.raises(InvalidRequest, match="query"):
        add_matching(world.engine, world.who("hq"), group.segment_id, CustomerQuery())
    assert stored(world, group.segment_id) == set()  # nothing half-applied


def test_upload_reports_unknown_and_out_of_scope_ids(world: World) -> None:
    e, broker = world.engine, world.who("broker")
    group = create_static_group(e, broker, "uploaded")
    text = "customer_id\r\nC001\r\n\r\nC002,张三\r\nC009\r\nXX9\r\nC001\r\n"
    report = upload_members(e, broker, group.segment_id, text.encode("utf-8-sig"))
    assert report.changed == 2
    assert report.not_found == ["XX9"] and report.out_of_scope == ["C009"]
    assert stored(world, group.segment_id) == {"C001", "C002"}
    found = search_audit(e, world.who("compliance"), AuditQuery(action="segment_add_members"))
    entry = found.rows[0]
    assert entry["customer_ids"] == ["C001", "C002"]
    assert entry["detail"]["source"] == "upload"
    assert (entry["detail"]["not_found"], entry["detail"]["out_of_scope"]) == (1, 1)


def test_parse_id_list() -> None:
    assert parse_id_list("客户号\nC1\nC2\n".encode("gb18030")) == ["C1", "C2"]
    assert parse_id_list(b"C1\nC2") == ["C1", "C2"]  # no header
    with pytest.raises(InvalidRequest, match="file"):
        parse_id_list(b"customer_id\n")
    with pytest.raises(InvalidRequest, match="file"):
        parse_id_list(b"\x00\x01\x02")
    with pytest.raises(InvalidRequest, match="file"):
        parse_id_list(b"C1\n" * (static_module.MAX_UPLOAD_BYTES // 3 + 1))


def test_dynamic_groups_take_no_hand_added_members(world: World) -> None:
    e, branch = world.engine, world.who("branch")
    dynamic = create_segment(e, branch, "rich", RICH)
    with pytest.raises(InvalidRequest, match="segment_id"):
        add_members(e, branch, dynamic.segment_id, ["C001"])
    with pytest.raises(InvalidRequest, match="conditions"):
        create_segment(e, branch, "both", RICH, kind="static")
    group = create_static_group(e, branch, "static")
    with pytest.raises(InvalidRequest, match="conditions"):
        update_segment(e, branch, group.segment_id, conditions=RICH)
    with pytest.raises(NotFound):  # a private group of another: as if none
        add_members(e, world.who("hq"), group.segment_id, ["C001"])
    shared = create_static_group(e, branch, "shared", visibility="unit")
    with pytest.raises(Forbidden):  # seen through the unit, not theirs to change
        add_members(e, world.who("broker"), shared.segment_id, ["C001"])


def test_a_unit_shared_static_group_shows_each_viewer_their_scope(served: World) -> None:
    e = served.engine
    group = create_static_group(e, served.who("branch"), "branch picks", visibility="unit")
    add_members(e, served.who("branch"), group.segment_id, ["C001", "C002", "C003", "C004"])
    assert member_ids(served, "broker", group.segment_id) == ["C001", "C002"]
    assert segment_count(e, served.who("broker2"), group.segment_id) == 2  # C002 C003
    assert segment_count(e, served.who("advisor"), group.segment_id) == 0
    # the daily count: members within the owner's scope
    assert refresh_segment_counts(e) == 1
    with e.connect() as connection:
        count = connection.execute(
            sa.select(segment_counts.c.customers).where(
                segment_counts.c.segment_id == group.segment_id
            )
        ).scalar_one()
    assert count == 4


def test_export_and_campaign_take_the_static_members(world: World) -> None:
    e, branch = world.engine, world.who("branch")
    group = create_static_group(e, branch, "picked", visibility="unit")
    add_members(e, branch, group.segment_id, ["C001", "C003", "C010"])
    _, text = export_segment(e, world.who("broker"), group.segment_id)
    assert [line.split(",")[0] for line in text.splitlines()[1:]] == ["C001"]
    made = create_campaign(
        e,
        world.settings,
        branch,
        CampaignInput(
            name="回访",
            goal="deposit",
            window_start=dt.date(2025, 3, 17),
            window_end=dt.date(2025, 4, 30),
            segment_id=group.segment_id,
            holdout_share=0.0,
            seed=7,
        ),
    )
    done = launch_campaign(e, world.settings, branch, made.campaign_id)
    assert done.members == 3
    with e.connect() as connection:
        ids = connection.execute(
            sa.select(campaign_members.c.customer_id).where(
                campaign_members.c.campaign_id == made.campaign_id
            )
        ).scalars()
        assert sorted(ids) == ["C001", "C003", "C010"]


def test_deleting_a_group_deletes_its_members(world: World) -> None:
    e, branch = world.engine, world.who("branch")
    group = create_static_group(e, branch, "gone soon")
    add_members(e, branch, group.segment_id, ["C001"])
    delete_segment(e, branch, group.segment_id)
    assert stored(world, group.segment_id) == set()
