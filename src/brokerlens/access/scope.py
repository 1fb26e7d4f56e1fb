"""Which customers a principal may see: the one place scope is decided.

`_decide` is the rule itself (role -> all, none, a branch, a region, or the customers an active
relationship ties to some staff); `scope_clause` is its one predicate, a SQLAlchemy boolean over
the profile's columns. The store runs it as it is (relationships and staff read in the same
statement, so a reassignment counts at once); for the columnar copy of the profile the staff
roles' customer ids are read on the store connection of the same call and bound, and the same
expression is rendered for DuckDB (`render.duckdb_sql`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal

import sqlalchemy as sa
from sqlalchemy.sql.elements import ColumnElement

from brokerlens.access.render import ids_in
from brokerlens.access.snapshot import Snapshot
from brokerlens.auth.principal import ALL_CUSTOMER_ROLES, Principal, Role
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


def scope_clause(
    principal: Principal,
    table: sa.TableClause,
    day: dt.date,
    *,
    resolve_on: sa.Connection | None = None,
) -> ColumnElement[bool]:
    """The one scope predicate: a boolean over `table` (the profile, or any file with its
    customer_id, branch_id and region_id), true for the customers `principal` may see.

    Staff roles' customers are a subquery over relationships (the store reads it in the same
    statement), or with `resolve_on` the ids read on that store connection now (for DuckDB over
    a served file, which cannot reach the store). Either way a reassignment counts at once."""
    decision = _decide(principal, day)
    if decision.kind == "all":
        return sa.true()
    if decision.kind == "customers" and decision.served is not None:
        return customers_in(table, decision.served, resolve_on)
    if decision.kind == "branch":
        return table.c.branch_id == decision.unit_id
    if decision.kind == "region":
        return table.c.region_id == decision.unit_id
    return sa.false()


@dataclass(frozen=True)
class ScopeRule:
    """A principal's scope on a day taken apart, for evaluating many owners' scopes at once
    (the groups' refresh): `key` equal for equal scopes; `served` (staff roles) the customer
    ids as a store query; else `clause`, a predicate over the table's own columns (true for
    all customers, false for none, branch_id / region_id for a manager)."""

    key: tuple[str, ...]
    clause: ColumnElement[bool] | None
    served: sa.Select[tuple[str]] | None


def scope_rule(principal: Principal, table: sa.TableClause, day: dt.date) -> ScopeRule:
    """`scope_clause` taken apart (`ScopeRule`): the same decision, the same predicate."""
    decision = _decide(principal, day)
    if decision.kind == "customers" and decision.served is not None:
        who = "team" if principal.role is Role.TEAM_LEAD else "staff"
        return ScopeRule((who, str(principal.staff_id)), None, decision.served)
    key: tuple[str, ...] = (decision.kind, decision.unit_id or "")
    return ScopeRule(key, scope_clause(principal, table, day), None)


def customers_in(
    table: sa.TableClause, served: sa.Select[tuple[str]], resolve_on: sa.Connection | None
) -> ColumnElement[bool]:
    """`table.customer_id` among the customer ids of `served`: a subquery, or (with
    `resolve_on`) the ids read on that connection and bound."""
    if resolve_on is None:
        return table.c.customer_id.in_(served)
    return ids_in(table.c.customer_id, [str(i) for i in resolve_on.execute(served).scalars()])


def customer_scope(
    principal: Principal, snapshot: Snapshot, today: dt.date | None = None
) -> ColumnElement[bool]:
    """`scope_clause` over the snapshot's profile table, for the store.

    Relationships count as of `today`, by default the snapshot's as-of date."""
    return scope_clause(principal, snapshot.table, today or snapshot.as_of_date)
