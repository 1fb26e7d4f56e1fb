"""积分负债: points issued, redeemed and outstanding by branch, as of a day (issue 23 section 1;
what a finance team books as a liability).

Every figure is a flow booked at the branch where it happened: an award at the customer's
branch on its day, a redemption, return or adjustment at the customer's branch when it was
made, a lapse at the branch of the lot that lapsed. Per branch:
outstanding = issued + adjusted - redeemed - expired, and over all branches it equals the sum
of the customers' balances. `expired` and `expiring` (within 30 days after the day) replay the
ledger (oldest lots first) for the customers who ever spent points; for everyone else a lot
lapses whole, read from the run's small summaries per day.

Branch and region managers see their units' branches, head office and compliance every branch;
staff roles are refused (the report is by branch). Audited `points_report_view` /
`points_report_export` (aggregates: no customer rows).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

import sqlalchemy as sa

from brokerlens.access.audit import record_audit
from brokerlens.access.exports import Exported, RowSink
from brokerlens.access.org import visible_units
from brokerlens.access.points import (
    EXPIRING_DAYS,
    LedgerEntry,
    award_files,
    credits_and_debits,
    store_entries,
    today_in_beijing,
)
from brokerlens.auth.principal import (
    ALL_CUSTOMER_ROLES,
    UNIT_ROLES,
    Permission,
    Principal,
    customer_reader,
)
from brokerlens.config import Settings
from brokerlens.errors import Forbidden
from brokerlens.points import Credit, settle
from brokerlens.points.read import awards_of, issued_by_branch
from brokerlens.warehouse.served import kept_dates, kept_file

FIGURES = ("issued", "adjusted", "redeemed", "expired", "outstanding", "expiring")


@dataclass
class BranchPoints:
    branch_id: str | None
    issued: int = 0
    adjusted: int = 0  # net of the manual adjustments
    redeemed: int = 0  # redemptions less the returns of cancelled orders
    expired: int = 0
    expiring: int = 0  # lapsing within EXPIRING_DAYS after the day, unless used first

    @property
    def outstanding(self) -> int:
        return self.issued + self.adjusted - self.redeemed - self.expired


@dataclass(frozen=True)
class PointsLiability:
    as_of: dt.date
    rows: list[BranchPoints]  # by branch id
    total: BranchPoints
    whole: bool  # every branch (else the reader's units')


def _reach(connection: sa.Connection, principal: Principal) -> set[str] | None:
    customer_reader(principal)
    if principal.role in ALL_CUSTOMER_ROLES:
        return None
    if principal.role in UNIT_ROLES:
        units, _ = visible_units(connection, principal)
        return units
    raise Forbidden(
        "the points report is by branch: branch and region managers and head office",
        hint="a customer's points are on their 360",
    )


def _naive(credit: Credit, as_of: dt.date, soon: dt.date) -> tuple[int, int]:
    """(lapsed, lapsing) of a lot were none of it used."""
    if credit.expires_on <= as_of:
        return credit.points, 0
    return 0, credit.points if credit.expires_on <= soon else 0


def _replay(
    settings: Settings,
    entries: list[LedgerEntry],
    as_of: dt.date,
    soon: dt.date,
    rows: dict[str | None, BranchPoints],
) -> int:
    """Correct `expired` and `expiring` for the customers who spent points: their lots replayed
    oldest first instead of lapsing whole. Returns how many customers were replayed."""
    spent = sorted({x.customer_id for x in entries if x.points < 0 and not x.cancelled})
    if not spent:
        return 0
    by_customer: dict[str, list[LedgerEntry]] = defaultdict(list)
    for x in entries:
        if x.customer_id in set(spent):
            by_customer[x.customer_id].append(x)
    for r in awards_of(award_files(settings), spent, as_of):
        by_customer[str(r["customer_id"])].append(
            LedgerEntry(
                customer_id=str(r["customer_id"]),
                entry_date=r["entry_date"],
                source=str(r["rule_id"]),
                kind="award",
                points=int(r["points"]),
                expires_on=r["expires_on"],
                branch_id=r["branch_id"],
            )
        )
    for ledger in by_customer.values():
        credits, debits = credits_and_debits(ledger)
        found = settle(credits, debits, as_of)
        for lot in found.lots:
            lapsed, lapsing = _naive(lot.credit, as_of, soon)
            row = rows.setdefault(lot.credit.branch_id, BranchPoints(lot.credit.branch_id))
            row.expired += lot.expired - lapsed
            left = lot.remaining if as_of < lot.credit.expires_on <= soon else 0
            row.expiring += left - lapsing
    return len(spent)


def _store_flows(
    entries: Iterable[LedgerEntry],
    as_of: dt.date,
    soon: dt.date,
    rows: dict[str | None, BranchPoints],
) -> None:
    for x in entries:
        row = rows.setdefault(x.branch_id, BranchPoints(x.branch_id))
        if x.kind == "adjustment":
            row.adjusted += x.points
            if x.points > 0 and x.expires_on is not None:
                lapsed, lapsing = _naive(
                    Credit(x.entry_date, x.points, x.expires_on, x.source), as_of, soon
                )
                row.expired += lapsed
                row.expiring += lapsing
        else:  # a redemption (< 0) or its return (> 0)
            row.redeemed -= x.points


def _compute(
    settings: Settings, connection: sa.Connection, as_of: dt.date
) -> dict[str | None, BranchPoints]:
    soon = as_of + dt.timedelta(days=EXPIRING_DAYS)
    rows: dict[str | None, BranchPoints] = {}
    summaries = [
        kept_file(settings, "points_summary", d) for d in kept_dates(settings, "points_summary")
    ]
    for r in issued_by_branch([p for p in summaries if p is not None], as_of, soon):
        row = rows.setdefault(r["branch_id"], BranchPoints(r["branch_id"]))
        row.issued += int(r["issued"])
        row.expired += int(r["lapsed"])
        row.expiring += int(r["lapsing"])
    entries = [x for x in store_entries(connection) if x.entry_date <= as_of]
    _store_flows(entries, as_of, soon, rows)
    _replay(settings, entries, as_of, soon, rows)
    return rows


def points_liability(
    settings: Settings,
    db: sa.Engine,
    principal: Principal,
    *,
    as_of: dt.date | None = None,
    audit_action: str = "points_report_view",
) -> PointsLiability:
    """Points issued, adjusted, redeemed, expired and outstanding per branch as of `as_of`
    (default today), with the total of the branches shown. Audited `points_report_view`."""
    day = as_of or today_in_beijing()
    with db.begin() as connection:
        reach = _reach(connection, principal)
        rows = _compute(settings, connection, day)
        shown = sorted(
            (r for b, r in rows.items() if reach is None or (b is not None and b in reach)),
            key=lambda r: r.branch_id or "",
        )
        record_audit(
            connection,
            principal,
            audit_action,
            [],
            {"as_of": day.isoformat(), "branches": len(shown)},
        )
    total = BranchPoints(None)
    for r in shown:
        for name in ("issued", "adjusted", "redeemed", "expired", "expiring"):
            setattr(total, name, getattr(total, name) + getattr(r, name))
    return PointsLiability(day, shown, total, reach is None)


def export_liability(
    settings: Settings,
    db: sa.Engine,
    principal: Principal,
    sink: RowSink,
    *,
    as_of: dt.date | None = None,
) -> Exported:
    """The report per branch (and its total) into `sink`; needs `export`; audited
    `points_report_export`."""
    if not principal.can(Permission.EXPORT):
        raise Forbidden("exporting needs the export permission")
    found = points_liability(
        settings, db, principal, as_of=as_of, audit_action="points_report_export"
    )
    sink.columns(["as_of_date", "branch_id", *(f"{f}_points" for f in FIGURES)])
    for row in [*found.rows, found.total]:
        sink.row([found.as_of, row.branch_id, *(getattr(row, f) for f in FIGURES)])
    return Exported(f"points_liability_{found.as_of.isoformat()}", len(found.rows) + 1)
