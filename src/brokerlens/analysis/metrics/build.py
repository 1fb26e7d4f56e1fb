"""Write the business metrics of T (`metrics/<T>.parquet`) on the run's engine.

The base rows (`sql/metric_base.sql`: one per period and customer; `sql/metric_products.sql`:
one per period, customer and product type) are summed, a period at a time, in one pass into fine
sums: per branch, team and staff member, and per branch and member of each dimension. Every
level above (the brokerage, regions; teams and staff uncut) is summed from those small rows. The
sums are SELECTs built here from the metric catalog (each metric's checked expression), then
turned into one row per metric.

Org units are those of T: a customer counts for the branch the customers feed names, that
branch's region and the brokerage; for the team and staff member of their servicer in the
relationship ledger of T (the largest share). Tiers are T's too: "the business of customers now
in tier X". The maps of branches to regions and staff to teams are made in Python from the org
and staff feeds as of T (thousands of rows; a recursive query is not portable to every engine).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from brokerlens.analysis.metrics.catalog import Metric, Metrics, compiled
from brokerlens.analysis.metrics.periods import Period, periods_as_of, periods_table, segments
from brokerlens.brokers.book.build import as_of_rows, feed_days, register_ledger
from brokerlens.engine import Engine
from brokerlens.engine.sqlfiles import load_sql
from brokerlens.engine.sqltext import literal
from brokerlens.models.asof import parquet_columns
from brokerlens.models.days import DAY_COLUMNS, MONTH_COLUMNS, day_files_covering
from brokerlens.warehouse.layout import WarehouseLayout
from brokerlens.warehouse.sources import LakeFiles
from brokerlens.warehouse.state import WarehouseState
from brokerlens.warehouse.windows import month_start, next_month

PACKAGE = "brokerlens.analysis.metrics"
PASS_ROWS = 1_500_000  # customer-period rows one pass joins: 3,000,000 customers, one period
TIER_COLUMN = "customer_tier"
METRIC_COLUMNS = [
    ("as_of_date", "DATE"),
    ("period", "VARCHAR"),
    ("metric", "VARCHAR"),
    ("level", "VARCHAR"),
    ("unit_id", "VARCHAR"),
    ("dimension", "VARCHAR"),
    ("member", "VARCHAR"),
    ("numerator", "DECIMAL(38,2)"),
    ("denominator", "DECIMAL(38,2)"),
    ("value", "DECIMAL(38,6)"),
]


@dataclass(frozen=True)
class MetricInputs:
    engine: Engine
    lake: LakeFiles
    warehouse: WarehouseLayout
    state: WarehouseState
    as_of: dt.date
    loaded_days: list[dt.date]


def _with_month_files(periods: list[Period], warehouse: WarehouseLayout) -> list[Period]:
    """A period whose complete months lack a month file reads those months day by day."""
    fixed = []
    for p in periods:
        if all(warehouse.month_file(m).is_file() for m in p.months()):
            fixed.append(p)
        else:
            fixed.append(replace(p, months_from=p.months_to))
    return fixed


def org_rows(units: pa.Table) -> pa.Table:
    """(branch_id, region_id, hq_id): each branch, the region above it and the root."""
    parent = dict(
        zip(units.column("unit_id").to_pylist(), units.column("parent_id").to_pylist(), strict=True)
    )
    kind = dict(
        zip(units.column("unit_id").to_pylist(), units.column("unit_type").to_pylist(), strict=True)
    )
    rows: dict[str, list[str | None]] = {"branch_id": [], "region_id": [], "hq_id": []}
    for unit, unit_type in kind.items():
        if unit_type != "branch":
            continue
        region, root, current, seen = None, unit, parent.get(unit), {unit}
        while current is not None and current not in seen:
            seen.add(current)
            if kind.get(current) == "region" and region is None:
                region = current
            root = current
            current = parent.get(current)
        rows["branch_id"].append(unit)
        rows["region_id"].append(region)
        rows["hq_id"].append(root)
    return pa.table(rows, schema=pa.schema([(k, pa.string()) for k in rows]))


def _register_org(engine: Engine, as_of: dt.date) -> None:
    units = as_of_rows(engine, "org_units", "unit_id, parent_id, unit_type", as_of)
    engine.register_table("metric_orgs", org_rows(units))
    engine.create_view(
        "metric_staff_units",
        "SELECT s.staff_id, s.unit_id, u.unit_type FROM ("
        "SELECT staff_id, unit_id FROM staff_history WHERE valid_from <= :as_of "
        "AND (valid_to IS NULL OR valid_to > :as_of)) AS s LEFT JOIN ("
        "SELECT unit_id, unit_type FROM org_units_history WHERE valid_from <= :as_of "
        "AND (valid_to IS NULL OR valid_to > :as_of)) AS u ON u.unit_id = s.unit_id",
        {"as_of": as_of},
    )


def _register_tiers(engine: Engine, warehouse: WarehouseLayout, as_of: dt.date) -> None:
    path = warehouse.profile_file(as_of)
    if path.is_file() and TIER_COLUMN in pq.read_schema(path).names:
        columns = [("customer_id", "VARCHAR"), (TIER_COLUMN, "VARCHAR")]
        engine.register_parquet("metric_profile", [path], columns)
        engine.create_view(
            "metric_tiers", f"SELECT customer_id, {TIER_COLUMN} AS tier FROM metric_profile"
        )
        return
    empty = pa.table({"customer_id": pa.array([], pa.string()), "tier": pa.array([], pa.string())})
    engine.register_table("metric_tiers", empty)


def _sums(metrics: list[Metric]) -> tuple[list[str], dict[str, tuple[str, str | None]]]:
    """The SELECT's sum columns and, per metric, the names of its numerator and denominator."""
    columns: list[str] = []
    names: dict[str, tuple[str, str | None]] = {}
    for i, metric in enumerate(metrics):
        value, per = compiled(metric)
        columns.append(f"sum(CAST({value} AS DECIMAL(18, 2))) AS n_{i}")
        den = None
        if per is not None:
            columns.append(f"sum(CAST({per} AS DECIMAL(18, 2))) AS d_{i}")
            den = f"d_{i}"
        names[metric.id] = (f"n_{i}", den)
    return columns, names


