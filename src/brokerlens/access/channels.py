"""Channels and growth (3A3R) and timing (issue 22 section 3), as a viewer may see them.

Both read the small files the run step "channels and timing" kept per T (per branch), cut to
the viewer's units: head office (and the other all-customer roles) every branch, a region
manager the branches of their region, a branch manager their branch. The staff roles (broker,
advisor, team lead) and the administrator get 403: the figures are per branch, not per
customer. A `branch` asked for outside the viewer's units answers 404 like an unknown one.
Audited (`view_channels`, `view_timing`), with the date and the branches shown; no customer is
named (the answer holds counts and sums only).

Funnel stages (each includes the stages before it, so counts never increase along the funnel):
opened -> funded (a transfer in, or assets above 0, on some day) -> traded (a trade) -> active
in month 3 (a trade in the 3rd calendar month after the opening month) -> still active in month
12. A time stage counts only customers it is due for (that month ended by T): `due_3m` and
`due_12m` say how many; the others are not yet due, not lost. Cohorts: customers opened on or
after the lake's first loaded day, so their whole history is in the lake.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from brokerlens.access.audit import audit_read
from brokerlens.access.columnar import query_file
from brokerlens.access.org import visible_units
from brokerlens.access.snapshot import served_snapshot_on
from brokerlens.auth.principal import ALL_CUSTOMER_ROLES, UNIT_ROLES, Principal
from brokerlens.config import Settings
from brokerlens.errors import FieldRejected, Forbidden, NotFound
from brokerlens.store.schema import org_units
from brokerlens.warehouse.served import Kind, kept_dates, kept_file, newest_date, parquet_source

CHANNELS = ("branch", "online", "bank", "app", "referral")  # the feed's open channels, in order
STAGES = ("opened", "funded", "traded", "active_3m", "active_12m")
UNKNOWN_BRANCH = "unknown"  # business of a customer the customers feed had no version of


@dataclass(frozen=True)
class Funnel:
    """Counts of one channel, branch or the total; `net_inflow`: transfers in less out since
    opening of the customers counted (yuan)."""

    opened: int = 0
    funded: int = 0
    traded: int = 0
    due_3m: int = 0
    active_3m: int = 0
    due_12m: int = 0
    active_12m: int = 0
    net_inflow: Decimal = Decimal(0)

    def plus(self, other: Funnel) -> Funnel:
        return Funnel(*(getattr(self, k) + getattr(other, k) for k in Funnel.__dataclass_fields__))

    def count(self, stage: str) -> int:
        return int(getattr(self, stage))

    def due(self, stage: str) -> int:
        """Customers a stage is due for: every one opened, but month 3 / 12 only once ended."""
        return {"active_3m": self.due_3m, "active_12m": self.due_12m}.get(stage, self.opened)

    def not_due(self, stage: str) -> int:
        return self.opened - self.due(stage)

    def rate(self, stage: str) -> float | None:
        """The stage's count over the customers it is due for (None: nobody due yet)."""
        due = self.due(stage)
        return self.count(stage) / due if due else None


@dataclass(frozen=True)
class ChannelLine:
    key: str  # an open channel, or a branch id
    funnel: Funnel
    name: str | None = None  # a branch's name


@dataclass(frozen=True)
class Cohort:
    """One opening month: its customers and, per month after opening that has ended by T, how
    many were active (traded) that month; months not yet ended are absent."""

    open_month: dt.date
    opened: int
    active: list[int]  # index = months after the opening month (0 = the opening month)

    def share(self, month_no: int) -> float | None:
        if month_no >= len(self.active) or not self.opened:
            return None
        return self.active[month_no] / self.opened


