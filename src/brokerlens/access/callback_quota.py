"""The year's call-back quota by branch (回访抽样进度): a minimal stand-in on the call-backs
branch for Part A1's `quota_progress` (the integrator keeps A1's): per branch in scope the base
(the served snapshot's customers, dormant ones excepted as the rules say), the quota
ceil(share x base), the year's sample tasks, the customers reached, those given up as
unreachable, what remains and the progress."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

import sqlalchemy as sa

from brokerlens.access.audit import audit_read
from brokerlens.access.callbacks import require_caller
from brokerlens.access.scope import customer_scope
from brokerlens.access.snapshot import served_snapshot_on
from brokerlens.auth.principal import Principal
from brokerlens.compliance.callbacks.config import load_config
from brokerlens.errors import InvalidRequest
from brokerlens.store.compliance_schema import callbacks
from brokerlens.store.schema import org_units


@dataclass(frozen=True)
class QuotaRow:
    branch_id: str
    branch_name: str | None
    base: int
    quota: int
    sampled: int
    reached: int
    unreachable: int
    remaining: int
    pct: float  # reached / quota (1.0 when the quota is 0)


@dataclass(frozen=True)
class QuotaReport:
    year: int
    rows: list[QuotaRow]


def quota_progress(db: sa.Engine, principal: Principal, year: int) -> QuotaReport:
    """Per branch in the principal's scope; audited `view_callback_quota` (counts only)."""
    require_caller(principal)
    if not 2000 <= year <= 2100:
        raise InvalidRequest(f"year: {year} is not a year from 2000 to 2100")
    rule = load_config().annual_sample
    c = callbacks.c
    with db.connect() as connection:
        snapshot = served_snapshot_on(connection)
        table = snapshot.table
        excluded = ["closed", "dormant"] if rule.exclude_dormant else ["closed"]
        bases = connection.execute(
            sa.select(table.c.branch_id, sa.func.count())
            .where(customer_scope(principal, snapshot), table.c.status.not_in(excluded))
            .group_by(table.c.branch_id)
        ).all()
        sample: dict[str | None, tuple[int, int]] = dict(
            (r[0], (int(r[1]), int(r[2] or 0)))
            for r in connection.execute(
                sa.select(
                    c.branch_id,
                    sa.func.count(),
                    sa.func.sum(sa.case((c.status == "unreachable", 1), else_=0)),
                )
                .where(c.kind == "annual_sample", c.source_ref == str(year))
                .group_by(c.branch_id)
            ).all()
        )
        start = dt.datetime(year, 1, 1, tzinfo=dt.UTC)
        end = dt.datetime(year + 1, 1, 1, tzinfo=dt.UTC)
        reached: dict[str | None, int] = dict(
            connection.execute(
                sa.select(c.branch_id, sa.func.count(sa.distinct(c.customer_id)))
                .where(
                    c.status == "completed",
                    c.result == "reached",
                    c.closed_at >= start,
                    c.closed_at < end,
                )
                .group_by(c.branch_id)
            ).all()
        )
        names = dict(connection.execute(sa.select(org_units.c.unit_id, org_units.c.name)).all())
    rows = []
    for branch_id, base in sorted((b, int(n)) for b, n in bases if b is not None):
        quota = math.ceil(rule.share * base - 1e-9)
        got = int(reached.get(branch_id, 0))
        sampled, unreachable = sample.get(branch_id, (0, 0))
        rows.append(
            QuotaRow(
                branch_id=branch_id,
                branch_name=names.get(branch_id),
                base=base,
                quota=quota,
                sampled=sampled,
                reached=got,
                unreachable=unreachable,
                remaining=max(quota - got, 0),
                pct=got / quota if quota else 1.0,
            )
        )
    audit_read(db, principal, "view_callback_quota", [], {"year": str(year)})
    return QuotaReport(year, rows)
