"""Staff and unit pages in the service layer (access/staff_profile.py, unit_profile.py): who
may open which, what the head says, and the audit rows; on the hand-built world with the
broker tree of test_brokers_staff_scope."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from access.builders import AS_OF, World
from access.test_brokers_staff_scope import add_tree
from brokerlens.access.broker_risk import risk_flags, staff_risk
from brokerlens.access.staff_profile import staff_book, staff_page
from brokerlens.access.unit_profile import unit_page
from brokerlens.errors import Forbidden, NotFound
from brokerlens.store.schema import audit_log


@pytest.fixture
def tree(world: World) -> World:
    add_tree(world)
    return world


def _audits(world: World, action: str) -> list[dict[str, object]]:
    with world.engine.connect() as connection:
        rows = connection.execute(
            sa.select(audit_log.c.username, audit_log.c.detail).where(audit_log.c.action == action)
        ).all()
    return [{"username": r.username, **(r.detail or {})} for r in rows]


def test_the_head_names_manager_and_reports(tree: World) -> None:
    page = staff_page(tree.engine, tree.who("lead"), "S1")
    assert page.served == AS_OF
    head = page.header
    assert (head.name, head.position, head.unit_id) == ("李雷", "broker", "T1")
    assert head.manager is not None and head.manager.staff_id == "L1"
    assert [r.staff_id for r in head.reports] == ["S3"]
    lead = staff_page(tree.engine, tree.who("lead"), "L1").header
    assert {r.staff_id for r in lead.reports} == {"S1", "S2", "A1"}
    assert _audits(tree, "staff_view") == [
        {"username": "lead", "staff_id": "S1"},
        {"username": "lead", "staff_id": "L1"},
    ]


@pytest.mark.parametrize(("who", "staff_id"), [("broker", "S2"), ("lead", "S5"), ("region2", "S1")])
def test_a_page_out_of_scope_is_404_and_not_audited(tree: World, who: str, staff_id: str) -> None:
    with pytest.raises(NotFound):
        staff_page(tree.engine, tree.who(who), staff_id)
    with pytest.raises(NotFound):
        staff_book(tree.engine, tree.settings, tree.who(who), staff_id)
    with pytest.raises(NotFound):
        staff_risk(tree.engine, tree.settings, tree.who(who), staff_id)
    assert _audits(tree, "staff_view") == []


def test_the_administrator_sees_no_staff_business(tree: World) -> None:
    with pytest.raises(Forbidden):
        staff_page(tree.engine, tree.who("admin"), "S1")
    with pytest.raises(Forbidden):
        risk_flags(tree.engine, tree.settings, tree.who("admin"))


def test_without_a_run_the_book_and_risk_say_so(tree: World) -> None:
    slot = staff_book(tree.engine, tree.settings, tree.who("broker"), "S1")
    assert slot.book is None and slot.alerts.total == 0
    risk = staff_risk(tree.engine, tree.settings, tree.who("broker"), "S1")
    assert not risk.kept and risk.lines == []


@pytest.mark.parametrize(
    ("who", "unit_id"),
    [("lead", "T1"), ("branch", "B1"), ("branch", "T2"), ("region", "R1"), ("hq", "HQ")],
)
def test_a_unit_whose_staff_are_all_in_reach_opens(tree: World, who: str, unit_id: str) -> None:
    page = unit_page(tree.engine, tree.settings, tree.who(who), unit_id)
    assert page.unit.unit_id == unit_id
    assert _audits(tree, "unit_view")[-1]["unit_id"] == unit_id


@pytest.mark.parametrize(
    ("who", "unit_id"),
    [("broker", "T1"), ("lead", "B1"), ("lead", "T3"), ("branch", "R1"), ("region2", "B1")],
)
def test_a_unit_with_staff_out_of_reach_is_404(tree: World, who: str, unit_id: str) -> None:
    with pytest.raises(NotFound):
        unit_page(tree.engine, tree.settings, tree.who(who), unit_id)


def test_the_unit_page_lists_its_subtree(tree: World) -> None:
    page = unit_page(tree.engine, tree.settings, tree.who("branch"), "B1")
    assert page.parent is not None and page.parent.unit_id == "R1"
    assert [c.unit_id for c in page.children] == ["T1", "T2"]
    assert {s.staff_id for s in page.staff} == {"L1", "S1", "S2", "A1", "S3", "S5"}
    team = unit_page(tree.engine, tree.settings, tree.who("branch"), "T1")
    assert [s.staff_id for s in team.leaders] == ["L1"]
    with pytest.raises(NotFound):
        unit_page(tree.engine, tree.settings, tree.who("hq"), "NOPE")
