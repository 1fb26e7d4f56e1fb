"""KPI scores as a named user sees them (issue 19 section 4): rankings within team, branch and
region, one staff member's scores and history, and the customers behind a metric.

Whose scores: `staff_scope` (a broker their own, a team lead their team and subtree, managers
their units, head office everyone). Ranks are within the whole unit (a broker sees "3rd of 8"
even though they see only their own row). The customers behind a metric are customer data: only
those in the reader's customer scope are listed (the others counted), audited `kpi_drill` with
the ids shown; the rest is audited `kpi_view`.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal

import pyarrow.parquet as pq
import sqlalchemy as sa

from brokerlens.access.audit import audit_read
from brokerlens.access.scope import customer_scope
from brokerlens.access.snapshot import served_snapshot
from brokerlens.access.staff_scope import StaffReach, check_staff, staff_reach
from brokerlens.auth.principal import Principal
from brokerlens.brokers.kpi.build import read_values
from brokerlens.brokers.kpi.metrics import METRICS, Metric
from brokerlens.brokers.kpi.scoring import team_members
from brokerlens.config import Settings
from brokerlens.errors import FieldRejected, Forbidden, NotFound
from brokerlens.warehouse.served import kept_dates, kept_file

Level = Literal["unit", "branch", "region"]
LEVELS: tuple[Level, ...] = ("unit", "branch", "region")
DRILL_LIMIT = 500


class KpiRejected(FieldRejected):
    """A KPI parameter is unusable (422): `field` names it."""


@dataclass(frozen=True)
class MetricLine:
    metric: str
    value: Decimal | None
    target: Decimal | None
    score: Decimal
    weight: Decimal

    @property
    def info(self) -> Metric:
        return METRICS[self.metric]


@dataclass(frozen=True)
class StaffRow:
    staff_id: str
    position: str
    unit_id: str | None
    branch_id: str | None
    region_id: str | None
    scheme_version: str
    total: Decimal
    ranks: dict[str, int]  # level -> rank (1 = best) among the same position
    sizes: dict[str, int]  # level -> how many of the same position are ranked there
    metrics: tuple[MetricLine, ...]

    def unit_of(self, level: str) -> str | None:
        return {"unit": self.unit_id, "branch": self.branch_id, "region": self.region_id}[level]


@dataclass(frozen=True)
class RankGroup:
    level: str
    unit_id: str | None
    position: str
    rows: list[StaffRow]  # in rank order, the reader's reach only
    size: int  # everyone ranked in the group


@dataclass(frozen=True)
class Rankings:
    month: dt.date
    as_of: dt.date
    months: list[dt.date]
    level: str
    groups: list[RankGroup]
    positions: list[str]


@dataclass(frozen=True)
class HistoryPoint:
    month: dt.date
    as_of: dt.date
    scheme_version: str
    total: Decimal
    ranks: dict[str, int]
    sizes: dict[str, int]


@dataclass(frozen=True)
class StaffKpi:
    staff_id: str
    month: dt.date
    months: list[dt.date]
    row: StaffRow | None  # None: not scored that month (no scheme for the position, not employed)
    as_of: dt.date | None
    history: list[HistoryPoint] = field(default_factory=list)


@dataclass(frozen=True)
class DrillRow:
    staff_id: str  # whose customer (a team lead's drill-down lists their team's)
    customer_id: str
    name: str | None
    role: str
    weight: Decimal
    amount: Decimal
    credited: Decimal


@dataclass(frozen=True)
class Drill:
    staff_id: str
    month: dt.date
    metric: Metric
    value: Decimal | None
    rows: list[DrillRow]
    customers: int  # behind the metric in all
    hidden: int  # outside the reader's customer scope, not listed
    truncated: bool


# --- reading the kept files ---------------------------------------------------------------------


def parse_month(text: str | None, field_name: str = "month") -> dt.date | None:
    """A month written YYYY-MM (or any date in it, YYYY-MM-DD) as its first day; None if blank."""
    if text is None or not text.strip():
        return None
    value = text.strip()
    try:
        if len(value) == 7:
            return dt.date.fromisoformat(f"{value}-01")
        return dt.date.fromisoformat(value).replace(day=1)
    except ValueError:
        raise KpiRejected(field_name, f"{value[:20]!r} is not a month: write YYYY-MM") from None


def kpi_months(settings: Settings) -> list[dt.date]:
    """The months with KPI scores (their first days), oldest first."""
    return kept_dates(settings, "kpi_scores")


def pick_month(settings: Settings, month: dt.date | None) -> dt.date:
    months = kpi_months(settings)
    if not months:
        raise NotFound("no KPI scores yet", hint="run `brokerlens run` (step: kpi scores)")
    if month is None:
        return months[-1]
    first = month.replace(day=1)
    if first not in months:
        raise KpiRejected(
            "month", f"no KPI scores for {first:%Y-%m}", hint=f"months: {_span(months)}"
        )
    return first


def _span(months: list[dt.date]) -> str:
    return f"{months[0]:%Y-%m} .. {months[-1]:%Y-%m}"


def read_month(settings: Settings, month: dt.date, staff_id: str | None = None) -> list[StaffRow]:
    """The staff scored in the month (or just `staff_id`), with metrics, ranks and group sizes."""
    path = kept_file(settings, "kpi_scores", month)
    if path is None:
        return []
    filters = [("staff_id", "=", staff_id)] if staff_id is not None else None
    by_staff: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in pq.read_table(path, filters=filters).to_pylist():
        by_staff[row["staff_id"]].append(row)
    return [_staff_row(member, rows) for member, rows in by_staff.items()]


def _staff_row(staff_id: str, rows: list[dict[str, Any]]) -> StaffRow:
    first = rows[0]
    return StaffRow(
        staff_id=staff_id,
        position=first["position"],
        unit_id=first["unit_id"],
        branch_id=first["branch_id"],
        region_id=first["region_id"],
        scheme_version=first["scheme_version"],
        total=first["total"],
        ranks={lv: int(first[f"rank_in_{lv}"]) for lv in LEVELS},
        sizes={lv: int(first[f"{lv}_size"]) for lv in LEVELS},
        metrics=tuple(
            MetricLine(r["metric"], r["value"], r["target"], r["score"], r["weight"]) for r in rows
        ),
    )


def _as_of(settings: Settings, month: dt.date) -> dt.date | None:
    path = kept_file(settings, "kpi_scores", month)
    if path is None:
        return None
    column = pq.read_table(path, columns=["as_of_date"]).column("as_of_date")
    return column[0].as_py() if len(column) else month


def _served_day(db: sa.Engine) -> dt.date:
    """ "Today" of the workbench: the served snapshot's as-of date (the clock's without one)."""
    try:
        return served_snapshot(db).as_of_date
    except NotFound:
        return dt.date.today()


def _reach(db: sa.Engine, principal: Principal) -> StaffReach:
    with db.connect() as connection:
        reach = staff_reach(connection, principal)
    if reach is not None and not reach:
        raise Forbidden(
            "this role sees no staff business (book, income, KPI)",
            hint="sign in as the staff member, their manager or head office",
        )
    return reach


# --- rankings -----------------------------------------------------------------------------------


def rankings(
    db: sa.Engine,
    settings: Settings,
    principal: Principal,
    *,
    month: dt.date | None = None,
    level: str = "branch",
    position: str | None = None,
    unit_id: str | None = None,
) -> Rankings:
    """The month's rankings at `level` (unit = team, branch, region) for the staff in the
    reader's reach, one group per unit and position; audited `kpi_view`."""
    if level not in LEVELS:
        raise KpiRejected("level", f"one of {', '.join(LEVELS)}")
    reach = _reach(db, principal)
    picked = pick_month(settings, month)
    rows = read_month(settings, picked)
    positions = sorted({r.position for r in rows})
    if position:
        if position not in positions:
            raise KpiRejected("position", f"one of {', '.join(positions) or '(none scored)'}")
        rows = [r for r in rows if r.position == position]
    if unit_id:
        rows = [r for r in rows if unit_id in (r.unit_id, r.branch_id, r.region_id)]
    seen = [r for r in rows if reach is None or r.staff_id in reach]
    grouped: dict[tuple[str | None, str], list[StaffRow]] = defaultdict(list)
    for row in seen:
        grouped[(row.unit_of(level), row.position)].append(row)
    groups = [
        RankGroup(
            level,
            key[0],
            key[1],
            sorted(members, key=lambda r: (r.ranks[level], r.staff_id)),
            members[0].sizes[level],
        )
        for key, members in sorted(grouped.items(), key=lambda kv: (str(kv[0][0]), kv[0][1]))
    ]
    detail = {"month": picked.isoformat(), "level": level, "staff": len(seen)}
    audit_read(db, principal, "kpi_view", [], detail)
    months = kpi_months(settings)
    return Rankings(picked, _as_of(settings, picked) or picked, months, level, groups, positions)


