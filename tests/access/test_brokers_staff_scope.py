"""access/staff_scope.py: whose business (book, income, KPI, risk) each role sees, on the
hand-built world (tests/access/builders.py) with a broker tree added:
L1 leads S1, S2 and A1 (T1); S3 (T2) reports to S1, two levels below L1; S5 (T2) reports to
nobody in T1's tree."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from access.builders import World
from brokerlens.access.staff_scope import check_staff, reports_below, staff_clause, staff_reach
from brokerlens.errors import Forbidden, NotFound
from brokerlens.store.schema import staff

REACH: dict[str, frozenset[str] | None] = {
    "broker": frozenset({"S1"}),
    "broker2": frozenset({"S2"}),
    "advisor": frozenset({"A1"}),
    "lead": frozenset({"L1", "S1", "S2", "A1", "S3"}),  # T1, and S3 below S1
    "branch": frozenset({"L1", "S1", "S2", "A1", "S3", "S5"}),  # B1, T1, T2
    "region": frozenset({"L1", "S1", "S2", "A1", "S3", "S5"}),  # R1 (B2 has no staff)
    "region2": frozenset({"S4"}),
    "hq": None,
    "compliance": None,
    "admin": frozenset(),
}


def add_tree(world: World) -> None:
    with world.engine.begin() as connection:
        connection.execute(
            staff.insert().values(staff_id="S5", name="周五", unit_id="T2", position="broker")
        )
        for member, manager in (("S1", "L1"), ("S2", "L1"), ("A1", "L1"), ("S3", "S1")):
            connection.execute(
                staff.update().where(staff.c.staff_id == member).values(manager_id=manager)
            )


@pytest.fixture
def tree(world: World) -> World:
    add_tree(world)
    return world


@pytest.mark.parametrize("who", sorted(REACH))
def test_each_role_reaches_its_staff(tree: World, who: str) -> None:
    with tree.engine.connect() as connection:
        assert staff_reach(connection, tree.who(who)) == REACH[who]


def test_reports_below_follows_the_tree_at_any_depth(tree: World) -> None:
    with tree.engine.connect() as connection:
        assert reports_below(connection, "L1") == {"S1", "S2", "A1", "S3"}
        assert reports_below(connection, "S1") == {"S3"}
        assert reports_below(connection, "S3") == set()


def test_a_circle_in_the_tree_ends(tree: World) -> None:
    with tree.engine.begin() as connection:
        connection.execute(staff.update().where(staff.c.staff_id == "L1").values(manager_id="S3"))
        assert reports_below(connection, "L1") == {"S1", "S2", "A1", "S3", "L1"}


@pytest.mark.parametrize(
    ("who", "staff_id"),
    [("broker", "S1"), ("lead", "S3"), ("branch", "S5"), ("region2", "S4"), ("hq", "S4")],
)
def test_check_staff_lets_through_staff_in_reach(tree: World, who: str, staff_id: str) -> None:
    with tree.engine.connect() as connection:
        check_staff(connection, tree.who(who), staff_id)


@pytest.mark.parametrize(
    ("who", "staff_id"),
    [("broker", "S2"), ("advisor", "S1"), ("lead", "S5"), ("branch", "S4"), ("region2", "S1")],
)
def test_check_staff_answers_404_out_of_reach(tree: World, who: str, staff_id: str) -> None:
    with tree.engine.connect() as connection, pytest.raises(NotFound):
        check_staff(connection, tree.who(who), staff_id)


def test_check_staff_refuses_a_role_without_staff_business(tree: World) -> None:
    with tree.engine.connect() as connection, pytest.raises(Forbidden):
        check_staff(connection, tree.who("admin"), "S1")


@pytest.mark.parametrize("who", sorted(REACH))
def test_staff_clause_selects_the_reach(tree: World, who: str) -> None:
    with tree.engine.connect() as connection:
        reach = staff_reach(connection, tree.who(who))
        chosen = set(
            connection.execute(
                sa.select(staff.c.staff_id).where(staff_clause(reach, staff.c.staff_id))
            ).scalars()
        )
        everyone = set(connection.execute(sa.select(staff.c.staff_id)).scalars())
    assert chosen == (everyone if reach is None else set(reach))
