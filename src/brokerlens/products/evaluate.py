"""The product evaluation step of `brokerlens run`: `<warehouse>/products/metrics/<T>.parquet`.

Every product with a NAV series on or before T gets its returns, risk and risk-adjusted
figures, its rank within its type and its internal stars (内部评价, MRAR(2)); see the header of
`sql/product_metrics.sql` for each column and domain.md section 4 for the definitions. The SQL
runs on the chosen engine over five relations this module registers: `pm_nav` (product_nav),
`pm_index` (index_quotes), `pm_products` (products as of T), `pm_offsets` (the month anchors)
and `pm_bench_parts` (the benchmarks the feeds carry, parsed by `benchmark.py`). Its cost grows
with products x NAV days, not with customers.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pyarrow as pa

from brokerlens.contract.feeds import FEEDS, LAKE_TYPES
from brokerlens.engine import Engine
from brokerlens.engine.sqlfiles import load_sql
from brokerlens.products.benchmark import benchmark_parts
from brokerlens.products.config import EvaluationConfig
from brokerlens.warehouse.layout import WarehouseLayout
from brokerlens.warehouse.sources import LakeFiles
from brokerlens.warehouse.views import backfilled_sql

# The intermediate models, in the order each reads the ones before. Those read several times
# are materialised (scratch Parquet files, registered back with these columns) so that the
# lake's many small files are read once; the others are views.
MATERIALISED: dict[str, list[tuple[str, str]]] = {
    "pm_series": [
        ("product_id", "VARCHAR"),
        ("biz_date", "DATE"),
        ("nav", "DOUBLE"),
        ("value", "DOUBLE"),
        ("prev_date", "DATE"),
        ("prev_value", "DOUBLE"),
        ("ret", "DOUBLE"),
    ],
    "pm_bounds": [
        ("product_id", "VARCHAR"),
        ("first_date", "DATE"),
        ("nav_date", "DATE"),
        ("points", "INTEGER"),
        ("first_value", "DOUBLE"),
        ("value", "DOUBLE"),
        ("nav", "DOUBLE"),
    ],
    "pm_anchors": [
        ("product_id", "VARCHAR"),
        ("kind", "VARCHAR"),
        ("k", "INTEGER"),
        ("anchor_date", "DATE"),
        ("point_date", "DATE"),
        ("value", "DOUBLE"),
    ],
    "pm_index_filled": [("index_id", "VARCHAR"), ("biz_date", "DATE"), ("close", "DOUBLE")],
    "pm_returns_1y": [
        ("product_id", "VARCHAR"),
        ("biz_date", "DATE"),
        ("ret", "DOUBLE"),
        ("bench_ret", "DOUBLE"),
    ],
}
VIEWS = ("pm_drawdown", "pm_mrar")
PRODUCT_COLUMNS = ("product_id", "product_type", "risk_level", "benchmark", "launch_date")


def _feed_upto(engine: Engine, lake: LakeFiles, feed: str, name: str, as_of: dt.date) -> None:
    """A dated feed over every loaded date up to T (backfilled history included), under a name
    of our own: other steps may have narrowed the feed's own relation to their dates."""
    files = [p for day, p in lake.catalog.files_of(lake.layout, feed) if day <= as_of]
    columns = [(c.name, LAKE_TYPES[c.type]) for c in FEEDS[feed].columns]
    engine.register_parquet(name, files, columns)


def register_lake(engine: Engine, lake: LakeFiles, as_of: dt.date) -> None:
    """`pm_nav`, `pm_index` and `pm_products` from the lake (the run registered
    `products_history` already)."""
    # the daily NAVs up to T plus the delivered history before them (product_nav_backfill, which
    # the run registered with every feed): a product's 1- and 3-year figures need its past
    _feed_upto(engine, lake, "product_nav", "pm_nav__daily", as_of)
    engine.create_view(
        "pm_nav",
        f"SELECT * FROM ({backfilled_sql(FEEDS['product_nav'], 'pm_nav__daily')}) "
        "WHERE biz_date <= :as_of",
        {"as_of": as_of},
    )
    _feed_upto(engine, lake, "index_quotes", "pm_index", as_of)
    engine.create_view(
        "pm_products",
        f"SELECT {', '.join(PRODUCT_COLUMNS)} FROM products_history "
        "WHERE valid_from <= :as_of AND (valid_to IS NULL OR valid_to > :as_of)",
        {"as_of": as_of},
    )


def offsets(config: EvaluationConfig) -> list[int]:
    """The month anchors: 0 (the newest NAV), the periods, the drawdown span, the stars' span."""
    wanted = {0, 1, 3, 6, 12, 12 * config.drawdown_years}
    wanted.update(range(config.stars.months + 1))
    return sorted(wanted)


def params(config: EvaluationConfig, as_of: dt.date) -> dict[str, dt.date | float | int]:
    s5, s4, s3, s2 = config.stars.cumulative_permille
    return {
        "as_of": as_of,
        "fresh_from": as_of - dt.timedelta(days=config.stale_after_days),
        "rf_daily": config.rf_daily,
        "rf_monthly": config.rf_monthly,
        "periods": config.periods_per_year,
        "drawdown_months": 12 * config.drawdown_years,
        "star_months": config.stars.months,
        "launch_tolerance_days": config.launch_tolerance_days,
        "stars_5": s5,
        "stars_4": s4,
        "stars_3": s3,
        "stars_2": s2,
    }


def evaluate(
    engine: Engine, path: Path, scratch: Path, as_of: dt.date, config: EvaluationConfig
) -> int:
    """Write the evaluation over the registered `pm_nav`, `pm_index` and `pm_products` to
    `path` (whole, atomically; intermediate models under `scratch`); returns the number of
    products."""
    engine.register_table("pm_offsets", pa.table({"k": pa.array(offsets(config), pa.int32())}))
    texts = engine.fetch("SELECT DISTINCT benchmark FROM pm_products").column(0).to_pylist()
    engine.register_table("pm_bench_parts", benchmark_parts(texts, config.benchmark_indexes))
    values = params(config, as_of)
    for name, columns in MATERIALISED.items():
        model = load_sql("brokerlens.products", name)
        file = scratch / f"{name}.parquet"
        engine.write_parquet(model.sql, file, {k: values[k] for k in model.params})
        engine.register_parquet(name, [file], columns)
    for name in VIEWS:
        model = load_sql("brokerlens.products", name)
        engine.create_view(name, model.sql, {k: values[k] for k in model.params})
    model = load_sql("brokerlens.products", "product_metrics")
    return engine.write_parquet(model.sql, path, {k: values[k] for k in model.params})


def compute_product_metrics(
    engine: Engine,
    lake: LakeFiles,
    warehouse: WarehouseLayout,
    as_of: dt.date,
    config: EvaluationConfig,
) -> int:
    """Write `products/metrics/<T>.parquet`; returns the number of products evaluated."""
    register_lake(engine, lake, as_of)
    scratch = warehouse.run_dir / "products"
    return evaluate(engine, warehouse.product_metrics_file(as_of), scratch, as_of, config)
