"""Campaigns through the service layer, on both stores and both profile readers: who creates and
runs them, the members frozen at launch (scope, branch, broker by the owner rule, the split),
the approval rule, Conflict on a second launch, the report cut to the reader's scope, audit."""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

import pytest
import sqlalchemy as sa

from access.builders import World
from access.columnar_support import READERS, serve_from
from brokerlens.access import Condition, create_segment
from brokerlens.access.approval_kinds import BUILTIN
from brokerlens.access.approvals import approve, list_approvals, reject
from brokerlens.access.campaigns import (
    CampaignInput,
    campaign_report,
    cancel_campaign,
    close_campaign,
    create_campaign,
    export_members,
    get_campaign,
    launch_campaign,
    list_campaigns,
)
from brokerlens.errors import Conflict, Forbidden, InvalidRequest, NotFound
from brokerlens.store.marketing_schema import campaign_members, service_records
from brokerlens.store.schema import audit_log

assert BUILTIN  # the approval kinds registered
RICH = [Condition(field="total_assets_t", op="ge", value=100_000)]
WINDOW = (dt.date(2025, 3, 17), dt.date(2025, 4, 30))


@pytest.fixture(params=READERS)
def world(world: World, request: pytest.FixtureRequest, tmp_path: Path) -> World:
    return serve_from(request.param, world, tmp_path)


def _input(segment_id: int, **extra: object) -> CampaignInput:
    values: dict[str, object] = {
        "name": "春季入金",
        "goal": "deposit",
        "window_start": WINDOW[0],
        "window_end": WINDOW[1],
        "segment_id": segment_id,
        "holdout_share": 0.5,
        "seed": 7,
    }
    values.update(extra)
    return CampaignInput(**values)  # type: ignore[arg-type]


def _members(world: World, campaign_id: int) -> dict[str, tuple[str, str | None, str | None]]:
    with world.engine.connect() as connection:
        rows = connection.execute(
            sa.select(
                campaign_members.c.customer_id,
                campaign_members.c.grp,
                campaign_members.c.branch_id,
                campaign_members.c.staff_id,
            ).where(campaign_members.c.campaign_id == campaign_id)
        ).all()
    return {r[0]: (r[1], r[2], r[3]) for r in rows}


def _actions(world: World) -> list[str]:
    with world.engine.connect() as connection:
        return list(
            connection.execute(
                sa.select(audit_log.c.action).order_by(audit_log.c.audit_id)
            ).scalars()
        )


def test_who_may_create(world: World) -> None:
    segment = create_segment(world.engine, world.who("hq"), "rich", RICH, visibility="unit")
    hq = create_campaign(world.engine, world.settings, world.who("hq"), _input(segment.segment_id))
    assert hq.status == "draft" and hq.owner_unit_id is None and hq.seed == 7
    assert hq.threshold_cents == 1_000_000  # the default deposit threshold, 10,000 yuan
    branch = create_campaign(
        world.engine, world.settings, world.who("branch"), _input(segment.segment_id, seed=None)
    )
    assert branch.owner_unit_id == "B1"
    assert branch.seed == branch.campaign_id  # the default seed is the campaign's id
    for who in ("broker", "lead", "compliance", "admin"):
        with pytest.raises(Forbidden):
            create_campaign(world.engine, world.settings, world.who(who), _input(1))
    with pytest.raises(InvalidRequest, match="window_end"):
        create_campaign(
            world.engine,
            world.settings,
            world.who("hq"),
            _input(segment.segment_id, window_end=dt.date(2025, 1, 1)),
        )
    with pytest.raises(InvalidRequest, match="segment"):
        create_campaign(world.engine, world.settings, world.who("hq"), _input(9999))
    assert _actions(world).count("campaign_create") == 2


