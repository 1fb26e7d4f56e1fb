"""The approval flow through the service layer, on both stores: a threshold change and a
catalog change are requests until a second person approves (then in force), who decides what
(role, permission, unit), the 待审批 / mine / history lists, reject with a comment, withdraw,
an installation's own transactional kind, a failed apply, audit."""

from __future__ import annotations

import dataclasses

import pytest
import sqlalchemy as sa

from access.builders import World
from brokerlens.access.approval_kinds import builtin_kinds
from brokerlens.access.approvals import (
    ApprovalKind,
    ApprovalRejected,
    approve,
    describe,
    get_approval,
    list_approvals,
    register_kind,
    reject,
    request_approval,
    waiting_count,
    withdraw,
)
from brokerlens.access.catalog import request_catalog_change
from brokerlens.access.thresholds import request_thresholds
from brokerlens.alerts import load_alerts, thresholds_for
from brokerlens.auth.principal import Permission, Role
from brokerlens.classify.errors import CatalogError
from brokerlens.classify.loader import default_catalog_text
from brokerlens.classify.versions import catalog_version
from brokerlens.errors import Conflict, Forbidden, InvalidRequest, NotFound
from brokerlens.store.schema import audit_log, org_units


def _audited(world: World, action: str) -> list[tuple[str, dict]]:
    with world.engine.connect() as connection:
        rows = connection.execute(
            sa.select(audit_log.c.username, audit_log.c.detail)
            .where(audit_log.c.action == action)
            .order_by(audit_log.c.audit_id)
        ).all()
    return [(r[0], dict(r[1])) for r in rows]


def test_builtin_kinds_are_registered() -> None:
    assert {"campaign_launch", "alert_thresholds", "catalog_change", "investor_class"} <= set(
        builtin_kinds()
    )


def test_a_branch_threshold_change_is_in_force_once_head_office_approves(world: World) -> None:
    branch, hq = world.who("branch"), world.who("hq")
    asked = request_thresholds(
        world.engine, world.settings, branch, "no_trade", "B1", {"min_days": 20}, "旺季"
    )
    assert asked.status == "pending" and asked.unit_id is None
    assert load_alerts(world.settings).version == 0  # nothing in force before approval
    with pytest.raises(Conflict, match="already waiting"):
        request_thresholds(world.engine, world.settings, branch, "no_trade", "B1", {"min_days": 9})
    # who sees it waiting: head office (edit_alert_thresholds), not the requester nor compliance
    assert [a.request_id for a in list_approvals(world.engine, hq)] == [asked.request_id]
    assert waiting_count(world.engine, hq) == 1
    assert list_approvals(world.engine, branch) == [] and waiting_count(world.engine, branch) == 0
    assert list_approvals(world.engine, world.who("compliance")) == []
    with pytest.raises(NotFound):
        get_approval(world.engine, world.who("broker"), asked.request_id)
    words = dict(describe(world.settings, asked, "zh"))
    assert words["适用范围"] == "B1" and "30 → 20" in words.values()
    for who in ("branch", "compliance"):  # the requester; compliance reads it, cannot decide
        with pytest.raises(Forbidden):
            approve(world.engine, world.settings, world.who(who), asked.request_id)
    with pytest.raises(NotFound):  # not theirs to see: answered as an unknown one
        approve(world.engine, world.settings, world.who("region"), asked.request_id)

    done = approve(world.engine, world.settings, hq, asked.request_id, "同意")
    assert (
        done.status == "approved" and done.decided_by == "hq" and "version 1" in (done.effect or "")
    )
    assert thresholds_for(load_alerts(world.settings), "no_trade", "B1")["min_days"] == 20.0
    with pytest.raises(Conflict, match="already approved"):
        approve(world.engine, world.settings, hq, asked.request_id)
    assert [a.request_id for a in list_approvals(world.engine, hq, "history")] == [asked.request_id]
    assert [a.status for a in list_approvals(world.engine, branch, "mine")] == ["approved"]
    assert _audited(world, "approval_request")[0][0] == "branch"
    assert _audited(world, "approval_approve")[0][0] == "hq"
    assert [u for u, _ in _audited(world, "alert_thresholds")] == ["hq"]


def test_reject_needs_a_comment_and_withdraw_is_the_requesters(world: World) -> None:
    branch, hq = world.who("branch"), world.who("hq")
    first = request_thresholds(
        world.engine, world.settings, branch, "no_trade", "B1", {"min_days": 20}
    )
    with pytest.raises(ApprovalRejected, match="comment"):
        reject(world.engine, world.settings, hq, first.request_id, "  ")
    refused = reject(world.engine, world.settings, hq, first.request_id, "阈值过低")
    assert (refused.status, refused.comment) == ("rejected", "阈值过低")
    second = request_thresholds(
        world.engine, world.settings, branch, "no_trade", "B1", {"min_days": 25}
    )
    with pytest.raises(Forbidden, match="requester"):
        withdraw(world.engine, world.settings, hq, second.request_id)
    assert withdraw(world.engine, world.settings, branch, second.request_id).status == "withdrawn"
    with pytest.raises(Conflict):
        approve(world.engine, world.settings, hq, second.request_id)
    assert load_alerts(world.settings).version == 0
    assert [a.status for a in list_approvals(world.engine, branch, "mine")] == [
        "withdrawn",
        "rejected",
    ]


