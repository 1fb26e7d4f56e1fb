"""The annual complaint summary (投诉年度汇总, due by the end of April of the next year): for the
complaints opened in a year, by category and branch, how many opened, closed by the year's end,
closed within their SLA, mean days to close, mean satisfaction and escalated; with totals by
category, by branch and overall. One grouped query on the store (the sums, so the totals'
means are exact), in the principal's scope; it needs the `complaints` permission and is audited
(`view_complaint_summary`, `export` when written out).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, fields
from typing import Any

import sqlalchemy as sa

from brokerlens.access.audit import audit_read, record_audit
from brokerlens.access.complaints import ComplaintRejected, require_handler, scoped_source
from brokerlens.access.exports import Exported, RowSink
from brokerlens.access.snapshot import served_snapshot_on
from brokerlens.auth.principal import Principal
from brokerlens.store.compliance_schema import complaints

FIRST_YEAR, LAST_YEAR = 2000, 2100


@dataclass(frozen=True)
class SummaryRow:
    category: str | None  # None: every category (a total)
    branch_id: str | None  # None: every branch (a total); also a complaint with no branch
    opened: int
    closed: int  # by 31 December of the year
    within_sla: int  # closed on or before the SLA due date
    escalated: int
    days_to_close: int  # summed over the closed ones
    satisfaction_sum: int
    satisfaction_n: int

    @property
    def still_open(self) -> int:
        return self.opened - self.closed

    @property
    def within_sla_pct(self) -> float | None:
        return None if not self.closed else round(100.0 * self.within_sla / self.closed, 1)

    @property
    def mean_days_to_close(self) -> float | None:
        return None if not self.closed else round(self.days_to_close / self.closed, 1)

    @property
    def mean_satisfaction(self) -> float | None:
        n = self.satisfaction_n
        return None if not n else round(self.satisfaction_sum / n, 2)

    def plus(self, other: SummaryRow) -> SummaryRow:
        sums = {
            f.name: getattr(self, f.name) + getattr(other, f.name)
            for f in fields(self)
            if f.name not in ("category", "branch_id")
        }
        return SummaryRow(
            category=self.category if self.category == other.category else None,
            branch_id=self.branch_id if self.branch_id == other.branch_id else None,
            **sums,
        )


@dataclass(frozen=True)
class ComplaintSummary:
    year: int
    due: dt.date  # the summary is due to the regulator by the end of April of the next year
    through: dt.date  # closings counted through this day (31 December of the year)
    rows: list[SummaryRow]  # by category and branch
    by_category: list[SummaryRow]
    by_branch: list[SummaryRow]
    total: SummaryRow


def summary_due(year: int) -> dt.date:
    return dt.date(year + 1, 4, 30)


def _year(year: Any) -> int:
    try:
        value = int(year)
    except (TypeError, ValueError):
        raise ComplaintRejected("year", f"{str(year)[:10]!r} is not a year") from None
    if not FIRST_YEAR <= value <= LAST_YEAR:
        raise ComplaintRejected("year", f"{value} is not within {FIRST_YEAR}..{LAST_YEAR}")
    return value


def _days(dialect: str, later: Any, earlier: Any) -> Any:
    """Whole days between two dates: SQLite keeps dates as ISO text, PostgreSQL subtracts."""
    if dialect == "sqlite":
        return sa.func.julianday(later) - sa.func.julianday(earlier)
    return later - earlier


def _blank_total(category: str | None = None, branch_id: str | None = None) -> SummaryRow:
    return SummaryRow(category, branch_id, 0, 0, 0, 0, 0, 0, 0)


def _totals(rows: Iterable[SummaryRow], key: str) -> list[SummaryRow]:
    out: dict[Any, SummaryRow] = {}
    for row in rows:
        k = getattr(row, key)
        out[k] = out.get(k, _blank_total(**{key: k})).plus(row)
    return [out[k] for k in sorted(out, key=lambda v: (v is None, v or ""))]


def complaint_summary(db: sa.Engine, principal: Principal, year: int | str) -> ComplaintSummary:
    """The summary of the complaints opened in `year` in the principal's scope; audited
    `view_complaint_summary`."""
    require_handler(principal, "the annual summary of")
    summary = _summary(db, principal, _year(year))
    audit_read(db, principal, "view_complaint_summary", [], {"year": summary.year})
    return summary


def _summary(db: sa.Engine, principal: Principal, year: int) -> ComplaintSummary:
    first, through = dt.date(year, 1, 1), dt.date(year, 12, 31)
    c = complaints.c
    closed = sa.and_(c.closed.is_not(None), c.closed <= through)

    def count_if(*conditions: Any) -> Any:
        return sa.func.sum(sa.case((sa.and_(*conditions), 1), else_=0))

    with db.connect() as connection:
        snapshot = served_snapshot_on(connection)
        source, scope = scoped_source(principal, snapshot)
        days = _days(db.dialect.name, c.closed, c.opened)
        found = connection.execute(
            sa.select(
                c.category,
                c.branch_id,
                sa.func.count(),
                count_if(closed),
                count_if(closed, c.closed <= c.sla_due),
                count_if(c.escalation > 0),
                sa.func.sum(sa.case((closed, days), else_=0)),
                sa.func.sum(sa.case((c.satisfaction.is_not(None), c.satisfaction), else_=0)),
                count_if(c.satisfaction.is_not(None)),
            )
            .select_from(source)
            .where(scope, c.opened >= first, c.opened <= through)
            .group_by(c.category, c.branch_id)
            .order_by(c.category, c.branch_id)
        ).all()
    rows = [
        SummaryRow(category, branch, *(round(float(v or 0)) for v in values))
        for category, branch, *values in found
    ]
    total = _blank_total()
    for row in rows:
        total = total.plus(row)
    return ComplaintSummary(
        year=year,
        due=summary_due(year),
        through=through,
        rows=rows,
        by_category=_totals(rows, "category"),
        by_branch=_totals(rows, "branch_id"),
        total=total,
    )


EXPORT_COLUMNS = (
    "category",
    "branch_id",
    "opened",
    "closed",
    "still_open",
    "within_sla",
    "within_sla_pct",
    "mean_days_to_close",
    "mean_satisfaction",
    "escalated",
)


def write_summary(db: sa.Engine, principal: Principal, year: int | str, sink: RowSink) -> Exported:
    """The summary's rows by category and branch, then the totals by category (branch blank)
    and the total, into `sink`; audited `export` (kind complaint_summary)."""
    require_handler(principal, "exporting the annual summary of")
    summary = _summary(db, principal, _year(year))
    sink.columns(EXPORT_COLUMNS)
    written = [*summary.rows, *summary.by_category, summary.total]
    for row in written:
        sink.row([getattr(row, name) for name in EXPORT_COLUMNS])
    with db.begin() as connection:
        record_audit(
            connection,
            principal,
            "export",
            [],
            {"kind": "complaint_summary", "year": summary.year, "count": len(written)},
        )
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%d%H%M%S")
    return Exported(f"complaint_summary_{summary.year}_{stamp}", len(written))
