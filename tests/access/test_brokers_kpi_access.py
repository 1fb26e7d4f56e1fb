"""KPI scores through `brokerlens.access` on the hand-built store (issue 19 section 4): whose
scores a user sees (staff scope), ranks within the whole unit, the customers behind a metric
listed only within the reader's customer scope and audited with their ids, and a scheme change
previewed (who moves) then applied through another head office user's approval.

Hand-built month 2025-03 (brokers only are scored; scheme: net commission 60, new customers
40): S1 44 (T1, B1), S2 94 (T1, B1), S3 60 (T2, B1), S4 50 (T3, B3). S1's net commission of
400 is C002 300 (S1's customer) and C006 100 (branch B2: outside S1's and B1's scope)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import sqlalchemy as sa

from access.builders import World
from access.kpi_builders import MONTH, SCHEME, write_kpi_month
from brokerlens.access.approvals import approve
from brokerlens.access.kpi import metric_customers, rankings, staff_kpi
from brokerlens.access.kpi_schemes import preview_scheme_change, request_scheme_change
from brokerlens.auth.principal import Principal, Role
from brokerlens.brokers.kpi.schemes import active_version, load_active
from brokerlens.errors import Forbidden, NotFound
from brokerlens.store.schema import audit_log, users


@pytest.fixture
def kpi_world(world: World) -> World:
    write_kpi_month(world)
    return world


def _shown(world: World, who: str, level: str = "branch") -> dict[str, tuple[int, int]]:
    found = rankings(world.engine, world.settings, world.who(who), level=level)
    return {r.staff_id: (r.ranks[level], g.size) for g in found.groups for r in g.rows}


def test_each_user_sees_the_ranks_of_the_staff_in_their_scope(kpi_world: World) -> None:
    assert _shown(kpi_world, "hq") == {"S2": (1, 3), "S3": (2, 3), "S1": (3, 3), "S4": (1, 1)}
    assert _shown(kpi_world, "broker") == {"S1": (3, 3)}  # own row, ranked in the whole branch
    assert _shown(kpi_world, "broker", "unit") == {"S1": (2, 2)}
    assert _shown(kpi_world, "branch") == {"S2": (1, 3), "S3": (2, 3), "S1": (3, 3)}
    assert _shown(kpi_world, "region2") == {"S4": (1, 1)}
    assert _shown(kpi_world, "lead") == {"S1": (3, 3), "S2": (1, 3)}
    with pytest.raises(Forbidden):
        rankings(kpi_world.engine, kpi_world.settings, kpi_world.who("admin"))
    with kpi_world.engine.connect() as connection:
        views = connection.execute(
            sa.select(sa.func.count()).where(audit_log.c.action == "kpi_view")
        ).scalar()
    assert views == 6


def test_a_staff_member_outside_scope_is_not_found(kpi_world: World) -> None:
    own = staff_kpi(kpi_world.engine, kpi_world.settings, kpi_world.who("broker"), "S1")
    assert own.row is not None and own.row.total == Decimal("44.00")
    assert [m.metric for m in own.row.metrics] == ["net_commission", "new_customers"]
    assert [(p.month, p.total, p.scheme_version) for p in own.history] == [
        (MONTH, Decimal("44.00"), "1")
    ]
    with pytest.raises(NotFound):
        staff_kpi(kpi_world.engine, kpi_world.settings, kpi_world.who("broker"), "S2")
    with pytest.raises(NotFound):
        staff_kpi(kpi_world.engine, kpi_world.settings, kpi_world.who("branch"), "S4")


def _drill(world: World, who: str, staff_id: str) -> tuple[list[str], int]:
    found = metric_customers(
        world.engine, world.settings, world.who(who), staff_id, "net_commission"
    )
    return [r.customer_id for r in found.rows], found.hidden


def test_the_customers_behind_a_metric_are_scoped_and_audited(kpi_world: World) -> None:
    found = metric_customers(
        kpi_world.engine, kpi_world.settings, kpi_world.who("broker"), "S1", "net_commission"
    )
    assert found.value == Decimal(400) and found.customers == 2
    assert [(r.customer_id, r.credited) for r in found.rows] == [("C002", Decimal(300))]
    assert found.hidden == 1  # C006 is in branch B2
    assert _drill(kpi_world, "branch", "S1") == (["C002"], 1)
    assert _drill(kpi_world, "region", "S1") == (["C002", "C006"], 0)
    assert _drill(kpi_world, "lead", "L1") == (["C003", "C002"], 1)  # the team's customers
    with pytest.raises(NotFound):
        _drill(kpi_world, "broker", "S2")
    with kpi_world.engine.connect() as connection:
        audited = connection.execute(
            sa.select(audit_log.c.username, audit_log.c.customer_ids)
            .where(audit_log.c.action == "kpi_drill")
            .order_by(audit_log.c.audit_id)
        ).all()
    assert [tuple(a) for a in audited] == [
        ("broker", "C002"),
        ("branch", "C002"),
        ("region", "C002,C006"),
        ("lead", "C003,C002"),
    ]


def _second_hq(world: World) -> Principal:
    with world.engine.begin() as connection:
        user_id = connection.execute(
            users.insert()
            .values(
                username="hq2",
                display_name="Hq2",
                role=str(Role.HQ_MARKETING),
                permissions=[],
                password_hash="x",
                active=True,
                failed_logins=0,
                must_change_password=False,
                created_at=dt.datetime.now(dt.UTC),
                language="zh",
            )
            .returning(users.c.user_id)
        ).scalar_one()
    return Principal(
        user_id=int(user_id),
        username="hq2",
        display_name="Hq2",
        role=Role.HQ_MARKETING,
        staff_id=None,
        unit_id=None,
    )


def test_a_scheme_change_is_previewed_then_applied_by_another_hq_user(kpi_world: World) -> None:
    db, settings, hq = kpi_world.engine, kpi_world.settings, kpi_world.who("hq")
    edited = SCHEME.replace("weight: 60", "weight: 20").replace("weight: 40", "weight: 80")
    preview = preview_scheme_change(db, settings, hq, edited, "edited.yaml")
    moves = {m.staff_id: (m.old_rank, m.new_rank, m.new_total) for m in preview.moves}
    assert moves["S1"] == (3, 2, Decimal("48.00"))
    assert moves["S3"] == (2, 3, Decimal("20.00"))
    assert moves["S2"] == (1, 1, Decimal("98.00"))
    assert (preview.moved, preview.up, preview.down) == (2, 1, 1)
    assert preview.changed_positions == ["broker"] and preview.based_on == "1"
    assert [m.staff_id for m in preview.moves][:2] in (["S1", "S3"], ["S3", "S1"])
    with pytest.raises(Forbidden):
        preview_scheme_change(db, settings, kpi_world.who("branch"), edited)
    asked = request_scheme_change(db, settings, hq, edited, "edited.yaml", "more weight on new")
    assert active_version(settings) == "1"  # nothing changes until approved
    with pytest.raises(Forbidden):
        approve(db, settings, hq, asked.request_id)
    done = approve(db, settings, _second_hq(kpi_world), asked.request_id)
    assert done.status == "approved", done.effect
    assert active_version(settings) == "2"
    assert load_active(settings).schemes[0].metrics[0].weight == 20
    with db.connect() as connection:
        applied = connection.execute(
            sa.select(audit_log.c.username).where(audit_log.c.action == "kpi_scheme_apply")
        ).all()
    assert [a.username for a in applied] == ["hq2"]
