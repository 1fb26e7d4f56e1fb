"""Product evaluation gives the same rows on Spark as on DuckDB: on long made-up series (every
figure, benchmarks, stars) and through the step on the small generated brokerage."""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest
from metrics_support import config, metrics, random_walk, series, weekdays

from brokerlens.config import load_settings
from brokerlens.engine import open_engine
from brokerlens.lake.catalog import read_catalog
from brokerlens.lake.layout import LakeLayout
from brokerlens.products.config import load_config
from brokerlens.products.evaluate import compute_product_metrics
from brokerlens.warehouse.layout import WarehouseLayout
from brokerlens.warehouse.sources import LakeFiles
from support.brokerage import Brokerage
from support.needs import need_java

pytestmark = pytest.mark.spark

AS_OF = dt.date(2026, 1, 13)


def _need_spark() -> None:
    need_java()


def _same(x: object, y: object) -> bool:
    if isinstance(x, float) and isinstance(y, float):
        return math.isclose(x, y, rel_tol=1e-9, abs_tol=1e-12)
    return x == y


def _assert_same(duck: dict[str, dict[str, Any]], spark: dict[str, dict[str, Any]]) -> None:
    assert spark.keys() == duck.keys()
    for product, want in duck.items():
        have = spark[product]
        assert list(have) == list(want)
        differing = [c for c in want if not _same(want[c], have[c])]
        assert not differing, f"{product}: {[(c, want[c], have[c]) for c in differing]}"


def test_spark_evaluates_made_up_series_as_duckdb_does(tmp_path: Path) -> None:
    _need_spark()
    days = weekdays(dt.date(2021, 11, 1), AS_OF)
    navs, products = [], []
    types = ("equity_fund", "bond_fund", "hybrid_fund")
    for i in range(12):
        start = i * 60  # histories from over 4 years to under one
        values = random_walk(days[start:], seed=i, drift=0.0001 * (i % 5), vol=0.004 + 0.002 * i)
        navs += series(f"P{i:02d}", days[start:], values, acc=i != 3)
        benchmark = ("沪深300指数收益率×80%+创业板指数收益率×20%", "沪深300指数", None)[i % 3]
        launch = days[start] - dt.timedelta(days=5) if i % 4 else None
        products.append((f"P{i:02d}", types[i % 3], "R3", benchmark, launch))
    closes = [
        (d, index, c)
        for index, seed in (("000300.SH", 100), ("399006.SZ", 101))
        for d, c in zip(days[200:], random_walk(days[200:], seed=seed, start=3000), strict=True)
    ]
    settings = config(stars={"months": 24})
    found = {}
    for name in ("duckdb", "spark"):
        engine = open_engine(name, load_settings(home=tmp_path / name))
        try:
            found[name] = metrics(engine, tmp_path, AS_OF, navs, products, closes, settings)
        finally:
            engine.close()
    duck = found["duckdb"]
    # the comparison covers every kind of figure
    assert sum(r["stars"] is not None for r in duck.values()) >= 6
    assert sum(r["tracking_error_1y"] is not None for r in duck.values()) >= 4
    assert sum(r["drawdown_recovery_days"] is not None for r in duck.values()) >= 2
    assert sum(r["return_since_launch"] is not None for r in duck.values()) >= 6
    _assert_same(duck, found["spark"])


def test_the_step_gives_the_same_rows_on_both_engines(
    small_brokerage: Brokerage, tmp_path: Path
) -> None:
    _need_spark()
    settings = small_brokerage.settings
    layout = LakeLayout(settings.lake_dir)
    lake = LakeFiles(layout, read_catalog(layout))
    as_of = max(lake.days)
    found = {}
    for name in ("duckdb", "spark"):
        warehouse = WarehouseLayout(tmp_path / name)
        engine = open_engine(name, settings)
        try:
            lake.register_all(engine)
            rows = compute_product_metrics(engine, lake, warehouse, as_of, load_config())
        finally:
            engine.close()
        table = pq.read_table(warehouse.product_metrics_file(as_of))
        assert table.num_rows == rows
        found[name] = {r["product_id"]: r for r in table.to_pylist()}
    duck = found["duckdb"]
    assert len(duck) > 20
    assert sum(r["max_drawdown"] is not None for r in duck.values()) > 20
    _assert_same(found["duckdb"], found["spark"])