def _fine(base: str, dimensions: tuple[str, ...], sums: list[str]) -> str:
    """One pass over `base` (millions of rows) into small sums: per branch, team and staff
    member, and per branch and member of each dimension. Every level above is summed from these
    (`_rollups`): a pass per grouping set over the base would cost five times more."""
    keys = ["branch_id", "team_id", "staff_id", *dimensions]
    sets = ["(period, branch_id, team_id, staff_id)"]
    sets += [f"(period, branch_id, {d})" for d in dimensions]
    flags = ", ".join(f"GROUPING({k}) AS g_{k}" for k in ("staff_id", *dimensions))
    return (
        f"SELECT period, {', '.join(keys)}, {flags}, {', '.join(sums)} "
        f"FROM {base} GROUP BY GROUPING SETS ({', '.join(sets)})"
    )


def _rollups(fine: str, dimensions: tuple[str, ...], aliases: list[str]) -> str:
    """Each level's sums from the fine sums: staff, team, branch, region and the brokerage
    uncut; branch, region and the brokerage per member of each dimension (the org tree of T)."""
    summed = ", ".join(f"sum(f.{a}) AS {a}" for a in aliases)
    source = f"{fine} AS f LEFT JOIN metric_orgs AS o ON o.branch_id = f.branch_id"
    org = (("branch", "f.branch_id"), ("region", "o.region_id"), ("hq", "o.hq_id"))
    parts = []
    for level, key in (("staff", "f.staff_id"), ("team", "f.team_id"), *org):
        unit = f"coalesce({key}, '')"
        parts.append(
            f"SELECT f.period, {literal(level)} AS level, {unit} AS unit_id, '' AS dimension, "
            f"'' AS member, {summed} FROM {source} WHERE f.g_staff_id = 0 "
            f"GROUP BY f.period, {unit}"
        )
    for dim in dimensions:
        for level, key in org:
            unit = f"coalesce({key}, '')"
            parts.append(
                f"SELECT f.period, {literal(level)} AS level, {unit} AS unit_id, "
                f"{literal(dim)} AS dimension, f.{dim} AS member, {summed} FROM {source} "
                f"WHERE f.g_{dim} = 0 GROUP BY f.period, {unit}, f.{dim}"
            )
    return " UNION ALL ".join(parts)


