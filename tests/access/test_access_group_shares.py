"""Groups shared with named colleagues (issue 25): read-only or editable, revoked, audited; a
colleague sees only the members in their own scope; only the owner deletes and shares."""

from __future__ import annotations

import pytest

from access.builders import World
from brokerlens.access import (
    AuditQuery,
    Condition,
    create_segment,
    delete_segment,
    get_segment,
    list_segments,
    search_audit,
    segment_count,
    segment_members,
    update_segment,
)
from brokerlens.access.segment_shares import list_shares, share_segment, unshare_segment
from brokerlens.access.segment_static import add_members, create_static_group, remove_members
from brokerlens.errors import Forbidden, InvalidRequest, NotFound

RICH = [Condition(field="total_assets_t", op="ge", value=100_000)]


def test_read_only_share(world: World) -> None:
    e, branch, broker2 = world.engine, world.who("branch"), world.who("broker2")
    group = create_static_group(e, branch, "branch picks")
    add_members(e, branch, group.segment_id, ["C001", "C002", "C003", "C004"])
    with pytest.raises(NotFound):
        get_segment(e, broker2, group.segment_id)
    share = share_segment(e, branch, group.segment_id, "broker2")
    assert (share.username, share.can_edit, share.shared_by) == ("broker2", False, "branch")
    seen = get_segment(e, broker2, group.segment_id)
    assert (seen.shared, seen.editable, seen.owned) == ("read", False, False)
    assert [s.name for s in list_segments(e, broker2)] == ["branch picks"]
    # only the members in broker2's own scope (S2: C002, C003)
    assert segment_count(e, broker2, group.segment_id) == 2
    page = segment_members(e, broker2, group.segment_id)
    assert [r["customer_id"] for r in page.rows] == ["C002", "C003"]
    with pytest.raises(Forbidden):
        update_segment(e, broker2, group.segment_id, name="mine now")
    with pytest.raises(Forbidden):
        add_members(e, broker2, group.segment_id, ["C002"])
    with pytest.raises(Forbidden):
        delete_segment(e, broker2, group.segment_id)
    assert [s.username for s in list_shares(e, broker2, group.segment_id)] == ["broker2"]


def test_editable_share_changes_but_never_deletes_or_reshares(world: World) -> None:
    e, branch, broker = world.engine, world.who("branch"), world.who("broker")
    dynamic = create_segment(e, branch, "rich", RICH)
    share_segment(e, branch, dynamic.segment_id, "broker", can_edit=True)
    seen = get_segment(e, broker, dynamic.segment_id)
    assert (seen.shared, seen.editable, seen.owned) == ("edit", True, False)
    done = update_segment(
        e,
        broker,
        dynamic.segment_id,
        name="富裕",
        conditions=[Condition(field="total_assets_t", op="ge", value=1_000_000)],
    )
    assert done.name == "富裕" and segment_count(e, broker, dynamic.segment_id) == 1
    with pytest.raises(Forbidden):
        update_segment(e, broker, dynamic.segment_id, visibility="unit")
    with pytest.raises(Forbidden):
        delete_segment(e, broker, dynamic.segment_id)
    with pytest.raises(Forbidden):
        share_segment(e, broker, dynamic.segment_id, "broker2")
    with pytest.raises(Forbidden):
        unshare_segment(e, broker, dynamic.segment_id, "broker")
    # an editor of a static group adds and removes within their own scope only
    group = create_static_group(e, branch, "picks")
    add_members(e, branch, group.segment_id, ["C004"])
    share_segment(e, branch, group.segment_id, "broker", can_edit=True)
    report = add_members(e, broker, group.segment_id, ["C001", "C003"])
    assert report.changed == 1 and report.out_of_scope == ["C003"]
    removed = remove_members(e, broker, group.segment_id, ["C004"])
    assert removed.changed == 0 and removed.out_of_scope == ["C004"]  # not theirs to remove
    assert segment_count(e, branch, group.segment_id) == 2


def test_sharing_again_changes_how_and_revoking_hides(world: World) -> None:
    e, branch, broker = world.engine, world.who("branch"), world.who("broker")
    group = create_static_group(e, branch, "picks")
    share_segment(e, branch, group.segment_id, "broker")
    assert share_segment(e, branch, group.segment_id, "broker", can_edit=True).can_edit
    assert [(s.username, s.can_edit) for s in list_shares(e, branch, group.segment_id)] == [
        ("broker", True)
    ]
    unshare_segment(e, branch, group.segment_id, "broker")
    with pytest.raises(NotFound):
        get_segment(e, broker, group.segment_id)
    assert list_segments(e, broker) == []
    with pytest.raises(NotFound):
        unshare_segment(e, branch, group.segment_id, "broker")
    shares = search_audit(e, world.who("compliance"), AuditQuery(action="segment_share")).rows
    assert [r["detail"]["before"] for r in shares] == ["read", None]  # newest first
    assert shares[0]["detail"]["can_edit"] is True and shares[0]["detail"]["user"] == "broker"
    gone = search_audit(e, world.who("compliance"), AuditQuery(action="segment_unshare")).rows
    assert gone[0]["detail"]["segment_id"] == group.segment_id


def test_bad_shares_are_refused_naming_the_user(world: World) -> None:
    e, branch = world.engine, world.who("branch")
    group = create_static_group(e, branch, "picks")
    with pytest.raises(InvalidRequest, match="user"):
        share_segment(e, branch, group.segment_id, "nobody")
    with pytest.raises(InvalidRequest, match="user"):
        share_segment(e, branch, group.segment_id, "branch")
    with pytest.raises(InvalidRequest, match="user"):
        share_segment(e, branch, group.segment_id, "")
    with pytest.raises(NotFound):
        share_segment(e, branch, 9999, "broker")


def test_deleting_a_shared_group_ends_its_shares(world: World) -> None:
    e, branch = world.engine, world.who("branch")
    group = create_static_group(e, branch, "picks")
    share_segment(e, branch, group.segment_id, "broker")
    delete_segment(e, branch, group.segment_id)
    assert list_segments(e, world.who("broker")) == []
