"""Which customers a principal may see: the one place scope is decided.

`_decide` is the rule itself (role -> all, none, a branch, a region, or the customers an active
relationship ties to some staff). It is rendered two ways:
- `customer_scope`: a SQLAlchemy boolean over the store's profile table; relationships and staff
  are read in the same statement, so a reassignment counts at once;
- `scope_rule` + `duckdb_scope`: the rule resolved on a store connection (customer ids read there
  and then, so a reassignment counts at once too) and rendered as a DuckDB predicate with bound
  parameters, for the columnar copy of the profile.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Literal

import sqlalchemy as sa
from sqlalchemy.sql.elements import ColumnElement

from brokerlens.access.principal import ALL_CUSTOMER_ROLES, Principal, Role
from brokerlens.access.snapshot import Snapshot
from brokerlens.store.schema import relationships, staff

ScopeKind = Literal["all", "none", "branch", "region", "customers"]


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


@dataclass(frozen=True)
class ScopeRule:
    """A principal's scope resolved: `unit_id` for branch/region, `customer_ids` for customers."""

    kind: ScopeKind
    unit_id: str | None = None
    customer_ids: frozenset[str] = frozenset()


@dataclass(frozen=True)
class _Decision:
    kind: ScopeKind
    unit_id: str | None = None
    served: sa.Select[tuple[str]] | None = None  # kind customers: the ids, as a query


def _decide(principal: Principal, day: dt.date) -> _Decision:
    role = principal.role
    if role in ALL_CUSTOMER_ROLES:
        return _Decision("all")
    if role in (Role.BROKER, Role.ADVISOR):
        if not principal.staff_id:
            return _Decision("none")
        return _Decision("customers", served=served_by(principal.staff_id, day))
    if role is Role.TEAM_LEAD:
        if not principal.staff_id:
            return _Decision("none")
        return _Decision("customers", served=served_by(team_staff(principal.staff_id), day))
    if role is Role.BRANCH_MANAGER and principal.unit_id:
        return _Decision("branch", unit_id=principal.unit_id)
    if role is Role.REGION_MANAGER and principal.unit_id:
        return _Decision("region", unit_id=principal.unit_id)
    return _Decision("none")  # admin, and a manager without a unit: no customers


def customer_scope(
    principal: Principal, snapshot: Snapshot, today: dt.date | None = None
) -> ColumnElement[bool]:
    """A boolean over `snapshot.table`: true for the customers `principal` may see.

    Relationships count as of `today`, by default the snapshot's as-of date."""
    table = snapshot.table
    decision = _decide(principal, today or snapshot.as_of_date)
    if decision.kind == "all":
        return sa.true()
    if decision.kind == "customers" and decision.served is not None:
        return table.c.customer_id.in_(decision.served)
    if decision.kind == "branch":
        return table.c.branch_id == decision.unit_id
    if decision.kind == "region":
        return table.c.region_id == decision.unit_id
    return sa.false()


def scope_rule(
    principal: Principal,
    snapshot: Snapshot,
    connection: sa.Connection,
    today: dt.date | None = None,
) -> ScopeRule:
    """The principal's scope resolved on `connection` (staff roles: their customer ids now)."""
    decision = _decide(principal, today or snapshot.as_of_date)
    if decision.kind == "customers" and decision.served is not None:
        ids = connection.execute(decision.served).scalars()
        return ScopeRule("customers", customer_ids=frozenset(str(i) for i in ids))
    return ScopeRule(decision.kind, unit_id=decision.unit_id)


def duckdb_ids_in(column: str, ids: frozenset[str] | list[str]) -> tuple[str, list[Any]]:
    """`column IN` a list bound as one parameter (any number of ids, one prepared statement)."""
    return f"{column} IN (SELECT unnest(?::VARCHAR[]))", [sorted(ids)]


def duckdb_scope(rule: ScopeRule) -> tuple[str, list[Any]]:
    """The rule as a DuckDB predicate over the profile's columns, and its parameters."""
    if rule.kind == "all":
        return "TRUE", []
    if rule.kind == "branch":
        return "branch_id = ?", [rule.unit_id]
    if rule.kind == "region":
        return "region_id = ?", [rule.unit_id]
    if rule.kind == "customers" and rule.customer_ids:
        return duckdb_ids_in("customer_id", rule.customer_ids)
    return "FALSE", []
