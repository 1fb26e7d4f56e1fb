"""Completion of the work lists by broker (issue 17 section 1), for team leads, branch and region
managers and head office: per broker in the reader's reach, of T's budget items how many were
done, snoozed, dismissed or are still open, and the completion rate (done / budget).

Counts only: no customer leaves here, so the read is audited `view_worklist_completion`
without customer ids. A broker or advisor is refused (403): they see their own list.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import duckdb
import sqlalchemy as sa

from brokerlens.access.audit import audit_read
from brokerlens.access.render import duckdb_where
from brokerlens.access.snapshot import served_snapshot_on
from brokerlens.access.worklist import file_cursor, list_date, staff_scope
from brokerlens.auth.principal import Principal, Role
from brokerlens.config import Settings
from brokerlens.errors import Forbidden, LakeError
from brokerlens.store.marketing_schema import work_item_states
from brokerlens.store.schema import staff
from brokerlens.warehouse.served import kept_dates, kept_file, parquet_source

_FILE = sa.table("w", sa.column("staff_id"))
_CHUNK = 1000


@dataclass(frozen=True)
class BrokerCompletion:
    staff_id: str
    name: str | None
    unit_id: str | None
    budget: int  # in-budget items on T
    done: int
    snoozed: int
    dismissed: int
    open: int
    done_beyond: int  # items done from the full inbox, beyond the budget
    inbox: int  # every item of the broker on T

    @property
    def rate(self) -> float | None:
        """done / budget (None without a budget)."""
        return self.done / self.budget if self.budget else None


@dataclass(frozen=True)
class Completion:
    as_of_date: dt.date
    available: bool
    rows: list[BrokerCompletion]
    totals: dict[str, int] = field(default_factory=dict)
    dates: list[dt.date] = field(default_factory=list)

    @property
    def rate(self) -> float | None:
        budget = self.totals.get("budget", 0)
        return self.totals.get("done", 0) / budget if budget else None


def _refuse(principal: Principal) -> None:
    if principal.role in (Role.BROKER, Role.ADVISOR, Role.ADMIN):
        raise Forbidden(
            "团队完成情况仅限团队长、营业部/分公司负责人和总部 / completion by broker is for team "
            "leads, managers and head office",
            hint="your own list is on the home page",
        )


def _staff(connection: sa.Connection, principal: Principal) -> dict[str, tuple[str, str]] | None:
    """staff id -> (name, unit) of the brokers in reach; None: everyone (head office)."""
    scope = staff_scope(connection, principal)
    if scope is None:
        return None
    rows = connection.execute(
        sa.select(staff.c.staff_id, staff.c.name, staff.c.unit_id).where(
            staff.c.staff_id.in_(scope)
        )
    )
    return {str(r.staff_id): (str(r.name), str(r.unit_id)) for r in rows}


def _pairs(
    cursor: duckdb.DuckDBPyConnection, source: str, reach: list[str] | None
) -> list[tuple[str, str, bool]]:
    """(staff, customer, in budget) of the file's rows for the brokers in reach."""
    where = duckdb_where([_FILE.c.staff_id.in_(reach)] if reach is not None else [])
    try:
        return [
            (str(s), str(c), bool(b))
            for s, c, b in cursor.execute(
                f"SELECT staff_id, customer_id, in_budget FROM {source} WHERE {where.sql}",
                where.params,
            ).fetchall()
        ]
    except duckdb.Error as exc:
        raise LakeError(f"the work lists could not be read: {exc}") from None


def _states(
    connection: sa.Connection, day: dt.date, reach: list[str] | None
) -> dict[tuple[str, str], str]:
    """(staff, customer) -> the latest status set on the lists of `day`."""
    t = work_item_states.c
    out: dict[tuple[str, str], str] = {}
    chunks: list[list[str] | None] = (
        [None] if reach is None else [reach[i : i + _CHUNK] for i in range(0, len(reach), _CHUNK)]
    )
    for part in chunks:
        where: list[Any] = [t.as_of_date == day]
        if part is not None:
            where.append(t.staff_id.in_(part))
        rows = connection.execute(
            sa.select(t.staff_id, t.customer_id, t.status).where(*where).order_by(t.state_id)
        )
        for staff_id, customer_id, status in rows:
            out[(str(staff_id), str(customer_id))] = str(status)
    return out


def completion(
    db: sa.Engine, settings: Settings, principal: Principal, as_of: dt.date | None = None
) -> Completion:
    """Per broker in reach with a list on T (default: the served date): budget, done, snoozed,
    dismissed, open, done beyond the budget; audited `view_worklist_completion`."""
    _refuse(principal)
    with db.connect() as connection:
        snapshot = served_snapshot_on(connection)
        day = list_date(snapshot, as_of)
        people = _staff(connection, principal)
        path = kept_file(settings, "worklist", day)
        pairs: list[tuple[str, str, bool]] = []
        if path is not None:
            reach = sorted(people) if people is not None else None
            cursor = file_cursor()
            try:
                pairs = _pairs(cursor, parquet_source(path), reach)
            finally:
                cursor.close()
        brokers = sorted({s for s, _, _ in pairs})
        states = _states(connection, day, brokers if people is not None else None)
        if people is None:
            names = connection.execute(
                sa.select(staff.c.staff_id, staff.c.name, staff.c.unit_id)
            ).all()
            people = {str(r.staff_id): (str(r.name), str(r.unit_id)) for r in names}
    counts: dict[str, dict[str, int]] = {}
    for staff_id, customer_id, in_budget in pairs:
        row = counts.setdefault(staff_id, dict.fromkeys(_KEYS, 0))
        status = states.get((staff_id, customer_id), "open")
        row["inbox"] += 1
        if in_budget:
            row["budget"] += 1
            row[status] += 1
        elif status == "done":
            row["done_beyond"] += 1
    rows = [
        BrokerCompletion(
            staff_id=s,
            name=(people.get(s) or (None, None))[0],
            unit_id=(people.get(s) or (None, None))[1],
            **counts[s],
        )
        for s in brokers
    ]
    rows.sort(key=lambda r: (r.rate if r.rate is not None else 2.0, r.staff_id))
    totals = {k: sum(c[k] for c in counts.values()) for k in _KEYS}
    found = Completion(day, path is not None, rows, totals, kept_dates(settings, "worklist"))
    detail = {"as_of": day.isoformat(), "brokers": len(rows), **totals}
    audit_read(db, principal, "view_worklist_completion", [], detail)
    return found


_KEYS = ("budget", "done", "snoozed", "dismissed", "open", "done_beyond", "inbox")
