"""Write T's points awards and their summary on the run's engine (`sql/points_awards.sql`,
`sql/points_summary.sql`).

One file per date, written whole and swapped in: a re-run of T replaces T's file, so a date's
awards are counted once however often it is run. The keyed awards are made on one date only:
a month's on the first loaded day of the next month (and not when another date of that month
already holds them), an anniversary on the first loaded day on or after it (the calendar days
since the day before), an assessment on the day it is first delivered.

Cheap at scale: the day's customer_day file, the day's product orders and risk assessment
deliveries, the customers feed as of T; the month's customer_day files once a month.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

import pyarrow as pa
import pyarrow.parquet as pq

from brokerlens.contract.feeds import FEEDS, LAKE_TYPES
from brokerlens.engine import Engine
from brokerlens.engine.sqlfiles import load_sql
from brokerlens.errors import LakeError
from brokerlens.models.days import DAY_COLUMNS, day_files_covering
from brokerlens.points.fifo import expires_on
from brokerlens.points.model import PointsRule
from brokerlens.warehouse.layout import WarehouseLayout
from brokerlens.warehouse.sources import LakeFiles
from brokerlens.warehouse.state import WarehouseState
from brokerlens.warehouse.windows import month_start

PACKAGE = "brokerlens.points"
AWARD_ROW_GROUP = 16_384  # a customer's rows are found by the groups' statistics
AWARD_COLUMNS = [
    ("entry_date", "DATE"),
    ("customer_id", "VARCHAR"),
    ("branch_id", "VARCHAR"),
    ("rule_id", "VARCHAR"),
    ("rule_version", "INTEGER"),
    ("ref", "VARCHAR"),
    ("amount", "DECIMAL(38,2)"),
    ("units", "BIGINT"),
    ("points", "BIGINT"),
    ("expires_on", "DATE"),
]
SUMMARY_COLUMNS = [
    ("entry_date", "DATE"),
    ("branch_id", "VARCHAR"),
    ("rule_id", "VARCHAR"),
    ("rule_version", "INTEGER"),
    ("expires_on", "DATE"),
    ("customers", "BIGINT"),
    ("awards", "BIGINT"),
    ("points", "BIGINT"),
]
NO_DAY = dt.date(1900, 1, 1)
RULES_SCHEMA = pa.schema(
    [
        ("rule_id", pa.string()),
        ("rule_version", pa.int64()),
        ("kind", pa.string()),
        ("points", pa.int64()),
        ("unit_cents", pa.int64()),
        ("min_cents", pa.int64()),
        ("within_days", pa.int64()),
        ("max_points", pa.int64()),
        ("expires_on", pa.date32()),
    ]
)
WITHIN_DAYS = 30  # a risk_assessment rule without within_days


def _cents(value: Decimal | None) -> int | None:
    return None if value is None else int(value * 100)


def rules_table(rules: list[PointsRule], as_of: dt.date) -> pa.Table:
    """The rules in force on T as rows the SQL joins (values only, never SQL text)."""
    rows = [
        {
            "rule_id": r.id,
            "rule_version": r.version,
            "kind": r.kind,
            "points": r.points,
            "unit_cents": _cents(r.unit),
            "min_cents": _cents(r.min_amount) or 0,
            "within_days": r.within_days if r.within_days is not None else WITHIN_DAYS,
            "max_points": r.max_points,
            "expires_on": expires_on(as_of, r.expiry_months),
        }
        for r in rules
    ]
    return pa.Table.from_pylist(rows, schema=RULES_SCHEMA)


def anniversary_days(previous: dt.date | None, as_of: dt.date) -> pa.Table:
    """(md, year) of each calendar day after the last loaded day through T (T alone on the
    first loaded day); 29 February is celebrated on the 28th in other years."""
    first = as_of if previous is None else previous + dt.timedelta(days=1)
    md: list[int] = []
    years: list[int] = []
    day = first
    while day <= as_of:
        md.append(day.month * 100 + day.day)
        years.append(day.year)
        if day.month == 2 and day.day == 28 and not _leap(day.year):
            md.append(229)
            years.append(day.year)
        day += dt.timedelta(days=1)
    return pa.table({"md": pa.array(md, pa.int64()), "year": pa.array(years, pa.int64())})


def _leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


@dataclass(frozen=True)
class DueMonth:
    """The month a monthly_assets rule rewards on T: its first day and its loaded days."""

    start: dt.date
    days: tuple[dt.date, ...]

    @property
    def ref(self) -> str:
        return f"{self.start:%Y-%m}"


def due_month(as_of: dt.date, loaded: list[dt.date]) -> DueMonth | None:
    """On the first loaded day of a month: the month of the loaded day before it."""
    before = [d for d in loaded if d < as_of]
    if not before or month_start(before[-1]) == month_start(as_of):
        return None
    start = month_start(before[-1])
    return DueMonth(start, tuple(d for d in before if month_start(d) == start))


@dataclass(frozen=True)
class PointsInputs:
    engine: Engine
    lake: LakeFiles
    warehouse: WarehouseLayout
    state: WarehouseState
    as_of: dt.date
    loaded_days: list[dt.date]  # every loaded business date (those after T are ignored)
    rules: list[PointsRule]  # the versions in force on T


@dataclass(frozen=True)
class PointsReport:
    as_of: dt.date
    awards: int
    customers: int
    points: int
    by_rule: dict[str, int] = field(default_factory=dict)  # rule id -> points
    month: str | None = None  # the month a monthly rule rewarded
    held_elsewhere: tuple[str, ...] = ()  # monthly rules whose month another date holds

    def note(self) -> str:
        rules = ", ".join(f"{k} {v:,}" for k, v in sorted(self.by_rule.items()))
        text = (
            f"{self.awards:,} award(s) to {self.customers:,} customers, {self.points:,} points"
            + (f" ({rules})" if rules else "")
        )
        if self.month:
            text += f"; month {self.month} rewarded"
        if self.held_elsewhere:
            text += f"; {', '.join(self.held_elsewhere)} of {self.month} held by another date"
        return text


def _feed_columns(feed: str) -> list[tuple[str, str]]:
    return [(c.name, LAKE_TYPES[c.type]) for c in FEEDS[feed].columns]


def _register_day(src: PointsInputs) -> None:
    if src.as_of.isoformat() not in src.state.days:
        raise LakeError(
            f"no customer_day of {src.as_of}",
            hint="run the step 'customer_day' first (brokerlens run does)",
        )
    files = day_files_covering(src.warehouse, src.state, [src.as_of])
    src.engine.register_parquet("points_day", files, DAY_COLUMNS)


def _register_lake(src: PointsInputs, kinds: set[str]) -> None:
    """The day's product orders and the risk assessments delivered on / before T (empty
    relations when no rule reads them)."""
    lake, engine, as_of = src.lake, src.engine, src.as_of
    orders = [p for d, p in lake.catalog.files_of(lake.layout, "product_trades") if d == as_of]
    engine.register_parquet(
        "points_product_trades",
        orders if "product_purchase" in kinds else [],
        _feed_columns("product_trades"),
    )
    assessed = lake.catalog.files_of(lake.layout, "risk_assessments")
    wanted = "risk_assessment" in kinds
    today = [p for d, p in assessed if d == as_of] if wanted else []
    before = [p for d, p in assessed if d < as_of] if wanted and today else []
    engine.register_parquet("points_assessments_today", today, _feed_columns("risk_assessments"))
    engine.register_parquet("points_assessments_before", before, [("assessment_id", "VARCHAR")])


def _month_held(
    warehouse: WarehouseLayout, as_of: dt.date, month: DueMonth, rule_ids: list[str]
) -> set[str]:
    """Monthly rules whose month another date of T's month already rewarded (a date loaded
    into a gap after a later date was run): they are not awarded again on T."""
    held: set[str] = set()
    for day in warehouse.points_award_dates():
        if day == as_of or month_start(day) != month_start(as_of):
            continue
        table = pq.read_table(
            warehouse.points_awards_file(day),
            columns=["rule_id"],
            filters=[("rule_id", "in", rule_ids), ("ref", "=", month.ref)],
        )
        held |= {str(v) for v in table.column("rule_id").to_pylist()}
    return held


def _register_month(src: PointsInputs, rules: list[PointsRule]) -> tuple[DueMonth | None, set[str]]:
    monthly = [r.id for r in rules if r.kind == "monthly_assets"]
    month = due_month(src.as_of, src.loaded_days) if monthly else None
    held = _month_held(src.warehouse, src.as_of, month, monthly) if month else set()
    files = (
        day_files_covering(src.warehouse, src.state, list(month.days))
        if month and set(monthly) - held
        else []
    )
    src.engine.register_parquet("points_month_day", files, DAY_COLUMNS)
    return month, held


def build_points(src: PointsInputs) -> PointsReport:
    """Write T's awards (sorted by customer) and their summary; returns what was written."""
    engine, warehouse, as_of = src.engine, src.warehouse, src.as_of
    loaded = sorted(d for d in src.loaded_days if d <= as_of)
    _register_day(src)
    month, held = _register_month(src, src.rules)
    rules = [r for r in src.rules if r.id not in held]
    engine.register_table("points_rules", rules_table(rules, as_of))
    _register_lake(src, {r.kind for r in rules})
    previous = loaded[-2] if len(loaded) >= 2 else None
    engine.register_table("points_anniversary_days", anniversary_days(previous, as_of))
    params: dict[str, dt.date | int | str] = {
        "as_of": as_of,
        "month_days": len(month.days) if month else 1,
        "month_ref": month.ref if month else "",
    }
    awards = warehouse.points_awards_file(as_of)
    rows = engine.write_parquet(
        load_sql(PACKAGE, "points_awards").sql, awards, params, row_group=AWARD_ROW_GROUP
    )
    engine.register_parquet("points_awards_t", [awards], AWARD_COLUMNS)
    engine.write_parquet(
        load_sql(PACKAGE, "points_summary").sql, warehouse.points_summary_file(as_of), {}
    )
    return _report(engine, as_of, rows, month, held)


def _report(
    engine: Engine, as_of: dt.date, rows: int, month: DueMonth | None, held: set[str]
) -> PointsReport:
    by_rule = {
        str(r["rule_id"]): int(r["points"])
        for r in engine.fetch(
            "SELECT rule_id, CAST(sum(points) AS BIGINT) AS points FROM points_awards_t "
            "GROUP BY rule_id"
        ).to_pylist()
    }
    customers = engine.fetch(
        "SELECT CAST(count(DISTINCT customer_id) AS BIGINT) AS n FROM points_awards_t"
    ).to_pylist()[0]["n"]
    return PointsReport(
        as_of=as_of,
        awards=rows,
        customers=int(customers or 0),
        points=sum(by_rule.values()),
        by_rule=by_rule,
        month=month.ref if month else None,
        held_elsewhere=tuple(sorted(held)),
    )
