"""Which customers a principal may see: the one place scope is decided.

Every customer-facing function in `brokerlens.access` puts `customer_scope` in its WHERE clause.
The rule reads relationships and staff in the same statement, so a reassignment counts at once.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.sql.elements import ColumnElement

from brokerlens.access.principal import ALL_CUSTOMER_ROLES, Principal, Role
from brokerlens.access.snapshot import Snapshot
from brokerlens.store.schema import relationships, staff


def active_on(day: dt.date) -> ColumnElement[bool]:
    """Relationships in force on `day` (start inclusive, end exclusive, no end = open)."""
    return sa.and_(
        relationships.c.start_date <= day,
        sa.or_(relationships.c.end_date.is_(None), relationships.c.end_date > day),
    )


def team_staff(lead_staff_id: str) -> sa.Select[tuple[str]]:
    """Staff of the unit the team lead belongs to (the lead included)."""
    lead_unit = (
        sa.select(staff.c.unit_id).where(staff.c.staff_id == lead_staff_id).scalar_subquery()
    )
    return sa.select(staff.c.staff_id).where(staff.c.unit_id == lead_unit)


def unit_staff(unit_id: str) -> sa.Select[tuple[str]]:
    return sa.select(staff.c.staff_id).where(staff.c.unit_id == unit_id)


def served_by(staff_ids: sa.Select[tuple[str]] | str, day: dt.date) -> sa.Select[tuple[str]]:
    """Customer ids in an active relationship with the staff member (or any of the staff)."""
    who = (
        relationships.c.staff_id == staff_ids
        if isinstance(staff_ids, str)
        else relationships.c.staff_id.in_(staff_ids)
    )
    return sa.select(relationships.c.customer_id).where(who, active_on(day))


def customer_scope(
    principal: Principal, snapshot: Snapshot, today: dt.date | None = None
) -> ColumnElement[bool]:
    """A boolean over `snapshot.table`: true for the customers `principal` may see.

    Relationships count as of `today`, by default the snapshot's as-of date."""
    table = snapshot.table
    day = today or snapshot.as_of_date
    role = principal.role
    if role in ALL_CUSTOMER_ROLES:
        return sa.true()
    if role in (Role.BROKER, Role.ADVISOR):
        if not principal.staff_id:
            return sa.false()
        return table.c.customer_id.in_(served_by(principal.staff_id, day))
    if role is Role.TEAM_LEAD:
        if not principal.staff_id:
            return sa.false()
        return table.c.customer_id.in_(served_by(team_staff(principal.staff_id), day))
    if role is Role.BRANCH_MANAGER and principal.unit_id:
        return table.c.branch_id == principal.unit_id
    if role is Role.REGION_MANAGER and principal.unit_id:
        return table.c.region_id == principal.unit_id
    return sa.false()  # admin, and a manager without a unit: no customers