@dataclass(frozen=True)
class ChannelAnalysis:
    as_of: dt.date
    dates: list[dt.date]
    branch: str | None  # the one branch asked for, or None: every branch in scope
    branches: list[ChannelLine]  # the funnel per branch with customers in the cohorts
    branch_choices: list[tuple[str, str | None]]  # (branch id, name) in scope
    channels: list[ChannelLine]
    total: Funnel
    cohorts: list[Cohort]
    months_shown: int  # the longest cohort row (months after opening, 0 included)


@dataclass(frozen=True)
class Bucket:
    key: str  # weekday 1..7 (Monday = 1), or YYYY-MM
    days: int
    turnover: Decimal
    trades: int
    net_commission: Decimal
    new_accounts: int


@dataclass(frozen=True)
class MarketDay:
    day: dt.date
    turnover: Decimal
    index_change: float | None  # close / prev_close - 1


@dataclass(frozen=True)
class TimingAnalysis:
    as_of: dt.date
    dates: list[dt.date]
    branch: str | None
    branch_choices: list[tuple[str, str | None]]  # (branch id, name) in scope
    index_id: str | None
    weekdays: list[Bucket]
    months: list[Bucket]
    days: list[MarketDay]
    correlation: float | None  # Pearson, turnover against the index's change
    correlation_abs: float | None  # turnover against the size of the move, up or down
    days_used: int  # the days both correlations are computed over
    totals: Bucket = field(default_factory=lambda: Bucket("all", 0, Decimal(0), 0, Decimal(0), 0))


# --- scope ----------------------------------------------------------------------------------------


def branch_scope(connection: sa.Connection, principal: Principal) -> frozenset[str] | None:
    """The units whose branch figures the principal may see; None: every branch."""
    if principal.role in ALL_CUSTOMER_ROLES:
        return None
    if principal.role in UNIT_ROLES:
        visible, _ = visible_units(connection, principal)
        return frozenset(visible)
    raise Forbidden(
        "the channel and timing analyses are per branch: for branch and region managers and "
        "head office",
        hint="sign in as a branch or region manager or as head office",
    )


def _branch_names(connection: sa.Connection) -> dict[str, str]:
    rows = connection.execute(
        sa.select(org_units.c.unit_id, org_units.c.name).where(org_units.c.unit_type == "branch")
    )
    return {str(r.unit_id): str(r.name) for r in rows}


def _served(connection: sa.Connection) -> dt.date | None:
    try:
        return served_snapshot_on(connection).as_of_date
    except NotFound:
        return None


def _pick(settings: Settings, kind: Kind, asked: dt.date | None, served: dt.date | None) -> dt.date:
    """The date asked for (it must have a kept file), else the newest kept on or before the
    served date (or the newest of all without a served snapshot)."""
    if asked is not None:
        if kept_file(settings, kind, asked) is None:
            raise NotFound(
                f"no {kind} analysis kept for {asked}",
                hint="pick one of the dates offered, or run `brokerlens run --as-of` that date",
            )
        return asked
    day = newest_date(settings, kind, served)
    if day is None:
        raise NotFound(
            f"no {kind} analysis kept yet",
            hint="run `brokerlens run` (the step 'channels and timing')",
        )
    return day


def _rows(path: Path | None, branches: frozenset[str] | None) -> list[dict[str, Any]]:
    if path is None:
        return []
    if branches is None:
        return query_file(str(path), f"SELECT * FROM {parquet_source(path)}", [])
    sql = f"SELECT * FROM {parquet_source(path)} WHERE list_contains(?, branch_id)"
    return query_file(str(path), sql, [sorted(branches)])


def _narrow(
    scope: frozenset[str] | None, names: dict[str, str], branch: str | None
) -> frozenset[str] | None:
    """The branches to read: the one asked for (in scope, else 404), or the whole scope."""
    if branch is None:
        return scope
    if branch not in names or (scope is not None and branch not in scope):
        raise NotFound(f"no branch {branch[:32]!r} in your scope")
    return frozenset({branch})


def _cents(value: object) -> Decimal:
    return Decimal(int(value or 0)) / 100  # type: ignore[call-overload]