def _long(
    source: str, metrics: list[Metric], names: dict[str, tuple[str, str | None]], as_of: dt.date
) -> list[str]:
    """One SELECT per metric over the summed rows: (as_of_date ... value)."""
    selects = []
    for metric in metrics:
        num, den = names[metric.id]
        if metric.market_share:
            den_sql = "CAST(2 * m.market_turnover AS DECIMAL(38, 2))"
        elif den is not None:
            den_sql = f"s.{den}"
        else:
            den_sql = "CAST(NULL AS DECIMAL(38, 2))"
        if metric.is_rate:
            value = (
                f"CAST(CAST(s.{num} AS DOUBLE) / CAST(nullif({den_sql}, 0) AS DOUBLE) "
                "AS DECIMAL(38, 6))"
            )
        else:
            value = f"CAST(s.{num} AS DECIMAL(38, 6))"
        join = " LEFT JOIN metric_market AS m ON m.period = s.period" if metric.market_share else ""
        selects.append(
            f"SELECT CAST({literal(as_of.isoformat())} AS DATE) AS as_of_date, s.period, "
            f"{literal(metric.id)} AS metric, s.level, s.unit_id, s.dimension, s.member, "
            f"CAST(s.{num} AS DECIMAL(38, 2)) AS numerator, "
            f"CAST({den_sql} AS DECIMAL(38, 2)) AS denominator, {value} AS value "
            f"FROM {source} AS s{join} WHERE s.unit_id <> ''"
        )
    return selects


