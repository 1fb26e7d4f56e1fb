"""The broker tree as of a date, its changes through the approval flow under the
no-skip-level rule, the differences with the feed, and each staff member's org history."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from access.brokers_tree_world import AFTER, BEFORE, D2, TreeWorld, build_tree_world
from brokerlens.access.approvals import approve
from brokerlens.access.broker_tree import broker_tree, flatten, tree_differences
from brokerlens.access.org import org_tree
from brokerlens.access.snapshot import clear_cache
from brokerlens.access.staff_history import staff_history
from brokerlens.access.tree_request import TreeChange, request_tree_change
from brokerlens.brokers.tree.rules import TreeRefused
from brokerlens.config import Settings
from brokerlens.errors import Forbidden, NotFound
from brokerlens.store.brokers_tree_schema import tree_changes
from brokerlens.store.compliance_schema import approvals
from brokerlens.store.schema import audit_log

WHEN = dt.date(2025, 3, 1)


@pytest.fixture
def tw(store_settings: Settings) -> Iterator[TreeWorld]:
    clear_cache()
    yield build_tree_world(store_settings)
    clear_cache()


def _members(tw: TreeWorld, who: str, day: dt.date, source: str = "feed") -> dict[str, object]:
    tree = broker_tree(tw.db, tw.who(who), day, source)  # type: ignore[arg-type]
    return {m.staff_id: m for m in flatten(tree.roots)}


def test_the_tree_as_of_two_dates_differs_as_the_feed_s_history_says(tw: TreeWorld) -> None:
    before = _members(tw, "hq", BEFORE)
    after = _members(tw, "hq", AFTER)
    # S2 moved from L1's team to L2's at the second delivery; S4 left; S5 was hired
    assert before["S2"].manager_id == "L1" and after["S2"].manager_id == "L2"  # type: ignore[attr-defined]
    assert (before["L1"].direct, after["L1"].direct) == (2, 1)  # type: ignore[attr-defined]
    assert (before["L2"].direct, after["L2"].direct) == (1, 3)  # type: ignore[attr-defined]
    assert "S4" in before and "S4" not in after
    assert "S5" not in before and "S5" in after
    # team sizes: M1 has L1, L2, A1 directly and everyone of B1's tree below
    assert (after["M1"].direct, after["M1"].total) == (3, 7)  # type: ignore[attr-defined]
    assert after["S1"].depth == 2 and after["S1"].level == 1  # type: ignore[attr-defined]
    # service staff are not in the broker tree; the feed's advisor under a branch manager skips
    assert "V1" not in after and after["A1"].skips_level  # type: ignore[attr-defined]


def test_a_branch_manager_sees_their_branch_s_tree_only(tw: TreeWorld) -> None:
    mine = _members(tw, "branch2", AFTER)
    assert set(mine) == {"M2", "L3"}
    assert set(_members(tw, "branch2", BEFORE)) == {"M2", "L3", "S4"}


def test_the_unit_tree_as_of_a_date_counts_that_date_s_staff(tw: TreeWorld) -> None:
    def counts(day: dt.date) -> dict[str, int]:
        found: dict[str, int] = {}
        todo = list(org_tree(tw.db, tw.who("hq"), as_of=day))
        while todo:
            unit = todo.pop()
            found[unit.unit_id] = unit.staff_count
            todo.extend(unit.children)
        return found

    assert (counts(BEFORE)["T1"], counts(BEFORE)["T2"], counts(BEFORE)["T3"]) == (3, 2, 2)
    assert (counts(AFTER)["T1"], counts(AFTER)["T2"], counts(AFTER)["T3"]) == (2, 4, 1)


def test_staff_history_tells_hire_transfer_manager_grade_and_departure(tw: TreeWorld) -> None:
    s2 = staff_history(tw.db, tw.who("hq"), "S2")
    kinds = [(e.kind, e.before, e.after) for e in s2.events]
    assert kinds == [
        ("hire", None, "T1"),
        ("transfer", "T1", "T2"),
        ("manager_change", "L1", "L2"),
    ]
    assert s2.events[1].day == D2
    s3 = staff_history(tw.db, tw.who("hq"), "S3")
    assert [(e.kind, e.before, e.after) for e in s3.events][1:] == [("grade_change", "P2", "P3")]
    s4 = staff_history(tw.db, tw.who("hq"), "S4")
    assert (s4.events[-1].kind, s4.events[-1].day) == ("departure", dt.date(2025, 2, 10))


def test_staff_history_out_of_scope_answers_not_found(tw: TreeWorld) -> None:
    with pytest.raises(NotFound):
        staff_history(tw.db, tw.who("branch2"), "S1")
    with pytest.raises(NotFound):
        staff_history(tw.db, tw.who("broker1"), "S2")
    assert staff_history(tw.db, tw.who("broker1"), "S1").name == "李雷"


def _ask(tw: TreeWorld, who: str, op: str, staff_id: str, manager: str | None = None) -> int:
    made = request_tree_change(
        tw.db, tw.who(who), TreeChange(op, staff_id, manager, WHEN, reason="调整")
    )
    return made.request_id


@pytest.mark.parametrize(
    ("op", "staff_id", "manager", "field", "words"),
    [
        # a broker straight under a branch manager: level 1 under level 3
        ("move", "S1", "M1", "manager_id", ["李雷 (S1, broker, level 1)", "level 3", "skipping"]),
        # a team lead under a broker: a level 2 member's manager is level 3
        ("move", "L1", "S3", "manager_id", ["王组长 (L1, team_lead, level 2)", "level 3"]),
        # a team lead under their own report
        ("move", "L1", "S1", "manager_id", ["李雷 is below 王组长", "own subtree"]),
        ("remove", "L2", None, "staff_id", ["cannot remove 李组长", "3 report(s)", "S5"]),
        ("promote", "L1", None, "staff_id", ["two levels below", "move them first"]),
        ("promote", "M1", None, "staff_id", ["top level"]),
        ("move", "V1", "L1", "staff_id", ["客服甲 (V1, service, not in the broker tree)"]),
        ("move", "S1", "L1", "manager_id", ["already reports to 王组长"]),
    ],
)
def test_a_change_breaking_the_rule_is_refused_with_the_reason(
    tw: TreeWorld, op: str, staff_id: str, manager: str | None, field: str, words: list[str]
) -> None:
    with pytest.raises(TreeRefused) as refused:
        _ask(tw, "branch1", op, staff_id, manager)
    assert refused.value.field == field
    for word in words:
        assert word in refused.value.message
    with tw.db.connect() as connection:
        assert connection.execute(sa.select(sa.func.count()).select_from(approvals)).scalar() == 0


def test_a_move_within_a_branch_is_decided_there_applied_audited_and_overlaid(
    tw: TreeWorld,
) -> None:
    request_id = _ask(tw, "branch1", "move", "S1", "L2")
    with tw.db.connect() as connection:
        row = connection.execute(
            sa.select(approvals).where(approvals.c.request_id == request_id)
        ).one()
    assert (row.kind, row.unit_id, row.status) == ("broker_tree_change", "B1", "pending")
    with pytest.raises(Forbidden):  # the requester never decides their own request
        approve(tw.db, tw.settings, tw.who("branch1"), request_id)
    with pytest.raises(NotFound):  # another branch's manager does not see it
        approve(tw.db, tw.settings, tw.who("branch2"), request_id)
    done = approve(tw.db, tw.settings, tw.who("region1"), request_id, "同意")
    assert done.status == "approved" and "from 2025-03-01" in (done.effect or "")
    # the feed still has S1 under L1 (not written back); brokerlens's tree from WHEN on
    assert _members(tw, "hq", WHEN)["S1"].manager_id == "L1"  # type: ignore[attr-defined]
    ours = _members(tw, "hq", WHEN, "brokerlens")
    assert ours["S1"].manager_id == "L2" and ours["S1"].unit_id == "T2"  # type: ignore[attr-defined]
    assert _members(tw, "hq", AFTER, "brokerlens")["S1"].manager_id == "L1"  # type: ignore[attr-defined]
    differences = tree_differences(tw.db, tw.who("hq"), WHEN)
    assert {(d.staff_id, d.field, d.brokerlens, d.feed) for d in differences} == {
        ("S1", "manager_id", "L2", "L1"),
        ("S1", "unit_id", "T2", "T1"),
    }
    assert tree_differences(tw.db, tw.who("branch2"), WHEN) == []
    assert broker_tree(tw.db, tw.who("hq"), WHEN).differences == differences
    with tw.db.connect() as connection:
        audited = [
            (r.action, r.username)
            for r in connection.execute(
                sa.select(audit_log.c.action, audit_log.c.username)
                .where(audit_log.c.action.like("org_change%"))
                .order_by(audit_log.c.audit_id)
            )
        ]
    assert audited == [("org_change_request", "branch1"), ("org_change_apply", "region1")]
    history = staff_history(tw.db, tw.who("hq"), "S1")
    assert (history.events[-1].kind, history.events[-1].source) == ("tree_move", "brokerlens")


def test_moving_a_manager_moves_their_subtree(tw: TreeWorld) -> None:
    # L1 (B1) with S1 under M2 (B2): across branches, so head office decides
    request_id = _ask(tw, "branch1", "move", "L1", "M2")
    approve(tw.db, tw.settings, tw.who("hq"), request_id)
    ours = _members(tw, "hq", WHEN, "brokerlens")
    assert ours["L1"].manager_id == "M2"  # type: ignore[attr-defined]
    assert [c.staff_id for c in ours["L1"].children] == ["S1"]  # type: ignore[attr-defined]
    assert (ours["M2"].direct, ours["M2"].total) == (2, 3)  # type: ignore[attr-defined]
    assert ours["S1"].depth == 2  # type: ignore[attr-defined]
    with tw.db.connect() as connection:
        moved = connection.execute(sa.select(tree_changes.c.moved)).scalar_one()
    assert moved == ["L1", "S1"]


def test_a_cross_branch_move_is_decided_by_head_office_only(tw: TreeWorld) -> None:
    request_id = _ask(tw, "branch1", "move", "S1", "L3")
    with tw.db.connect() as connection:
        unit = connection.execute(
            sa.select(approvals.c.unit_id).where(approvals.c.request_id == request_id)
        ).scalar_one()
    assert unit is None
    for manager in ("region1", "branch2"):
        with pytest.raises((Forbidden, NotFound)):
            approve(tw.db, tw.settings, tw.who(manager), request_id)
    done = approve(tw.db, tw.settings, tw.who("hq"), request_id)
    assert done.status == "approved"
    assert _members(tw, "hq", WHEN, "brokerlens")["S1"].unit_id == "T3"  # type: ignore[attr-defined]


def test_a_change_checked_again_when_approved(tw: TreeWorld) -> None:
    """Remove S5 is fine when asked; moving S2, S3 and S5 away first still leaves L2 with
    nobody, and then removing L2 is fine - but a request to remove L2 made while S5 was there is
    refused at once, and one made after approving a move of S5 back under L2 fails."""
    first = _ask(tw, "hq", "move", "S5", "L1")
    remove = None
    with pytest.raises(TreeRefused):
        _ask(tw, "hq", "remove", "L2")
    approve(tw.db, tw.settings, tw.who("hq2"), first)
    for member in ("S2", "S3"):
        approve(tw.db, tw.settings, tw.who("hq2"), _ask(tw, "hq", "move", member, "L1"))
    remove = _ask(tw, "hq", "remove", "L2")
    # meanwhile someone moves S5 back under L2: the removal no longer fits
    approve(tw.db, tw.settings, tw.who("hq"), _ask(tw, "hq2", "move", "S5", "L2"))
    failed = approve(tw.db, tw.settings, tw.who("hq2"), remove)
    assert failed.status == "failed" and "1 report(s) left" in (failed.effect or "")
    assert "L2" in _members(tw, "hq", WHEN, "brokerlens")


def test_promote_places_the_member_one_level_up(tw: TreeWorld) -> None:
    request_id = _ask(tw, "branch1", "promote", "S3")  # default: under their lead's manager
    approve(tw.db, tw.settings, tw.who("region1"), request_id)
    ours = _members(tw, "hq", WHEN, "brokerlens")
    assert (ours["S3"].position, ours["S3"].manager_id, ours["S3"].level) == (  # type: ignore[attr-defined]
        "team_lead",
        "M1",
        2,
    )
    with pytest.raises(TreeRefused) as refused:
        _ask(tw, "branch1", "promote", "S1", "L1")
    assert "must be exactly one level up (level 3)" in refused.value.message


def test_only_managers_of_the_member_s_units_ask(tw: TreeWorld) -> None:
    with pytest.raises(Forbidden):
        _ask(tw, "lead1", "move", "S1", "L2")
    with pytest.raises(Forbidden):
        _ask(tw, "compliance", "move", "S1", "L2")
    with pytest.raises(NotFound):
        _ask(tw, "branch2", "move", "S1", "L2")


def test_the_tree_under_one_unit_of_the_reader_s(tw: TreeWorld) -> None:
    team = broker_tree(tw.db, tw.who("hq"), AFTER, unit_id="T2")
    assert {m.staff_id for m in flatten(team.roots)} == {"L2", "S2", "S3", "S5"}
    assert [r.staff_id for r in team.roots] == ["L2"]  # their manager is outside: a root
    with pytest.raises(NotFound):
        broker_tree(tw.db, tw.who("branch2"), AFTER, unit_id="T1")