# --- channels -------------------------------------------------------------------------------------


def _funnel(row: dict[str, Any]) -> Funnel:
    return Funnel(
        opened=int(row["opened"]),
        funded=int(row["funded"]),
        traded=int(row["traded"]),
        due_3m=int(row["due_3m"]),
        active_3m=int(row["active_3m"]),
        due_12m=int(row["due_12m"]),
        active_12m=int(row["active_12m"]),
        net_inflow=_cents(row["net_inflow_cents"]),
    )


def _channel_order(key: str) -> tuple[int, str]:
    return (CHANNELS.index(key) if key in CHANNELS else len(CHANNELS), key)


def channel_analysis(
    db: sa.Engine,
    settings: Settings,
    principal: Principal,
    *,
    as_of: dt.date | None = None,
    branch: str | None = None,
    channel: str | None = None,
) -> ChannelAnalysis:
    """The funnel per channel and per branch, and cohort retention by opening month (of one
    `channel` when given), within the viewer's branches; audited `view_channels`."""
    if channel is not None and channel not in (*CHANNELS, "unknown"):
        raise FieldRejected("channel", f"one of {', '.join(CHANNELS)}")
    with db.connect() as connection:
        scope = branch_scope(connection, principal)
        names = _branch_names(connection)
        served = _served(connection)
    picked = _pick(settings, "channel_funnel", as_of, served)
    reading = _narrow(scope, names, branch)
    funnel_rows = _rows(kept_file(settings, "channel_funnel", picked), reading)
    by_channel: dict[str, Funnel] = defaultdict(Funnel)
    by_branch: dict[str, Funnel] = defaultdict(Funnel)
    by_month: dict[dt.date, int] = defaultdict(int)
    for row in funnel_rows:
        one = _funnel(row)
        by_channel[row["open_channel"]] = by_channel[row["open_channel"]].plus(one)
        by_branch[row["branch_id"]] = by_branch[row["branch_id"]].plus(one)
        if channel is None or row["open_channel"] == channel:
            by_month[row["open_month"]] += one.opened
    for known in CHANNELS:
        by_channel.setdefault(known, Funnel())
    total = Funnel()
    for one in by_channel.values():
        total = total.plus(one)
    cohorts, longest = _cohorts(settings, picked, reading, channel, by_month)
    audit_read(
        db,
        principal,
        "view_channels",
        [],
        {"as_of": picked.isoformat(), "branch": branch, "branches": len(by_branch)},
    )
    return ChannelAnalysis(
        as_of=picked,
        dates=kept_dates(settings, "channel_funnel"),
        branch=branch,
        branches=[ChannelLine(b, f, names.get(b)) for b, f in sorted(by_branch.items())],
        branch_choices=[(b, n) for b, n in sorted(names.items()) if scope is None or b in scope],
        channels=[ChannelLine(c, by_channel[c]) for c in sorted(by_channel, key=_channel_order)],
        total=total,
        cohorts=cohorts,
        months_shown=longest,
    )


def due_months(open_month: dt.date, as_of: dt.date) -> int:
    """How many months from the opening month on (0 = the opening month) have ended by T."""
    done = as_of.year * 12 + as_of.month
    if (as_of + dt.timedelta(days=1)).month == as_of.month:
        done -= 1  # T's month has not ended
    return max(0, done - (open_month.year * 12 + open_month.month) + 1)