def test_a_catalog_change_needs_a_second_head_office_user(world: World) -> None:
    hq = world.who("hq")
    hq2 = dataclasses.replace(hq, user_id=hq.user_id + 1000, username="hq2")
    text = default_catalog_text().replace("total_assets_t >= 1000000", "total_assets_t >= 999999")
    with pytest.raises(Forbidden, match="edit_catalog"):
        request_catalog_change(world.engine, world.settings, world.who("branch"), text, "x.yaml")
    with pytest.raises(CatalogError, match=r"bad\.yaml"):
        request_catalog_change(world.engine, world.settings, hq, "classifications: 3", "bad.yaml")
    asked = request_catalog_change(world.engine, world.settings, hq, text, "edited.yaml", "放宽")
    before = catalog_version(world.settings)
    with pytest.raises(Forbidden, match="someone else"):
        approve(world.engine, world.settings, hq, asked.request_id)
    assert list_approvals(world.engine, hq) == []
    assert [a.request_id for a in list_approvals(world.engine, hq2)] == [asked.request_id]
    done = approve(world.engine, world.settings, hq2, asked.request_id)
    assert done.status == "approved" and "version 1" in (done.effect or "")
    assert catalog_version(world.settings) != before
    assert [u for u, _ in _audited(world, "catalog_apply")] == ["hq2"]


def _unit_kind(calls: list[str], *, fail: bool = False) -> ApprovalKind:
    """An installation's own kind: decided by the manager of the request's unit (or above),
    applied in the decision's transaction."""

    def apply(applying, decider, request):  # type: ignore[no-untyped-def]
        assert applying.connection is not None
        if fail:
            raise InvalidRequest("the staff member left")
        applying.connection.execute(
            org_units.update().where(org_units.c.unit_id == "B1").values(name="改名营业部")
        )
        calls.append(decider.username)
        return "renamed"

    return register_kind(
        ApprovalKind(
            name="test_rename" + ("_fail" if fail else ""),
            zh="更名",
            en="Rename",
            apply=apply,
            roles=frozenset({Role.BRANCH_MANAGER, Role.REGION_MANAGER, Role.HQ_MARKETING}),
            transactional=True,
        )
    )


def test_an_installations_kind_by_unit_in_one_transaction(world: World) -> None:
    calls: list[str] = []
    kind = _unit_kind(calls)
    with world.engine.begin() as connection:
        asked = request_approval(
            connection,
            world.who("broker"),
            kind=kind.name,
            subject="营业部更名",
            payload={"name": "x"},
            unit_id="B1",
        )
    assert [a.request_id for a in list_approvals(world.engine, world.who("branch"))] == [
        asked.request_id
    ]
    assert [a.request_id for a in list_approvals(world.engine, world.who("region"))] == [
        asked.request_id
    ]  # R1 is above B1
    assert list_approvals(world.engine, world.who("region2")) == []
    with pytest.raises(NotFound):  # outside their units: not theirs to see
        approve(world.engine, world.settings, world.who("region2"), asked.request_id)
    done = approve(world.engine, world.settings, world.who("branch"), asked.request_id)
    assert (done.status, done.effect, calls) == ("approved", "renamed", ["branch"])
    with world.engine.connect() as connection:
        name = connection.execute(
            sa.select(org_units.c.name).where(org_units.c.unit_id == "B1")
        ).scalar()
    assert name == "改名营业部"


def test_a_failed_apply_changes_nothing_and_leaves_the_list(world: World) -> None:
    kind = _unit_kind([], fail=True)
    with world.engine.begin() as connection:
        asked = request_approval(
            connection,
            world.who("broker"),
            kind=kind.name,
            subject="更名",
            payload={},
            unit_id="B1",
        )
    done = approve(world.engine, world.settings, world.who("branch"), asked.request_id)
    assert done.status == "failed" and "the staff member left" in (done.effect or "")
    assert list_approvals(world.engine, world.who("branch")) == []
    assert [u for u, _ in _audited(world, "approval_failed")] == ["branch"]


def test_compliance_reads_every_request_but_decides_only_its_kinds(world: World) -> None:
    hq, compliance = world.who("hq"), world.who("compliance")
    with pytest.raises(Forbidden):  # a branch manager may not ask for the defaults
        request_thresholds(
            world.engine, world.settings, world.who("branch"), "no_trade", None, {"min_days": 20}
        )
    made = request_thresholds(world.engine, world.settings, hq, "no_trade", None, {"min_days": 9})
    assert not compliance.can(Permission.EDIT_ALERT_THRESHOLDS)
    seen = get_approval(world.engine, compliance, made.request_id)
    assert seen.request_id == made.request_id and not seen.may_decide
    with pytest.raises(Forbidden, match="may not decide"):
        approve(world.engine, world.settings, compliance, made.request_id)
