"""Business dashboards (issue 22 section 2): HQ, region, branch, team and staff member, each
with the business metrics of T (day, month, year to date, their month-on-month and
year-on-year comparisons), the daily trend, a ranking of the units below and the cuts.

Everything is read from what the run step "business metrics" kept: `metrics/<T>` (every metric
per period, org unit, staff member and cut) and the monthly trend files; a dashboard reads only
its own rows and its children's rows of one metric (a filtered DuckDB scan of kept Parquet), so
its cost does not grow with the customers.

The org tree is that of T (the feed's versions, `org_versions`), the one the metrics were
summed over. Scope: head office (marketing, compliance) sees every unit; a region or branch
manager their unit and the units below; a team lead their team and its staff; a broker or an
advisor only themselves; the call centre and the administrator no dashboard (403). A unit or
staff member outside the viewer's scope answers 404, like one that does not exist. Audited
(`dashboard_view`, with the unit, metric and period viewed; no customer is shown).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property
from typing import Any

import sqlalchemy as sa

from brokerlens.access.audit import audit_read
from brokerlens.access.columnar import query_file
from brokerlens.access.org import ancestors, descendants, principal_unit, visible_units
from brokerlens.access.org_versions import Version, staff_on, today, units_on
from brokerlens.access.staff_scope import check_staff, staff_reach
from brokerlens.analysis.metrics.catalog import DIMENSIONS, Metric, Metrics, load_metrics
from brokerlens.auth.principal import Principal, Role
from brokerlens.config import Settings
from brokerlens.errors import FieldRejected, Forbidden, NotFound
from brokerlens.warehouse.served import kept_dates, kept_file, newest_date, parquet_source

LEVELS = ("hq", "region", "branch", "team", "staff")
CUT_LEVELS = ("hq", "region", "branch")  # the levels the metrics are cut by dimension
PERIODS = ("day", "week", "month", "year")
# What each period is compared with: (kind, the compared period). mom: 环比, yoy: 同比.
COMPARED: dict[str, tuple[tuple[str, str], ...]] = {
    "day": (("mom", "day_prev"),),
    "week": (("mom", "week_prev"),),
    "month": (("mom", "month_prev"), ("yoy", "month_ly")),
    "year": (("yoy", "year_ly"),),
}
DEFAULT_METRIC = "net_commission"
DEFAULT_PERIOD = "month"
TREND_DAYS = 60
TREND_COLUMNS = (
    "customers",
    "traded",
    "trades",
    "total_assets",
    "turnover",
    "net_commission",
    "net_inflow",
)
STOCK_COLUMNS = ("customers", "total_assets")  # a month's value is its last day's
RATIO_PLACES = Decimal("0.000001")
HQ_ROLES = frozenset({Role.HQ_MARKETING, Role.COMPLIANCE})
SELF_ROLES = frozenset({Role.BROKER, Role.ADVISOR})


class DashboardRejected(FieldRejected):
    """A dashboard parameter is unusable (422): `field` names it."""


@dataclass(frozen=True)
class UnitRef:
    level: str  # hq, region, branch, team, staff
    unit_id: str  # an org unit's id, or a staff id for level staff
    name: str


@dataclass(frozen=True)
class Change:
    kind: str  # mom (环比) or yoy (同比)
    period: str  # the period compared with (day_prev, week_prev, month_prev, ...)
    base: Decimal | None  # None: the lake lacks that period's history
    delta: Decimal | None  # value - base (for a rate: the fraction's difference)
    ratio: Decimal | None  # delta / |base| (not for rates; None when the base is 0)


@dataclass(frozen=True)
class Figure:
    period: str
    value: Decimal | None
    changes: tuple[Change, ...]


@dataclass(frozen=True)
class Card:
    metric: Metric
    figures: tuple[Figure, ...]  # day, month, year


@dataclass(frozen=True)
class TrendPoint:
    day: dt.date
    values: dict[str, Decimal]


@dataclass(frozen=True)
class RankRow:
    rank: int | None  # None: no value
    unit: UnitRef
    value: Decimal | None
    changes: tuple[Change, ...]


@dataclass(frozen=True)
class Ranking:
    level: str
    rows: list[RankRow]


@dataclass(frozen=True)
class CutRow:
    member: str  # '' = not known (no tier, no age)
    value: Decimal | None
    share: Decimal | None  # of the unit's value, for additive metrics


@dataclass(frozen=True)
class Cut:
    dimension: str
    rows: list[CutRow]


@dataclass(frozen=True)
class Dashboard:
    as_of: dt.date
    unit: UnitRef
    path: list[UnitRef]  # the units above the shown one the viewer may open, top first
    metric: Metric  # ranked and cut
    period: str
    metrics: Metrics
    cards: list[Card]
    trend: list[TrendPoint]  # the last TREND_DAYS loaded days
    months: list[TrendPoint]  # the months of T's year: flows summed, stocks at the month's end
    rankings: list[Ranking]
    cuts: list[Cut]
    dimensions: tuple[str, ...] = field(default_factory=tuple)  # the metric's cuts


# --- the org tree of T and the viewer's scope -----------------------------------------------------


@dataclass
class _Tree:
    """The org units of T, and the staff of T a dashboard needs (read on demand: a large
    brokerage has tens of thousands, head office's dashboard needs none)."""

    units: dict[str, Version]
    as_of: dt.date
    staff: dict[str, Version] = field(default_factory=dict)

    @cached_property
    def parent_of(self) -> dict[str, str | None]:
        return {u: r["parent_id"] for u, r in self.units.items()}

    def load_staff(
        self, connection: sa.Connection, units: set[str], also: set[str] | None = None
    ) -> None:
        """The staff of `units` (and the members `also`) as of T."""
        columns = ("staff_id", "name", "unit_id", "position")
        self.staff.update(staff_on(connection, self.as_of, units, also, columns))

    def level(self, unit_id: str) -> str:
        row = self.units[unit_id]
        parent = row["parent_id"]
        if parent is None or parent not in self.units:
            return "hq"
        return str(row["unit_type"])

    def ref(self, unit_id: str) -> UnitRef:
        return UnitRef(self.level(unit_id), unit_id, str(self.units[unit_id]["name"]))

    def person(self, staff_id: str) -> UnitRef:
        row = self.staff.get(staff_id)
        return UnitRef("staff", staff_id, str(row["name"]) if row else staff_id)

    def children(self, unit_id: str) -> list[str]:
        return sorted(u for u, r in self.units.items() if r["parent_id"] == unit_id)

    def staff_under(self, unit_id: str) -> list[str]:
        """The staff of the unit's subtree as of T."""
        below = descendants(unit_id, self.parent_of)
        return sorted(s for s, r in self.staff.items() if r["unit_id"] in below)


def _tree(connection: sa.Connection, as_of: dt.date) -> _Tree:
    return _Tree(units_on(connection, as_of), as_of)


def _no_dashboard() -> Forbidden:
    return Forbidden(
        "this role sees no business dashboards",
        hint="sign in as head office, a manager, a team lead or a broker",
    )


def _own_root(connection: sa.Connection, principal: Principal, tree: _Tree) -> UnitRef:
    """The dashboard a principal opens first: their scope's root."""
    role = principal.role
    if role in HQ_ROLES:
        roots = sorted(u for u in tree.units if tree.level(u) == "hq")
        if not roots:
            raise NotFound("no head-office unit in the organisation of the metrics' date")
        return tree.ref(roots[0])
    if role in SELF_ROLES:
        if not principal.staff_id:
            raise _no_dashboard()
        tree.load_staff(connection, set(), {principal.staff_id})
        return tree.person(principal.staff_id)
    if role in (Role.REGION_MANAGER, Role.BRANCH_MANAGER, Role.TEAM_LEAD):
        unit = principal_unit(connection, principal)
        if unit is None or unit not in tree.units:
            raise NotFound("your unit is not in the organisation of the metrics' date")
        return tree.ref(unit)
    raise _no_dashboard()


def _check(
    connection: sa.Connection, principal: Principal, tree: _Tree, level: str, unit_id: str
) -> tuple[UnitRef, set[str] | None]:
    """The unit (or staff member) if the principal may see its dashboard, and the units the
    principal may open (None: all); 404 outside scope, 403 for a role with no dashboards."""
    if level not in LEVELS:
        raise DashboardRejected("level", f"{level[:20]!r} is not one of {', '.join(LEVELS)}")
    if principal.role not in HQ_ROLES | SELF_ROLES | {
        Role.REGION_MANAGER,
        Role.BRANCH_MANAGER,
        Role.TEAM_LEAD,
    }:
        raise _no_dashboard()
    reach = staff_reach(connection, principal)
    opened: set[str] | None = None
    if reach is not None:
        opened = (
            set()
            if principal.role in SELF_ROLES
            else visible_units(connection, principal, tree.parent_of)[0]
        )
    if level == "staff":
        check_staff(connection, principal, unit_id)
        tree.load_staff(connection, set(), {unit_id})
        if unit_id not in tree.staff:
            raise NotFound(f"no staff member {unit_id[:32]!r} in your scope")
        return tree.person(unit_id), opened
    if unit_id not in tree.units or tree.level(unit_id) != level:
        raise NotFound(f"no unit {unit_id[:32]!r} at level {level}")
    if opened is not None and unit_id not in opened:
        raise NotFound(f"no unit {unit_id[:32]!r} in your scope")
    if principal.role is Role.TEAM_LEAD and reach is not None:
        # a team lead sees a unit's sums only when every member is theirs (as the unit page)
        tree.load_staff(connection, descendants(unit_id, tree.parent_of))
        if not set(tree.staff_under(unit_id)) <= reach:
            raise NotFound(f"no unit {unit_id[:32]!r} in your scope")
    return tree.ref(unit_id), opened


def _path(tree: _Tree, unit: UnitRef, opened: set[str] | None) -> list[UnitRef]:
    """The units above `unit` the viewer may open, top first."""
    if unit.level == "staff":
        row = tree.staff.get(unit.unit_id)
        start = str(row["unit_id"]) if row else None
        chain = ancestors(start, tree.parent_of) if start in tree.units else []
    else:
        chain = ancestors(unit.unit_id, tree.parent_of)[1:]
    return [tree.ref(u) for u in reversed(chain) if opened is None or u in opened]


# --- reading the kept files -----------------------------------------------------------------------


def metrics_date(db: sa.Engine, settings: Settings) -> dt.date:
    """The date of the metrics shown: the newest kept on or before the served date."""
    with db.connect() as connection:
        served = today(connection)
    day = newest_date(settings, "metrics", served) or newest_date(settings, "metrics")
    if day is None:
        raise NotFound(
            "no business metrics yet", hint="run `brokerlens run` (step: business metrics)"
        )
    return day


def _in(ids: list[str]) -> str:
    """`(?, ?, ...)` for an IN list: constants the scan filters by as it reads (a list
    parameter with `list_contains` is tested row by row after reading every row)."""
    return "(" + ", ".join("?" for _ in ids) + ")"


def _read_metrics(
    path: str, unit: UnitRef, metric: str, below: list[tuple[str, list[str]]]
) -> list[dict[str, Any]]:
    """The unit's rows (every metric, uncut and cut) and its children's rows of the chosen
    metric. Equalities and IN lists only, so the scan filters as it reads (an OR of such
    conditions reads every row: ~1 s over the 3.3 million rows of a 3,000,000-customer
    brokerage); a unit's own rows are kept per file and serve every metric picked."""
    columns = "period, metric, level, unit_id, dimension, member, value"
    source = parquet_source(path)
    own = [unit.level, unit.unit_id]
    rows = query_file(path, f"SELECT {columns} FROM {source} WHERE level = ? AND unit_id = ?", own)
    for level, ids in below:
        if not ids:
            continue
        sql = (
            f"SELECT {columns} FROM {source} WHERE metric = ? AND level = ? "
            f"AND dimension = '' AND unit_id IN {_in(ids)}"
        )
        rows = rows + query_file(path, sql, [metric, level, *ids])
    return rows


def _change(
    kind: str, period: str, value: Decimal | None, base: Decimal | None, rate: bool
) -> Change:
    if value is None or base is None:
        return Change(kind, period, base, None, None)
    delta = value - base
    ratio = None if rate or base == 0 else (delta / abs(base)).quantize(RATIO_PLACES)
    return Change(kind, period, base, delta, ratio)


def _figures(values: dict[str, Decimal | None], metric: Metric) -> tuple[Figure, ...]:
    return tuple(
        Figure(
            period,
            values.get(period),
            tuple(
                _change(kind, other, values.get(period), values.get(other), metric.is_rate)
                for kind, other in COMPARED[period]
            ),
        )
        for period in PERIODS
    )


def _trend_files(settings: Settings, as_of: dt.date) -> list[str]:
    """The trend files covering the last TREND_DAYS loaded days and T's year."""
    months = [m for m in kept_dates(settings, "metric_trend") if m <= as_of]
    wanted = {m for m in months if m.year == as_of.year} | set(months[-4:])
    files = [kept_file(settings, "metric_trend", m) for m in sorted(wanted)]
    return [str(f) for f in files if f is not None]


def _read_trend(settings: Settings, tree: _Tree, unit: UnitRef, as_of: dt.date) -> list[TrendPoint]:
    """Each loaded day's business of the unit; regions and head office sum their branches."""
    sums = ", ".join(f"sum({c}) AS {c}" for c in TREND_COLUMNS)
    params: list[Any]
    if unit.level in ("hq", "region"):
        below = descendants(unit.unit_id, tree.parent_of)
        ids = sorted(u for u in below if tree.units[u]["unit_type"] == "branch")
        if not ids:
            return []
        where, params = f"level = 'branch' AND unit_id IN {_in(ids)}", ids
    else:
        where, params = "level = ? AND unit_id = ?", [unit.level, unit.unit_id]
    points: list[TrendPoint] = []
    for path in _trend_files(settings, as_of):
        sql = (
            f"SELECT biz_date, {sums} FROM {parquet_source(path)} "
            f"WHERE {where} AND biz_date <= ? GROUP BY biz_date ORDER BY biz_date"
        )
        for row in query_file(path, sql, [*params, as_of]):
            values = {c: Decimal(row[c] or 0) for c in TREND_COLUMNS}
            points.append(TrendPoint(row["biz_date"], values))
    return sorted(points, key=lambda p: p.day)


def _months(points: list[TrendPoint], year: int) -> list[TrendPoint]:
    """The year's months: flows summed, stocks (customers, assets) on the month's last day."""
    found: dict[dt.date, TrendPoint] = {}
    for p in points:
        if p.day.year != year:
            continue
        month = p.day.replace(day=1)
        held = found.get(month)
        if held is None:
            found[month] = TrendPoint(month, dict(p.values))
            continue
        for c in TREND_COLUMNS:
            held.values[c] = p.values[c] if c in STOCK_COLUMNS else held.values[c] + p.values[c]
    return [found[m] for m in sorted(found)]


# --- the dashboard --------------------------------------------------------------------------------


def _pick(metrics: Metrics, metric: str | None, period: str | None) -> tuple[Metric, str]:
    chosen = metric or DEFAULT_METRIC
    if chosen not in metrics:
        raise DashboardRejected(
            "metric", f"unknown metric {chosen[:40]!r}", hint=f"one of {', '.join(metrics)}"
        )
    when = period or DEFAULT_PERIOD
    if when not in PERIODS:
        raise DashboardRejected("period", f"{when[:20]!r} is not one of {', '.join(PERIODS)}")
    return metrics[chosen], when


def dashboard(
    db: sa.Engine,
    settings: Settings,
    principal: Principal,
    level: str | None = None,
    unit_id: str | None = None,
    *,
    metric: str | None = None,
    period: str | None = None,
    dimension: str | None = None,
) -> Dashboard:
    """The dashboard of a unit (or staff member) in the principal's scope; without a unit, the
    principal's own (their scope's root). `metric` and `period` choose what is ranked and cut;
    `dimension` one cut (default: every cut of the metric)."""
    metrics = load_metrics(settings)
    chosen, when = _pick(metrics, metric, period)
    if dimension and dimension not in chosen.dimensions:
        known = ", ".join(chosen.dimensions)
        raise DashboardRejected(
            "dimension", f"{dimension[:20]!r} is not a cut of {chosen.id} (one of {known})"
        )
    as_of = metrics_date(db, settings)
    with db.connect() as connection:
        tree = _tree(connection, as_of)
        if level is None or unit_id is None:
            own = _own_root(connection, principal, tree)
            level, unit_id = own.level, own.unit_id
        unit, opened = _check(connection, principal, tree, level, unit_id)
        if unit.level in ("branch", "team"):  # their staff are ranked
            tree.load_staff(connection, descendants(unit.unit_id, tree.parent_of))
    below = _below(tree, unit)
    path = kept_file(settings, "metrics", as_of)
    rows = _read_metrics(str(path), unit, chosen.id, below) if path is not None else []
    own_rows = [r for r in rows if r["level"] == unit.level and r["unit_id"] == unit.unit_id]
    own_cuts = [r for r in own_rows if r["metric"] == chosen.id]
    uncut: dict[str, dict[str, Decimal | None]] = {}
    for r in own_rows:
        if r["dimension"] == "":
            uncut.setdefault(r["metric"], {})[r["period"]] = r["value"]
    cards = [Card(m, _figures(uncut.get(m.id, {}), m)) for m in metrics.values()]
    rankings = [_ranking(tree, rows, lv, ids, chosen, when) for lv, ids in below]
    dims = (dimension,) if dimension else chosen.dimensions
    cuts = (
        [_cut(own_cuts, d, chosen, when, uncut.get(chosen.id, {}).get(when)) for d in dims]
        if unit.level in CUT_LEVELS
        else []
    )
    trend = _read_trend(settings, tree, unit, as_of)
    audit_read(
        db,
        principal,
        "dashboard_view",
        [],
        {
            "level": unit.level,
            ("staff_id" if unit.level == "staff" else "unit_id"): unit.unit_id,
            "business_metric": chosen.id,
            "period": when,
            "as_of": as_of.isoformat(),
        },
    )
    return Dashboard(
        as_of=as_of,
        unit=unit,
        path=_path(tree, unit, opened),
        metric=chosen,
        period=when,
        metrics=metrics,
        cards=cards,
        trend=trend[-TREND_DAYS:],
        months=_months(trend, as_of.year),
        rankings=rankings,
        cuts=cuts,
        dimensions=chosen.dimensions if unit.level in CUT_LEVELS else (),
    )


def _below(tree: _Tree, unit: UnitRef) -> list[tuple[str, list[str]]]:
    """The units ranked below a unit, by level: head office its regions, a region its
    branches, a branch its teams and its staff, a team its staff; a staff member none."""
    if unit.level == "staff":
        return []
    found: dict[str, list[str]] = {}
    for child in tree.children(unit.unit_id):
        found.setdefault(tree.level(child), []).append(child)
    out = [(lv, ids) for lv in LEVELS if (ids := found.get(lv))]
    if unit.level in ("branch", "team"):
        out.append(("staff", tree.staff_under(unit.unit_id)))
    return out


def _ranking(
    tree: _Tree,
    rows: list[dict[str, Any]],
    level: str,
    ids: list[str],
    metric: Metric,
    period: str,
) -> Ranking:
    """The units of `ids` by the metric's value in the period, best first. Staff are those with
    business (a servicer of some customer): a member with no row is not ranked."""
    values: dict[str, dict[str, Decimal | None]] = {}
    for r in rows:
        if r["level"] == level and r["metric"] == metric.id and r["dimension"] == "":
            values.setdefault(r["unit_id"], {})[r["period"]] = r["value"]
    listed = [u for u in ids if u in values] if level == "staff" else ids
    ordered = sorted(
        listed,
        key=lambda u: (
            values.get(u, {}).get(period) is None,
            -(values.get(u, {}).get(period) or 0),
            u,
        ),
    )
    out: list[RankRow] = []
    for n, u in enumerate(ordered, start=1):
        own = values.get(u, {})
        ref = tree.person(u) if level == "staff" else tree.ref(u)
        changes = tuple(
            _change(kind, other, own.get(period), own.get(other), metric.is_rate)
            for kind, other in COMPARED[period]
        )
        value = own.get(period)
        out.append(RankRow(n if value is not None else None, ref, value, changes))
    return Ranking(level, out)


def _cut(
    rows: list[dict[str, Any]], dimension: str, metric: Metric, period: str, total: Decimal | None
) -> Cut:
    found = [
        r
        for r in rows
        if r["dimension"] == dimension and r["metric"] == metric.id and r["period"] == period
    ]
    found.sort(key=lambda r: (r["member"] == "", -(r["value"] or 0), r["member"]))
    additive = not metric.is_rate and total not in (None, 0)
    return Cut(
        dimension,
        [
            CutRow(
                r["member"],
                r["value"],
                r["value"] / total if additive and r["value"] is not None and total else None,
            )
            for r in found
        ],
    )


def dimension_label(dimension: str, language: str) -> str:
    zh, en = DIMENSIONS[dimension]
    return en if language == "en" else zh