def test_launch_freezes_the_members_in_scope_with_their_broker(world: World) -> None:
    segment = create_segment(world.engine, world.who("branch"), "rich", RICH)
    made = create_campaign(
        world.engine, world.settings, world.who("branch"), _input(segment.segment_id)
    )
    done = launch_campaign(world.engine, world.settings, world.who("branch"), made.campaign_id)
    assert done.status == "launched" and done.frozen_as_of == dt.date(2025, 3, 14)
    members = _members(world, made.campaign_id)
    # B1's customers with assets >= 100,000; C002's servicer S2 outranks its developer S1,
    # C005's relationship with S1 ended before the snapshot
    assert {c: (b, s) for c, (_, b, s) in members.items()} == {
        "C001": ("B1", "S1"),
        "C002": ("B1", "S2"),
        "C004": ("B1", "S3"),
        "C005": ("B1", "S3"),
    }
    assert sorted(g for g, _, _ in members.values()) == ["holdout"] * 2 + ["treatment"] * 2
    assert (done.members, done.treatment, done.holdout) == (4, 2, 2)
    with pytest.raises(Conflict):
        launch_campaign(world.engine, world.settings, world.who("branch"), made.campaign_id)
    with pytest.raises(Conflict):
        cancel_campaign(world.engine, world.who("branch"), made.campaign_id)
    assert close_campaign(world.engine, world.who("branch"), made.campaign_id).status == "closed"
    assert "campaign_launch" in _actions(world) and "campaign_closed" in _actions(world)


def test_the_same_seed_gives_the_same_split(world: World) -> None:
    segment = create_segment(world.engine, world.who("hq"), "rich", RICH)
    hq = world.who("hq")
    groups = []
    for _ in range(2):
        made = create_campaign(world.engine, world.settings, hq, _input(segment.segment_id))
        launch_campaign(world.engine, world.settings, hq, made.campaign_id)
        groups.append({c: g for c, (g, _, _) in _members(world, made.campaign_id).items()})
    assert groups[0] == groups[1] and len(groups[0]) == 6  # HQ: every rich customer


def test_a_big_campaign_waits_for_head_office(world: World) -> None:
    """Over approval_above, a branch manager's launch is a request in 待审批; head office
    marketing's approval launches it (frozen and split as the launch would), a rejection leaves
    it a draft."""
    config = world.settings.home / "marketing" / "campaigns.yaml"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text("approval_above: 2\n", "utf-8")
    segment = create_segment(world.engine, world.who("branch"), "rich", RICH, visibility="unit")
    made = create_campaign(
        world.engine, world.settings, world.who("branch"), _input(segment.segment_id)
    )
    waiting = launch_campaign(world.engine, world.settings, world.who("branch"), made.campaign_id)
    assert waiting.status == "pending_approval" and waiting.members == 0
    assert _members(world, made.campaign_id) == {}
    asked = list_approvals(world.engine, world.who("hq"), "to_decide")
    assert [(a.kind, a.payload["campaign_id"], a.payload["members"]) for a in asked] == [
        ("campaign_launch", made.campaign_id, 4)
    ]
    for who in ("branch", "hq"):  # nobody launches it past the request
        with pytest.raises(Conflict, match="waiting for approval"):
            launch_campaign(world.engine, world.settings, world.who(who), made.campaign_id)
    with pytest.raises(Forbidden):  # the requester never decides it
        approve(world.engine, world.settings, world.who("branch"), asked[0].request_id)
    rejected = reject(
        world.engine, world.settings, world.who("hq"), asked[0].request_id, "先缩小范围"
    )
    assert rejected.status == "rejected"
    assert get_campaign(world.engine, world.who("branch"), made.campaign_id).status == "draft"
    launch_campaign(world.engine, world.settings, world.who("branch"), made.campaign_id)
    again = list_approvals(world.engine, world.who("hq"), "to_decide")[0]
    decided = approve(world.engine, world.settings, world.who("hq"), again.request_id)
    assert decided.status == "approved" and "4 members" in (decided.effect or "")
    done = get_campaign(world.engine, world.who("branch"), made.campaign_id)
    # launched by HQ, still only the branch's customers: the campaign belongs to B1
    assert done.status == "launched" and set(_members(world, made.campaign_id)) == {
        "C001",
        "C002",
        "C004",
        "C005",
    }
    actions = _actions(world)
    assert "campaign_pending_approval" in actions and "approval_approve" in actions


def test_cancelling_a_waiting_campaign_withdraws_its_request(world: World) -> None:
    config = world.settings.home / "marketing" / "campaigns.yaml"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text("approval_above: 2\n", "utf-8")
    segment = create_segment(world.engine, world.who("branch"), "rich", RICH, visibility="unit")
    made = create_campaign(
        world.engine, world.settings, world.who("branch"), _input(segment.segment_id)
    )
    launch_campaign(world.engine, world.settings, world.who("branch"), made.campaign_id)
    cancel_campaign(world.engine, world.who("branch"), made.campaign_id)
    assert list_approvals(world.engine, world.who("hq"), "to_decide") == []
    mine = list_approvals(world.engine, world.who("branch"), "mine")
    assert [a.status for a in mine] == ["withdrawn"]