# --- one staff member ---------------------------------------------------------------------------


def staff_kpi(
    db: sa.Engine,
    settings: Settings,
    principal: Principal,
    staff_id: str,
    *,
    month: dt.date | None = None,
    history_months: int = 12,
) -> StaffKpi:
    """A staff member's scores of the month and their totals and ranks month by month (404 out
    of reach); audited `kpi_view`."""
    with db.connect() as connection:
        check_staff(connection, principal, staff_id)
    months = kpi_months(settings)
    picked = pick_month(settings, month) if months else (month or _served_day(db)).replace(day=1)
    history = []
    row = None
    for each in months[-history_months:]:
        found = next(iter(read_month(settings, each, staff_id)), None)
        if found is None:
            continue
        if each == picked:
            row = found
        history.append(
            HistoryPoint(
                each,
                _as_of(settings, each) or each,
                found.scheme_version,
                found.total,
                found.ranks,
                found.sizes,
            )
        )
    if row is None and picked in months:
        row = next(iter(read_month(settings, picked, staff_id)), None)
    audit_read(db, principal, "kpi_view", [], {"staff_id": staff_id, "month": picked.isoformat()})
    as_of = _as_of(settings, picked) if picked in months else None
    return StaffKpi(staff_id, picked, months, row, as_of, history)