def _cohorts(
    settings: Settings,
    as_of: dt.date,
    reading: frozenset[str] | None,
    channel: str | None,
    sizes: dict[dt.date, int],
) -> tuple[list[Cohort], int]:
    active: dict[dt.date, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    for row in _rows(kept_file(settings, "channel_retention", as_of), reading):
        if channel is None or row["open_channel"] == channel:
            active[row["open_month"]][int(row["month_no"])] += int(row["active"])
    cohorts = [
        Cohort(m, sizes[m], [active[m].get(k, 0) for k in range(due_months(m, as_of))])
        for m in sorted(sizes)
        if sizes[m]
    ]
    return cohorts, max((len(c.active) for c in cohorts), default=0)


# --- timing ---------------------------------------------------------------------------------------


def _bucket(key: str, rows: list[dict[str, Any]]) -> Bucket:
    return Bucket(
        key=key,
        days=len({r["biz_date"] for r in rows}),
        turnover=sum((_cents(r["turnover_cents"]) for r in rows), Decimal(0)),
        trades=sum(int(r["trades"]) for r in rows),
        net_commission=sum((_cents(r["net_commission_cents"]) for r in rows), Decimal(0)),
        new_accounts=sum(int(r["new_accounts"]) for r in rows),
    )


def pearson(xs: list[float], ys: list[float]) -> float | None:
    """Pearson's correlation; None with fewer than 3 points or a constant series."""
    n = len(xs)
    if n < 3:
        return None
    mx, my = sum(xs) / n, sum(ys) / n
    sxy = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True))
    sxx = sum((x - mx) ** 2 for x in xs)
    syy = sum((y - my) ** 2 for y in ys)
    if sxx <= 0 or syy <= 0:
        return None
    return sxy / math.sqrt(sxx * syy)


def timing_analysis(
    db: sa.Engine,
    settings: Settings,
    principal: Principal,
    *,
    as_of: dt.date | None = None,
    branch: str | None = None,
) -> TimingAnalysis:
    """Business by weekday and by month, and daily turnover against the index's move, within
    the viewer's branches; audited `view_timing`."""
    with db.connect() as connection:
        scope = branch_scope(connection, principal)
        names = _branch_names(connection)
        served = _served(connection)
    picked = _pick(settings, "timing", as_of, served)
    reading = _narrow(scope, names, branch)
    rows = _rows(kept_file(settings, "timing", picked), reading)
    index_path = kept_file(settings, "timing_index", picked)
    quotes = (
        query_file(str(index_path), f"SELECT * FROM {parquet_source(index_path)}", [])
        if index_path is not None
        else []
    )
    by_weekday: dict[int, list[dict[str, Any]]] = defaultdict(list)
    by_month: dict[str, list[dict[str, Any]]] = defaultdict(list)
    by_day: dict[dt.date, Decimal] = defaultdict(Decimal)
    for r in rows:
        day: dt.date = r["biz_date"]
        by_weekday[day.isoweekday()].append(r)
        by_month[day.strftime("%Y-%m")].append(r)
        by_day[day] += _cents(r["turnover_cents"])
    change = {q["biz_date"]: q["change"] for q in quotes}
    market_days = sorted(set(by_day) | set(change))
    days = [MarketDay(d, by_day.get(d, Decimal(0)), change.get(d)) for d in market_days]
    # a trading day of the index with no business in scope counts as turnover 0
    used = [d for d in days if d.index_change is not None]
    xs = [float(d.index_change) for d in used if d.index_change is not None]
    ys = [float(d.turnover) for d in used]
    audit_read(
        db,
        principal,
        "view_timing",
        [],
        {"as_of": picked.isoformat(), "branch": branch, "days": len(by_day)},
    )
    in_scope = sorted(b for b in names if scope is None or b in scope)
    return TimingAnalysis(
        as_of=picked,
        dates=kept_dates(settings, "timing"),
        branch=branch,
        branch_choices=[(b, names.get(b)) for b in in_scope],
        index_id=str(quotes[0]["index_id"]) if quotes else None,
        weekdays=[_bucket(str(k), by_weekday[k]) for k in sorted(by_weekday)],
        months=[_bucket(k, by_month[k]) for k in sorted(by_month)],
        days=days,
        correlation=pearson(xs, ys),
        correlation_abs=pearson([abs(x) for x in xs], ys),
        days_used=len(used),
        totals=_bucket("all", rows),
    )