def test_visibility_and_who_runs_it(world: World) -> None:
    segment = create_segment(world.engine, world.who("branch"), "rich", RICH)
    made = create_campaign(
        world.engine, world.settings, world.who("branch"), _input(segment.segment_id)
    )
    assert get_campaign(world.engine, world.who("broker"), made.campaign_id).manageable is False
    assert get_campaign(world.engine, world.who("region"), made.campaign_id).manageable is True
    with pytest.raises(NotFound):
        get_campaign(world.engine, world.who("region2"), made.campaign_id)
    with pytest.raises(Forbidden):
        launch_campaign(world.engine, world.settings, world.who("broker"), made.campaign_id)
    assert [c.campaign_id for c in list_campaigns(world.engine, world.who("region2"))] == []
    assert cancel_campaign(world.engine, world.who("branch"), made.campaign_id).status == (
        "cancelled"
    )
    with pytest.raises(Conflict):
        launch_campaign(world.engine, world.settings, world.who("branch"), made.campaign_id)


def test_report_is_cut_to_the_readers_scope(world: World) -> None:
    segment = create_segment(world.engine, world.who("hq"), "rich", RICH)
    hq = world.who("hq")
    made = create_campaign(world.engine, world.settings, hq, _input(segment.segment_id))
    launch_campaign(world.engine, world.settings, hq, made.campaign_id)
    members = _members(world, made.campaign_id)
    now = dt.datetime.now(dt.UTC)
    with world.engine.begin() as connection:
        connection.execute(
            campaign_members.update()
            .where(campaign_members.c.campaign_id == made.campaign_id)
            .where(campaign_members.c.customer_id.in_(["C001", "C002", "C006"]))
            .values(converted_on=dt.date(2025, 3, 20), contacted_on=dt.date(2025, 3, 18))
        )
        connection.execute(
            service_records.insert().values(
                customer_id="C001",
                staff_id="S1",
                user_id=1,
                username="broker",
                contact_at=now,
                channel="phone",
                purpose="marketing",
                content="介绍活动",
                result="reached",
                campaign_id=made.campaign_id,
                created_at=now,
                updated_at=now,
            )
        )
    whole = campaign_report(world.engine, world.settings, hq, made.campaign_id)
    total = whole.total
    assert total.t_members + total.h_members == 6
    assert total.t_converted + total.h_converted == 3
    assert total.records == 1
    assert {b.key for b in whole.branches} == {"B1", "B2"}
    t_rate = total.t_converted / total.t_members
    h_rate = total.h_converted / total.h_members
    assert total.effect.uplift == pytest.approx(t_rate - h_rate)
    mine = campaign_report(world.engine, world.settings, world.who("broker"), made.campaign_id)
    # S1 serves C001 and C002 (developer): the broker's scope, whoever owns the member
    assert mine.total.t_members + mine.total.h_members == 2
    assert {b.key for b in mine.brokers} == {members["C001"][2], members["C002"][2]}
    south = world.who("region2")
    with pytest.raises(NotFound):  # an HQ campaign is visible, its R1 members are not
        campaign_report(world.engine, world.settings, south, 999)
    empty = campaign_report(world.engine, world.settings, south, made.campaign_id)
    assert empty.total.t_members == 0 and empty.total.effect.uplift is None
    listed = {c.campaign_id: c for c in list_campaigns(world.engine, hq)}
    assert listed[made.campaign_id].converted == 3
    assert "view_campaign_report" in _actions(world)


def test_members_export_is_scoped_and_audited(world: World) -> None:
    segment = create_segment(world.engine, world.who("hq"), "rich", RICH)
    hq = world.who("hq")
    made = create_campaign(world.engine, world.settings, hq, _input(segment.segment_id))
    launch_campaign(world.engine, world.settings, hq, made.campaign_id)
    name, text, count = export_members(world.engine, world.who("branch"), made.campaign_id)
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows[0][:2] == ["customer_id", "grp"] and name.endswith(".csv")
    assert {r[0] for r in rows[1:]} == {"C001", "C002", "C004", "C005"} and count == 4
    with world.engine.connect() as connection:
        row = connection.execute(
            sa.select(audit_log.c.customer_count, audit_log.c.detail).where(
                audit_log.c.action == "export"
            )
        ).one()
    assert row.customer_count == 4 and row.detail["kind"] == "campaign_members"
