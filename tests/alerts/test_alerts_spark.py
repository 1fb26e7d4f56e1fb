"""The alerts' compiled trees, branch overrides included, give the same rows on Spark as on
DuckDB (the explanation, figures and thresholds alike)."""

from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq
import pytest
from alert_rows import T, customer, write_indicators
from test_alert_rules import CASES

from brokerlens.alerts import alerts_file, evaluate_alerts, save_thresholds
from brokerlens.config import load_settings
from brokerlens.engine.duckdb_engine import DuckDBEngine
from brokerlens.warehouse.layout import WarehouseLayout
from support.needs import need_java

pytestmark = pytest.mark.spark


def test_duckdb_and_spark_fire_the_same_alerts(tmp_path: Path) -> None:
    need_java()
    from brokerlens.engine.spark_engine import SparkEngine

    settings = load_settings(home=tmp_path / "home")
    store = WarehouseLayout(settings.warehouse_dir)
    rows = [
        customer(f"{alert}/{case}/{branch}", values, branch)
        for alert, cases in CASES.items()
        for case, values, _ in cases
        for branch in ("B1", "B2")
    ]
    write_indicators(store, rows)
    save_thresholds(settings, "fund_movement", "B2", {"min_amount": 55_000}, "amy")
    save_thresholds(settings, "heavy_loss", "B2", {"min_underperformance": 0.05}, "amy")
    found = {}
    for name, engine in (("duckdb", DuckDBEngine()), ("spark", SparkEngine())):
        try:
            counts = evaluate_alerts(engine, settings, store, T)
        finally:
            engine.close()
        found[name] = (counts, pq.read_table(alerts_file(store, T)).to_pylist())
    assert found["spark"] == found["duckdb"]
    counts = found["duckdb"][0]
    assert counts["fund_movement"] == 2 * 3 - 1  # B2's 55,000 stops "above" (50,000.01)
    assert counts["heavy_loss"] == 1 + 3  # B2 at 0.05: "below" and "at" fire there too
