"""The home page's numbers for a principal: customers by tier and service level, assets, the
assets trend and what changed since the previous snapshot, all within scope."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from brokerlens.access import columnar
from brokerlens.access.audit import audit_read
from brokerlens.access.render import duckdb_where
from brokerlens.access.scope import customer_scope, scope_clause, team_staff
from brokerlens.access.snapshot import Snapshot, served_snapshot_on
from brokerlens.auth.principal import ALL_CUSTOMER_ROLES, Principal, Role
from brokerlens.store.schema import org_units, profile_changes, scope_daily

TREND_DATES = 60
CHANGE_EXAMPLES = 10
ASSETS = "total_assets_t"


@dataclass(frozen=True)
class HomeSummary:
    as_of_date: dt.date
    snapshot_id: int
    customers: int
    total_assets: float
    by_tier: dict[str, int]
    by_service_level: dict[str, int]
    trend: list[dict[str, Any]] = field(default_factory=list)  # biz_date, customers, total_assets
    changes: dict[str, int] = field(default_factory=dict)  # field -> customers changed
    change_examples: list[dict[str, Any]] = field(default_factory=list)


def _trend_filter(principal: Principal) -> list[Any] | None:
    """scope_daily rows summed for the principal: branch rows for managers and HQ, staff rows
    for brokers, advisors and team leads. None: no trend (admin)."""
    role = principal.role
    if role in ALL_CUSTOMER_ROLES:
        return [scope_daily.c.kind == "branch"]
    if role is Role.BRANCH_MANAGER and principal.unit_id:
        return [scope_daily.c.kind == "branch", scope_daily.c.scope_id == principal.unit_id]
    if role is Role.REGION_MANAGER and principal.unit_id:
        branches = sa.select(org_units.c.unit_id).where(org_units.c.parent_id == principal.unit_id)
        return [scope_daily.c.kind == "branch", scope_daily.c.scope_id.in_(branches)]
    if role in (Role.BROKER, Role.ADVISOR) and principal.staff_id:
        return [scope_daily.c.kind == "staff", scope_daily.c.scope_id == principal.staff_id]
    if role is Role.TEAM_LEAD and principal.staff_id:
        # Summed per staff member: a customer two team members serve counts twice here.
        return [
            scope_daily.c.kind == "staff",
            scope_daily.c.scope_id.in_(team_staff(principal.staff_id)),
        ]
    return None


def _counts(
    connection: sa.Connection, principal: Principal, snapshot: Snapshot, scope: Any
) -> tuple[int, float, dict[str, int], dict[str, int]]:
    table = snapshot.table
    names = [n for n in ("customer_tier", "service_level") if n in table.c]
    path = columnar.columnar_file(snapshot)
    rows: Sequence[Sequence[Any]]
    if path is not None:
        scoped = scope_clause(principal, table, snapshot.as_of_date, resolve_on=connection)
        where = duckdb_where([scoped])
        rows = columnar.grouped_counts(path, where, names, ASSETS if ASSETS in table.c else None)
    else:
        keys = [table.c[n] for n in names]
        assets = sa.func.sum(table.c[ASSETS]) if ASSETS in table.c else sa.literal(0.0)
        rows = connection.execute(
            sa.select(*keys, sa.func.count(), assets).where(scope).group_by(*keys)
        ).all()
    total, money = 0, 0.0
    tiers: dict[str, int] = {}
    levels: dict[str, int] = {}
    for row in rows:
        count, amount = int(row[-2]), float(row[-1] or 0)
        total += count
        money += amount
        for key, value in zip(names, row[: len(names)], strict=True):
            into = tiers if key == "customer_tier" else levels
            label = "" if value is None else str(value)
            into[label] = into.get(label, 0) + count
    return total, money, tiers, levels


def home_summary(db: sa.Engine, principal: Principal) -> HomeSummary:
    """Counts, assets and trend of the principal's scope, and examples of changed customers;
    audited `view_home` with the customers of those examples."""
    found = _summary(db, principal)
    ids = list(dict.fromkeys(str(r["customer_id"]) for r in found.change_examples))
    audit_read(db, principal, "view_home", ids, {"snapshot_id": found.snapshot_id})
    return found


def _summary(db: sa.Engine, principal: Principal) -> HomeSummary:
    with db.connect() as connection:
        snapshot = served_snapshot_on(connection)
        scope = customer_scope(principal, snapshot)
        total, money, tiers, levels = _counts(connection, principal, snapshot, scope)
        trend: list[dict[str, Any]] = []
        where = _trend_filter(principal)
        if where is not None:
            rows = connection.execute(
                sa.select(
                    scope_daily.c.biz_date,
                    sa.func.sum(scope_daily.c.customers),
                    sa.func.sum(scope_daily.c.total_assets),
                )
                .where(*where, scope_daily.c.biz_date <= snapshot.as_of_date)
                .group_by(scope_daily.c.biz_date)
                .order_by(scope_daily.c.biz_date.desc())
                .limit(TREND_DATES)
            ).all()
            trend = [
                {"biz_date": d, "customers": int(c or 0), "total_assets": float(a or 0)}
                for d, c, a in reversed(rows)
            ]
        table = snapshot.table
        # Changes of customers in scope (joined to the profile: scope needs the row).
        joined = profile_changes.join(table, table.c.customer_id == profile_changes.c.customer_id)
        mine = [profile_changes.c.snapshot_id == snapshot.snapshot_id, scope]
        changes = {
            str(f): int(n)
            for f, n in connection.execute(
                sa.select(profile_changes.c.field, sa.func.count())
                .select_from(joined)
                .where(*mine)
                .group_by(profile_changes.c.field)
                .order_by(profile_changes.c.field)
            ).all()
        }
        name = table.c["name"] if "name" in table.c else sa.literal(None)
        examples = [
            dict(r)
            for r in connection.execute(
                sa.select(
                    profile_changes.c.customer_id,
                    name.label("name"),
                    profile_changes.c.field,
                    profile_changes.c.old_value,
                    profile_changes.c.new_value,
                )
                .select_from(joined)
                .where(*mine)
                .order_by(profile_changes.c.field, profile_changes.c.customer_id)
                .limit(CHANGE_EXAMPLES)
            ).mappings()
        ]
    return HomeSummary(
        as_of_date=snapshot.as_of_date,
        snapshot_id=snapshot.snapshot_id,
        customers=total,
        total_assets=money,
        by_tier=tiers,
        by_service_level=levels,
        trend=trend,
        changes=changes,
        change_examples=examples,
    )