def _passes(engine: Engine, periods: list[Period]) -> list[list[Period]]:
    """The periods in groups of about PASS_ROWS customer-period rows (at least one period)."""
    found = engine.fetch("SELECT count(*) AS n FROM metric_customers").column(0)[0].as_py()
    size = max(1, PASS_ROWS // max(int(found or 0), 1))
    return [periods[i : i + size] for i in range(0, len(periods), size)]


def build_metrics(src: MetricInputs, catalog: Metrics) -> int:
    """Write the metrics of T; returns its rows."""
    engine, warehouse, as_of = src.engine, src.warehouse, src.as_of
    periods = _with_month_files(periods_as_of(as_of, src.loaded_days), warehouse)
    engine.register_table("metric_periods", periods_table(periods))
    parts = segments(periods, src.loaded_days)
    engine.register_table("metric_day_segments", parts.days)
    engine.register_table("metric_month_segments", parts.months)
    engine.register_table("metric_segment_periods", parts.periods)
    days = sorted({d for p in periods for d in p.days(src.loaded_days)})
    months = sorted({m for p in periods for m in p.months()})
    engine.register_parquet(
        "metric_day", day_files_covering(warehouse, src.state, days), DAY_COLUMNS
    )
    engine.register_parquet(
        "metric_month", [warehouse.month_file(m) for m in months], MONTH_COLUMNS
    )
    _register_org(engine, as_of)
    register_ledger(engine, warehouse, as_of, name="metric_ledger")
    _register_tiers(engine, warehouse, as_of)
    params = {"as_of": as_of}
    run = warehouse.run_file
    units = run("metric_units", "metrics")
    engine.write_parquet(load_sql(PACKAGE, "metric_units").sql, units, params)
    engine.register_parquet("metric_units", [units], parquet_columns(units))
    people = run("metric_customers", "metrics")
    first = {"as_of": as_of, "first_start": min(p.start for p in periods)}
    engine.write_parquet(load_sql(PACKAGE, "metric_customers").sql, people, first)
    engine.register_parquet("metric_customers", [people], parquet_columns(people))
    engine.create_view(
        "metric_branches",
        "SELECT customer_id, branch_id FROM metric_customers WHERE valid_from <= :as_of "
        "AND (valid_to IS NULL OR valid_to > :as_of)",
        {"as_of": as_of},
    )
    flows = run("metric_flows", "metrics")
    engine.write_parquet(load_sql(PACKAGE, "metric_flows").sql, flows)
    engine.register_parquet("metric_flows_all", [flows], parquet_columns(flows))
    every_day = [d for p in periods for d in src.loaded_days if p.start <= d <= p.end]
    feed_days(engine, src.lake, "product_trades", "metric_orders", sorted(set(every_day)))
    stock_days = [p.stock_day for p in periods]
    feed_days(engine, src.lake, "product_holdings", "metric_holdings", stock_days)
    feed_days(engine, src.lake, "quotes", "metric_quotes", sorted(set(every_day)))
    engine.register_table("metric_market", engine.fetch(load_sql(PACKAGE, "metric_market").sql))

    bases = (
        ("customers", "metric_base", ("tier", "channel", "customer_type", "age_band")),
        ("products", "metric_products", ("product_type",)),
    )
    chosen = {b: [m for m in catalog.values() if m.base == b] for b, _, _ in bases}
    summed_by = {b: _sums(chosen[b]) for b, _, _ in bases if chosen[b]}
    fine_files: dict[str, list[Path]] = {b: [] for b in summed_by}
    # A few periods a pass: the joins of 3,000,000 customers' rows for every period at once
    # outgrow the engine's memory cap (there, one period a pass); a small book takes them all
    # in one pass (each pass is a job on Spark). The fine sums of each pass are small.
    for i, batch in enumerate(_passes(engine, periods)):
        engine.register_table("metric_periods", periods_table(batch))
        engine.create_view(
            "metric_flows",
            "SELECT * FROM metric_flows_all WHERE period IN (SELECT period FROM metric_periods)",
        )
        engine.create_view("metric_base", load_sql(PACKAGE, "metric_base").sql)
        engine.create_view("metric_products", load_sql(PACKAGE, "metric_products").sql, params)
        for base, relation, dims in bases:
            if base not in summed_by:
                continue
            part = run(f"metric_fine_{base}_{i}", "metrics")
            engine.write_parquet(_fine(relation, dims, summed_by[base][0]), part)
            fine_files[base].append(part)

    selects: list[str] = []
    for base, _, dims in bases:
        if base not in summed_by:
            continue
        _, names = summed_by[base]
        aliases = [a for pair in names.values() for a in pair if a is not None]
        files = fine_files[base]
        engine.register_parquet(f"metric_fine_{base}", files, parquet_columns(files[0]))
        summed = run(f"metric_sums_{base}", "metrics")
        engine.write_parquet(_rollups(f"metric_fine_{base}", dims, aliases), summed)
        engine.register_parquet(f"metric_sums_{base}", [summed], parquet_columns(summed))
        selects += _long(f"metric_sums_{base}", chosen[base], names, as_of)
    order = "ORDER BY metric, period, level, unit_id, dimension, member"
    sql = f"SELECT * FROM ({' UNION ALL '.join(selects)}) AS x {order}"
    return engine.write_parquet(sql, warehouse.metrics_file(as_of))


def trend_months(loaded: list[dt.date], as_of: dt.date, kept: list[dt.date]) -> list[dt.date]:
    """The months whose trend file is (re)written: T's month (a new day) and any loaded month up
    to T without one (the first run writes them all)."""
    have = set(kept)
    months = sorted({month_start(d) for d in loaded if d <= as_of})
    return [m for m in months if m == month_start(as_of) or m not in have]


def build_trend(src: MetricInputs) -> list[dt.date]:
    """Write the trend file of every month `trend_months` names, with the org units of T
    (`build_metrics` registered them); returns those months."""
    engine, warehouse = src.engine, src.warehouse
    todo = trend_months(src.loaded_days, src.as_of, warehouse.metric_trend_months())
    sql = load_sql(PACKAGE, "metric_trend").sql
    for month in todo:
        days = [d for d in src.loaded_days if month_start(d) == month and d <= src.as_of]
        files = day_files_covering(warehouse, src.state, days)
        engine.register_parquet("trend_day", files, DAY_COLUMNS)
        params = {"month_start": month, "month_end": next_month(month)}
        engine.write_parquet(sql, warehouse.metric_trend_file(month), params)
    return todo
