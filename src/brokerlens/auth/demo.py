"""Demo users: one per role, anchored on the organisation `brokerlens run` published."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Connection, Engine

from brokerlens.auth.passwords import hash_password, verify_password
from brokerlens.auth.principal import ROLE_NAMES_ZH, Role
from brokerlens.auth.users import add_user
from brokerlens.errors import NotFound
from brokerlens.store.schema import org_units, relationships, serving, snapshots, staff, users

# Shared by every demo user; meets the policy and contains no demo username.
DEMO_PASSWORD = "Brokerlens-2025"


@dataclass(frozen=True)
class DemoUser:
    username: str
    password: str | None  # None: the user changed it since (re-run with reset to restore)
    role: Role
    who: str


@dataclass(frozen=True)
class _Plan:
    role: Role
    display_name: str
    who: str
    staff_id: str | None = None
    unit_id: str | None = None


def _as_of(connection: Connection) -> dt.date:
    """The served snapshot's date: relationships are active as of it."""
    day = connection.execute(
        sa.select(snapshots.c.as_of_date).join(
            serving, serving.c.snapshot_id == snapshots.c.snapshot_id
        )
    ).scalar()
    return day if day is not None else dt.date.today()


def _busiest(connection: Connection, position: str, as_of: dt.date) -> Any:
    """The staff member of a position with the most customers in active relationships."""
    active = sa.and_(
        relationships.c.start_date <= as_of,
        sa.or_(relationships.c.end_date.is_(None), relationships.c.end_date > as_of),
    )
    customers = sa.func.count(sa.distinct(relationships.c.customer_id))
    return connection.execute(
        sa.select(staff.c.staff_id, staff.c.name, staff.c.unit_id, customers.label("customers"))
        .join(relationships, relationships.c.staff_id == staff.c.staff_id)
        .where(staff.c.position == position, active)
        .group_by(staff.c.staff_id, staff.c.name, staff.c.unit_id)
        .order_by(customers.desc(), staff.c.staff_id)
        .limit(1)
    ).first()


def _unit(connection: Connection, unit_id: str | None) -> Any:
    if unit_id is None:
        return None
    return connection.execute(sa.select(org_units).where(org_units.c.unit_id == unit_id)).first()


def _plans(connection: Connection) -> list[_Plan]:
    as_of = _as_of(connection)
    broker = _busiest(connection, "broker", as_of)
    advisor = _busiest(connection, "advisor", as_of)
    if broker is None or advisor is None:
        raise NotFound(
            "no published broker and advisor with customers to anchor the demo users on",
            hint="run `brokerlens run` (it publishes the organisation) first",
        )
    team = _unit(connection, broker.unit_id)
    # A broker sits in a team under a branch; tolerate one placed in the branch itself.
    branch = team if team is not None and team.unit_type == "branch" else None
    if branch is None and team is not None:
        branch = _unit(connection, team.parent_id)
    region = _unit(connection, branch.parent_id) if branch is not None else None
    lead = connection.execute(
        sa.select(staff.c.staff_id, staff.c.name)
        .where(staff.c.unit_id == broker.unit_id, staff.c.position == "team_lead")
        .order_by(staff.c.staff_id)
        .limit(1)
    ).first()
    if branch is None or region is None or lead is None:
        raise NotFound(
            f"the published organisation has no team lead, branch and region above broker "
            f"{broker.staff_id}",
            hint="publish a complete organisation with `brokerlens run`",
        )
    team_name = team.name if team is not None else broker.unit_id
    return [
        _Plan(
            Role.BROKER,
            broker.name,
            f"{broker.name} {broker.staff_id}, {team_name}, {broker.customers} customers",
            staff_id=broker.staff_id,
        ),
        _Plan(
            Role.ADVISOR,
            advisor.name,
            f"{advisor.name} {advisor.staff_id}, {advisor.customers} customers",
            staff_id=advisor.staff_id,
        ),
        _Plan(
            Role.TEAM_LEAD,
            lead.name,
            f"{lead.name} {lead.staff_id}, lead of {team_name}",
            staff_id=lead.staff_id,
        ),
        _Plan(
            Role.BRANCH_MANAGER,
            f"{branch.name}经理",
            f"{branch.name} {branch.unit_id}",
            unit_id=branch.unit_id,
        ),
        _Plan(
            Role.REGION_MANAGER,
            f"{region.name}负责人",
            f"{region.name} {region.unit_id}",
            unit_id=region.unit_id,
        ),
        _Plan(Role.HQ_MARKETING, "总部营销（演示）", "head office marketing: every customer"),
        _Plan(Role.COMPLIANCE, "合规（演示）", "compliance: every customer, the audit log"),
        _Plan(Role.CALL_CENTER, "客服回访（演示）", "call centre: call-backs and complaints"),
        _Plan(Role.ADMIN, "系统管理员（演示）", "administrator: users, no customer data"),
    ]


def demo_username(role: Role) -> str:
    return f"demo_{role.value}"


def create_demo_users(
    db: Engine,
    *,
    password: str = DEMO_PASSWORD,
    reset: bool = False,
    now: dt.datetime | None = None,
) -> list[DemoUser]:
    """One demo user per role. Existing demo users are kept as they are unless `reset`, which
    re-anchors them on the current organisation and restores the shared password."""
    with db.connect() as connection:
        plans = _plans(connection)
        existing = {
            row.username: row
            for row in connection.execute(
                sa.select(users).where(users.c.username.in_([demo_username(r) for r in Role]))
            )
        }
    out = []
    for plan in plans:
        username = demo_username(plan.role)
        row = existing.get(username)
        known: str | None = password
        if row is None:
            add_user(
                db,
                username=username,
                display_name=plan.display_name,
                role=plan.role,
                password=password,
                staff_id=plan.staff_id,
                unit_id=plan.unit_id,
                now=now,
            )
        elif reset:
            with db.begin() as connection:
                connection.execute(
                    sa.update(users)
                    .where(users.c.user_id == row.user_id)
                    .values(
                        display_name=plan.display_name,
                        role=plan.role.value,
                        staff_id=plan.staff_id,
                        unit_id=plan.unit_id,
                        password_hash=hash_password(password),
                        active=True,
                        failed_logins=0,
                        locked_until=None,
                        must_change_password=False,
                    )
                )
        elif not verify_password(row.password_hash, password):
            known = None
        who = plan.who if row is None or reset else _who_of(row, plan)
        out.append(DemoUser(username, known, plan.role, f"{ROLE_NAMES_ZH[plan.role]}: {who}"))
    return out


def _who_of(row: Any, plan: _Plan) -> str:
    # A kept user may be anchored elsewhere than today's plan; describe what it holds.
    if row.staff_id == plan.staff_id and row.unit_id == plan.unit_id:
        return plan.who
    anchor = row.staff_id or row.unit_id
    return f"{row.display_name} {anchor}" if anchor else plan.who
