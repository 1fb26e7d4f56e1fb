"""Call-backs by branch and month (回访统计, issue 18 section 1): for the tasks made in a year,
per branch and month made: made, completed, unreachable, still pending, overdue (pending past
their due date) and the completion rate. Counts only: no customer rows leave, so the read is
audited without customer ids."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa

from brokerlens.access.audit import audit_read
from brokerlens.access.callbacks import require_caller, tasks_in_scope, today_of
from brokerlens.access.snapshot import served_snapshot_on
from brokerlens.auth.principal import Principal
from brokerlens.errors import InvalidRequest
from brokerlens.store.compliance_schema import callbacks


@dataclass(frozen=True)
class ReportRow:
    branch_id: str | None  # None in the totals
    month: int  # 1..12; 0 in a branch's or the year's totals
    made: int
    completed: int
    unreachable: int
    pending: int
    overdue: int

    @property
    def rate(self) -> float | None:
        """Completed of those made (None when none were made)."""
        return self.completed / self.made if self.made else None


@dataclass(frozen=True)
class CallbackReport:
    year: int
    today: dt.date
    rows: list[ReportRow]  # by branch, then month
    branches: list[ReportRow]  # each branch's year (month 0)
    total: ReportRow


def _sum(rows: list[ReportRow], branch_id: str | None) -> ReportRow:
    return ReportRow(
        branch_id=branch_id,
        month=0,
        made=sum(r.made for r in rows),
        completed=sum(r.completed for r in rows),
        unreachable=sum(r.unreachable for r in rows),
        pending=sum(r.pending for r in rows),
        overdue=sum(r.overdue for r in rows),
    )


def callback_report(
    db: sa.Engine, principal: Principal, year: int, *, today: dt.date | None = None
) -> CallbackReport:
    """The year's call-back tasks in scope counted by branch and month made; audited
    `view_callback_report`."""
    require_caller(principal)
    if not 2000 <= year <= 2100:
        raise InvalidRequest(f"year: {year} is not a year from 2000 to 2100")
    day = today_of(today)
    c = callbacks.c
    month = sa.extract("month", c.created_on)

    def count(*where: sa.ColumnElement[bool]) -> sa.ColumnElement[int]:
        return sa.func.sum(sa.case((sa.and_(*where), 1), else_=0))

    with db.connect() as connection:
        snapshot = served_snapshot_on(connection)
        found = connection.execute(
            sa.select(
                c.branch_id,
                month.label("month"),
                sa.func.count().label("made"),
                count(c.status == "completed").label("completed"),
                count(c.status == "unreachable").label("unreachable"),
                count(c.status == "pending").label("pending"),
                count(c.status == "pending", c.due_date < day).label("overdue"),
            )
            .where(
                c.created_on >= dt.date(year, 1, 1),
                c.created_on <= dt.date(year, 12, 31),
                tasks_in_scope(principal, snapshot),
            )
            .group_by(c.branch_id, month)
            .order_by(c.branch_id, month)
        ).all()
    rows = [
        ReportRow(
            r.branch_id,
            int(r.month),
            int(r.made),
            int(r.completed or 0),
            int(r.unreachable or 0),
            int(r.pending or 0),
            int(r.overdue or 0),
        )
        for r in found
    ]
    branch_ids = list(dict.fromkeys(r.branch_id for r in rows))
    branches = [_sum([r for r in rows if r.branch_id == b], b) for b in branch_ids]
    audit_read(db, principal, "view_callback_report", [], {"year": str(year)})
    return CallbackReport(year, day, rows, branches, _sum(rows, None))