# --- drill-down ---------------------------------------------------------------------------------


def metric_customers(
    db: sa.Engine,
    settings: Settings,
    principal: Principal,
    staff_id: str,
    metric: str,
    *,
    month: dt.date | None = None,
    limit: int = DRILL_LIMIT,
) -> Drill:
    """The customers behind a staff member's metric in a month, largest contribution first:
    those in the reader's customer scope listed (up to `limit`), the others counted. Audited
    `kpi_drill` with the customer ids shown."""
    if metric not in METRICS:
        raise KpiRejected("metric", f"one of {', '.join(METRICS)}")
    with db.connect() as connection:
        check_staff(connection, principal, staff_id)
    picked = pick_month(settings, month)
    values = kept_file(settings, "kpi_values", picked)
    members = team_members(read_values(values), staff_id) if values is not None else [staff_id]
    path = kept_file(settings, "kpi_detail", picked)
    raw = (
        pq.read_table(
            path, filters=[("staff_id", "in", members), ("metric", "=", metric)]
        ).to_pylist()
        if path is not None
        else []
    )
    raw.sort(key=lambda r: (-abs(r["credited"]), r["customer_id"]))
    training = METRICS[metric].role == "training"  # issue 23: the staff's own training items
    names = (
        {str(r["customer_id"]): None for r in raw}
        if training
        else _in_scope(db, principal, [r["customer_id"] for r in raw])
    )
    shown = [r for r in raw if r["customer_id"] in names]
    listed = shown[: max(1, min(limit, DRILL_LIMIT))]
    rows = [
        DrillRow(
            r["staff_id"],
            r["customer_id"],
            names[r["customer_id"]],
            r["role"],
            r["weight"],
            r["amount"],
            r["credited"],
        )
        for r in listed
    ]
    value = next(
        (
            m.value
            for r in read_month(settings, picked, staff_id)
            for m in r.metrics
            if m.metric == metric
        ),
        None,
    )
    if value is None:
        value = _value_of(raw, METRICS[metric])
    ids = [] if training else [r.customer_id for r in rows]  # items are no customers
    detail = {"staff_id": staff_id, "metric": metric, "month": picked.isoformat()}
    audit_read(db, principal, "kpi_drill", ids, detail)
    return Drill(
        staff_id,
        picked,
        METRICS[metric],
        value,
        rows,
        len(raw),
        len(raw) - len(shown),
        len(shown) > len(listed),
    )


def _value_of(raw: list[dict[str, Any]], metric: Metric) -> Decimal | None:
    credited = sum((Decimal(r["credited"]) for r in raw), Decimal(0))
    if metric.kind == "sum":
        return credited
    weight = sum((Decimal(r["weight"]) for r in raw), Decimal(0))
    return credited / weight if weight else None


def _in_scope(db: sa.Engine, principal: Principal, ids: list[str]) -> dict[str, str | None]:
    """The ids among `ids` in the reader's customer scope (as served), with their names."""
    if not ids:
        return {}
    try:
        snapshot = served_snapshot(db)
    except NotFound:
        return {}
    table = snapshot.table
    name = table.c.name if "name" in table.c else sa.null()
    found: dict[str, str | None] = {}
    with db.connect() as connection:
        for start in range(0, len(ids), 5_000):
            chunk = ids[start : start + 5_000]
            query = sa.select(table.c.customer_id, name).where(
                table.c.customer_id.in_(chunk), customer_scope(principal, snapshot)
            )
            for customer_id, customer_name in connection.execute(query):
                found[str(customer_id)] = None if customer_name is None else str(customer_name)
    return found
