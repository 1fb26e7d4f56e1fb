"""The annual call-back sample's progress against its quota, per branch (issue 18 section 1).

    quota_progress(db, principal, year) -> QuotaReport

    QuotaReport:
        year: int
        share: float                # the share the sample was drawn with (or is to be)
        drawn_on: date | None       # the run's T that drew it (None: not drawn yet)
        rows: list[QuotaRow]        # one per branch in the principal's reach, by branch_id
        total: QuotaRow             # the rows summed (branch_id "*", branch_name None)
    QuotaRow, every count an int:
        branch_id, branch_name (the unit's name, None if unknown), base (the prior year-end's
        customers, dormant excepted), quota (ceil(share x base)), sampled (the year's sample
        tasks, replacements included), reached (distinct base customers with a completed
        call-back of any kind in the year), unreachable (sample tasks given up), remaining
        (quota - reached, not below 0), pct (reached / quota, a float, above 1 past the quota),
        met (property: reached >= quota)

Before the run has drawn the year's sample (no `callback_samples` rows for it), the base is
estimated from the served profile (customers opened by the prior year-end, neither closed nor
dormant there) and the share is the shipped setting's; `drawn_on` is None.

Who: compliance and the call centre (the `callbacks` permission) see every branch; a branch or
region manager the branches of their unit; anyone else is refused. Aggregates only: the read is
audited without customer ids.

Reached: a sample task completed; or a call-back of another kind (new account, high-risk sale,
complaint, manual) completed in the year (Beijing calendar) for a customer the served profile
shows opened by the prior year-end, counted under the branch the task names. A customer counts
once, under the sample's branch when sampled.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa

from brokerlens.access.audit import audit_read
from brokerlens.access.org import visible_units
from brokerlens.access.records import BEIJING
from brokerlens.access.snapshot import served_snapshot_on
from brokerlens.auth.principal import UNIT_ROLES, Permission, Principal
from brokerlens.compliance.callbacks.config import load_config
from brokerlens.compliance.callbacks.quota import BranchCounts, Stratum, branch_progress
from brokerlens.errors import Forbidden, InvalidRequest, NotFound
from brokerlens.store.compliance_schema import callback_samples, callbacks
from brokerlens.store.schema import org_units

SAMPLE = "annual_sample"
FIRST_YEAR, LAST_YEAR = 2000, 2100


class BadYear(InvalidRequest):
    """The year asked for is not a calendar year the quota can be about."""


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
    pct: float

    @property
    def met(self) -> bool:
        return self.reached >= self.quota


@dataclass(frozen=True)
class QuotaReport:
    year: int
    share: float
    drawn_on: dt.date | None
    rows: list[QuotaRow]

    @property
    def total(self) -> QuotaRow:
        quota = sum(r.quota for r in self.rows)
        reached = sum(r.reached for r in self.rows)
        return QuotaRow(
            branch_id="*",
            branch_name=None,
            base=sum(r.base for r in self.rows),
            quota=quota,
            sampled=sum(r.sampled for r in self.rows),
            reached=reached,
            unreachable=sum(r.unreachable for r in self.rows),
            remaining=sum(r.remaining for r in self.rows),
            pct=reached / quota if quota else 1.0,
        )


def quota_progress(db: sa.Engine, principal: Principal, year: int) -> QuotaReport:
    """The year's sample per branch in the principal's reach (see the module docstring)."""
    if not (principal.can(Permission.CALLBACKS) or principal.role in UNIT_ROLES):
        raise Forbidden(
            "the call-back quota is for compliance, the call centre and branch or region managers"
        )
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise BadYear(f"year: {year} is not a year from {FIRST_YEAR} to {LAST_YEAR}")
    everyone = principal.can(Permission.CALLBACKS)
    with db.connect() as connection:
        units, _ = visible_units(connection, principal)
        drawn = connection.execute(
            sa.select(callback_samples).where(callback_samples.c.year == year)
        ).all()
        if drawn:
            share = float(drawn[0].share)
            strata = [
                Stratum(str(r.branch_id), str(r.tier), int(r.base), int(r.quota))
                for r in drawn
                if everyone or r.branch_id in units
            ]
        else:  # not drawn yet: an estimate from the served profile
            share = load_config().annual_sample.share
            strata = [s for s in _estimate(connection, year) if everyone or s.branch_id in units]
        counts = _counts(connection, year) if strata else []
        names = dict(connection.execute(sa.select(org_units.c.unit_id, org_units.c.name)).all())
    audit_read(db, principal, "view_callback_quota", [], {"year": year})
    rows = [
        QuotaRow(
            p.branch_id,
            names.get(p.branch_id),
            p.base,
            p.quota,
            p.sampled,
            p.reached,
            p.unreachable,
            p.remaining,
            p.pct,
        )
        for p in branch_progress(strata, counts, share)
    ]
    return QuotaReport(year, share, drawn[0].drawn_on if drawn else None, rows)


def _estimate(connection: sa.Connection, year: int) -> list[Stratum]:
    """One stratum per branch of the served profile: its customers opened by the prior
    year-end, neither closed nor dormant (none when nothing is served)."""
    try:
        profile = served_snapshot_on(connection).table
    except NotFound:
        return []
    if not {"branch_id", "status", "open_date"} <= set(profile.c.keys()):
        return []
    found = connection.execute(
        sa.select(profile.c.branch_id, sa.func.count())
        .where(
            profile.c.open_date <= dt.date(year - 1, 12, 31),
            profile.c.status.not_in(("closed", "dormant")),
            profile.c.branch_id.is_not(None),
        )
        .group_by(profile.c.branch_id)
    ).all()
    return [Stratum(str(b), "*", int(n), 0) for b, n in found]


def _counts(connection: sa.Connection, year: int) -> list[BranchCounts]:
    c = callbacks.c
    in_sample = sa.and_(c.kind == SAMPLE, c.source_ref == str(year))
    sampled: dict[str, int] = dict(
        connection.execute(
            sa.select(c.branch_id, sa.func.count()).where(in_sample).group_by(c.branch_id)
        ).all()
    )
    unreachable: dict[str, int] = dict(
        connection.execute(
            sa.select(c.branch_id, sa.func.count())
            .where(in_sample, c.status == "unreachable")
            .group_by(c.branch_id)
        ).all()
    )
    reached_rows = sa.select(c.customer_id, c.branch_id).where(in_sample, c.status == "completed")
    others = _other_reached(connection, year)
    if others is not None:
        reached_rows = sa.union(reached_rows, others)  # type: ignore[assignment]
    done = reached_rows.subquery()
    reached: dict[str, int] = dict(
        connection.execute(
            sa.select(done.c.branch_id, sa.func.count(sa.distinct(done.c.customer_id))).group_by(
                done.c.branch_id
            )
        ).all()
    )
    return [
        BranchCounts(
            str(b),
            sampled=int(sampled.get(b, 0)),
            reached=int(reached.get(b, 0)),
            unreachable=int(unreachable.get(b, 0)),
        )
        for b in sampled.keys() | reached.keys()
        if b is not None
    ]


def _other_reached(connection: sa.Connection, year: int) -> sa.Select[tuple[str, str]] | None:
    """Base customers not in the sample with a call-back of another kind completed in the year;
    None when no profile is served (the sample's own count stands)."""
    try:
        snapshot = served_snapshot_on(connection)
    except NotFound:
        return None
    profile = snapshot.table
    if "open_date" not in profile.c:
        return None
    c = callbacks.c
    start = dt.datetime(year, 1, 1, tzinfo=BEIJING).astimezone(dt.UTC)
    end = dt.datetime(year + 1, 1, 1, tzinfo=BEIJING).astimezone(dt.UTC)
    sampled = sa.select(callbacks.c.customer_id).where(
        callbacks.c.kind == SAMPLE, callbacks.c.source_ref == str(year)
    )
    return (
        sa.select(c.customer_id, c.branch_id)
        .join(profile, profile.c.customer_id == c.customer_id)
        .where(
            c.kind != SAMPLE,
            c.status == "completed",
            c.closed_at >= start,
            c.closed_at < end,
            profile.c.open_date <= dt.date(year - 1, 12, 31),
            c.customer_id.not_in(sampled),
        )
    )
