"""Compute the KPI of each month to score as of T: the customers behind every built-in metric
(detail), every staff member's metric values, then the scores and ranks of the active schemes.

Months: the month of T (to date) always; each complete month whose file is missing or was
written while the month was still running (its `as_of_date` before the month's last loaded
day), at most `KEEP_MONTHS` back. A month once complete keeps the scheme version it was scored
with: a scheme applied later scores the running month on from the next run.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from brokerlens.brokers.kpi.metrics import EFFECTIVE_FUNDING_YUAN, METRICS
from brokerlens.brokers.kpi.model import SchemeFile
from brokerlens.brokers.kpi.scoring import StaffScore, StaffValues, score_all
from brokerlens.brokers.training.items import empty_items
from brokerlens.contract.feeds import FEEDS, LAKE_TYPES
from brokerlens.engine import Engine
from brokerlens.engine.sqlfiles import load_sql
from brokerlens.engine.sqltext import literal
from brokerlens.models.asof import parquet_columns
from brokerlens.models.days import DAY_COLUMNS, day_files_covering
from brokerlens.warehouse.layout import WarehouseLayout
from brokerlens.warehouse.sources import LakeFiles
from brokerlens.warehouse.state import WarehouseState
from brokerlens.warehouse.windows import month_start

PACKAGE = "brokerlens.brokers.kpi"
KEEP_MONTHS = 12  # complete months scored back from T (a first run over a long history)
DETAIL_ROW_GROUP = 64_000  # the drill-down reads one staff member's rows
DETAIL_COLUMNS = [
    ("month", "DATE"),
    ("metric", "VARCHAR"),
    ("staff_id", "VARCHAR"),
    ("customer_id", "VARCHAR"),
    ("role", "VARCHAR"),
    ("weight", "DECIMAL(18,4)"),
    ("amount", "DECIMAL(18,4)"),
    ("credited", "DECIMAL(18,6)"),
]
DEC = pa.decimal128(38, 6)
SCORE = pa.decimal128(9, 2)


@dataclass(frozen=True)
class MonthReport:
    month: dt.date
    as_of: dt.date
    staff: int
    detail_rows: int
    seconds: float


@dataclass
class KpiReport:
    version: str
    months: list[MonthReport] = field(default_factory=list)

    @property
    def rows(self) -> int:
        return sum(m.staff for m in self.months)

    def note(self) -> str:
        if not self.months:
            return "no month to score"
        done = ", ".join(
            f"{m.month:%Y-%m} ({m.staff:,} staff, {m.seconds:.1f}s)" for m in self.months
        )
        return f"schemes {self.version}: {done}"


@dataclass(frozen=True)
class KpiInputs:
    engine: Engine
    lake: LakeFiles
    warehouse: WarehouseLayout
    state: WarehouseState
    as_of: dt.date
    # the required training assignments (brokers.training.items.ITEMS_SCHEMA); None: none
    training: pa.Table | None = None


def months_to_score(
    warehouse: WarehouseLayout, loaded: list[dt.date], as_of: dt.date
) -> list[tuple[dt.date, dt.date]]:
    """(month start, the period's last day) for each month to (re)compute, oldest first."""
    last_day: dict[dt.date, dt.date] = {}
    for day in sorted(d for d in loaded if d <= as_of):
        last_day[month_start(day)] = day
    current = month_start(as_of)
    complete = [m for m in sorted(last_day) if m < current][-KEEP_MONTHS:]
    stale = [
        (m, last_day[m]) for m in complete if _scored_as_of(warehouse.kpi_file(m)) != last_day[m]
    ]
    return [*stale, (current, as_of)]


def _scored_as_of(path: Path) -> dt.date | None:
    if not path.is_file():
        return None
    column = pq.read_table(path, columns=["as_of_date"]).column("as_of_date")
    return column[0].as_py() if len(column) else None


def build_kpi(src: KpiInputs, schemes: SchemeFile, version: str) -> KpiReport:
    report = KpiReport(version)
    ledger = src.warehouse.ledger_file(src.as_of)
    if not ledger.is_file():
        return report  # the ledger step of T has not run: nothing to attribute with
    src.engine.register_parquet("ledger", [ledger], parquet_columns(ledger))
    metric_list = pa.table({"metric": list(METRICS), "kind": [m.kind for m in METRICS.values()]})
    src.engine.register_table("kpi_metric_list", metric_list)
    training = src.training if src.training is not None else empty_items()
    src.engine.register_table("kpi_training", training)
    for month, end in months_to_score(src.warehouse, sorted(src.lake.days), src.as_of):
        report.months.append(_score_month(src, schemes, version, month, end))
    return report


def _params(names: set[str], month: dt.date, end: dt.date) -> dict[str, dt.date | int]:
    every: dict[str, dt.date | int] = {
        "month_start": month,
        "period_start": month,
        "period_end": end,
        "effective_yuan": int(EFFECTIVE_FUNDING_YUAN),
    }
    return {k: v for k, v in every.items() if k in names}


def _materialise(src: KpiInputs, name: str, month: dt.date, end: dt.date) -> None:
    model = load_sql(PACKAGE, name)
    path = src.warehouse.run_file(name, "kpi")
    src.engine.write_parquet(model.sql, path, _params(model.params, month, end))
    src.engine.register_parquet(name, [path], parquet_columns(path))


def _register_facts(src: KpiInputs, days: list[dt.date]) -> None:
    """The contacts and product orders of the period's days under names of their own (the
    feeds' relations stay as the run registered them, for the steps after this one)."""
    wanted = set(days)
    for feed in ("contacts", "product_trades"):
        files = [p for day, p in src.lake.catalog.files_of(src.lake.layout, feed) if day in wanted]
        columns = [(c.name, LAKE_TYPES[c.type]) for c in FEEDS[feed].columns]
        src.engine.register_parquet(f"kpi_{feed}", files, columns)


def detail_sql() -> tuple[str, set[str]]:
    """Every metric's customers in one query (each metric's own SQL file), with its params."""
    parts, names = [], set()
    for metric in METRICS.values():
        model = load_sql(PACKAGE, metric.sql_name)
        names |= model.params
        parts.append(
            f"SELECT {literal(metric.id)} AS metric, staff_id, customer_id, role, "
            "CAST(weight AS DECIMAL(18, 4)) AS weight, CAST(amount AS DECIMAL(18, 4)) AS amount, "
            f"CAST(credited AS DECIMAL(18, 6)) AS credited FROM ({model.sql.strip()}) AS m"
        )
    union = "\nUNION ALL\n".join(parts)
    sql = (
        "SELECT CAST(:month_start AS DATE) AS month, metric, staff_id, customer_id, role, weight, "
        f"amount, credited FROM (\n{union}\n) AS d ORDER BY staff_id, metric, customer_id"
    )
    return sql, names | {"month_start"}


def _score_month(
    src: KpiInputs, schemes: SchemeFile, version: str, month: dt.date, end: dt.date
) -> MonthReport:
    started = time.perf_counter()
    days = [d for d in src.lake.days if month <= d <= end]
    src.engine.register_parquet(
        "kpi_days", day_files_covering(src.warehouse, src.state, days), DAY_COLUMNS
    )
    _register_facts(src, days)
    for name in ("kpi_customers", "kpi_period", "kpi_book", "kpi_staff", "kpi_credit"):
        _materialise(src, name, month, end)
    sql, names = detail_sql()
    detail = src.warehouse.kpi_detail_file(month)
    rows = src.engine.write_parquet(
        sql, detail, _params(names, month, end), row_group=DETAIL_ROW_GROUP
    )
    src.engine.register_parquet("kpi_detail", [detail], DETAIL_COLUMNS)
    values = load_sql(PACKAGE, "kpi_values")
    values_path = src.warehouse.kpi_values_file(month)
    src.engine.write_parquet(values.sql, values_path, _params(values.params, month, end))
    scored = score_all(schemes, read_values(values_path))
    src.engine.register_table("kpi_scored", scores_table(scored, month, end, version))
    src.engine.write_parquet(load_sql(PACKAGE, "kpi_scores").sql, src.warehouse.kpi_file(month))
    return MonthReport(month, end, len(scored), rows, round(time.perf_counter() - started, 2))


def read_values(path: Path) -> list[StaffValues]:
    """The staff of a values file, each with every metric's value."""
    table = pq.read_table(
        path,
        columns=["staff_id", "position", "unit_id", "branch_id", "region_id", "metric", "value"],
    )
    found: dict[str, StaffValues] = {}
    for row in table.to_pylist():
        member = found.get(row["staff_id"])
        if member is None:
            member = StaffValues(
                row["staff_id"],
                row["position"],
                row["unit_id"],
                row["branch_id"],
                row["region_id"],
                {},
            )
            found[row["staff_id"]] = member
        value = row["value"]
        member.values[row["metric"]] = Decimal(value) if value is not None else None
    return list(found.values())


def scores_table(
    scored: list[StaffScore], month: dt.date, as_of: dt.date, version: str
) -> pa.Table:
    rows = [
        {
            "month": month,
            "as_of_date": as_of,
            "staff_id": s.staff.staff_id,
            "position": s.staff.position,
            "unit_id": s.staff.unit_id,
            "branch_id": s.staff.branch_id,
            "region_id": s.staff.region_id,
            "scheme_version": version,
            "metric": m.metric,
            "value": m.value,
            "target": m.target,
            "score": m.score,
            "weight": m.weight,
            "total": s.total,
            "rank_in_unit": s.ranks["unit"],
            "rank_in_branch": s.ranks["branch"],
            "rank_in_region": s.ranks["region"],
            "unit_size": s.sizes["unit"],
            "branch_size": s.sizes["branch"],
            "region_size": s.sizes["region"],
        }
        for s in scored
        for m in s.metrics
    ]
    return pa.Table.from_pylist(rows, schema=SCORES_SCHEMA)


SCORES_SCHEMA = pa.schema(
    [
        ("month", pa.date32()),
        ("as_of_date", pa.date32()),
        ("staff_id", pa.string()),
        ("position", pa.string()),
        ("unit_id", pa.string()),
        ("branch_id", pa.string()),
        ("region_id", pa.string()),
        ("scheme_version", pa.string()),
        ("metric", pa.string()),
        ("value", DEC),
        ("target", DEC),
        ("score", SCORE),
        ("weight", SCORE),
        ("total", SCORE),
        ("rank_in_unit", pa.int32()),
        ("rank_in_branch", pa.int32()),
        ("rank_in_region", pa.int32()),
        ("unit_size", pa.int32()),
        ("branch_size", pa.int32()),
        ("region_size", pa.int32()),
    ]
)
