"""The same small brokerage through DuckDB and through Spark on a standalone cluster (a master
and two workers on 127.0.0.1, `BROKERLENS_SPARK_MASTER=spark://...`): identical indicators (an
installation's derived indicators included), profile, alerts, suitability facts and holdings
above class, churn features and labels, and risk preference features.

Spark's local mode (`local[N]`, the default) runs the same SQL in one JVM; the dialect tests
(tests/engine) and the products' Spark tests run on it. The whole pipeline runs once here, on
the cluster: executors in their own JVMs read the lake and write the warehouse's files."""

from __future__ import annotations

import math
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pytest

from brokerlens.churn.config import load_config
from brokerlens.churn.data import ChurnData
from brokerlens.config import load_settings
from brokerlens.engine import open_engine
from brokerlens.engine.spark_session import stop_session
from brokerlens.engine.sqltext import literal
from brokerlens.indicators import additions_path
from brokerlens.lake.catalog import read_catalog
from brokerlens.lake.layout import LakeLayout
from brokerlens.pipeline import run_pipeline
from brokerlens.riskpref.features import compute_features
from brokerlens.riskpref.quarter import Quarter, quarter_windows
from brokerlens.warehouse.layout import WarehouseLayout
from brokerlens.warehouse.sources import LakeFiles
from support.brokerage import Brokerage
from support.needs import need_java
from support.spark_cluster import SparkCluster, start_cluster

pytestmark = pytest.mark.spark

# Every function and operator of the expression language, a division by a column (NULL-safe),
# an integer column, a derived indicator read by a later one, and a text indicator.
ADDED = """\
indicators:
  - {id: cash_share_t, zh: 现金占比, en: Cash share, meaning: m, unit: ratio,
     expression: available_cash_t / total_assets_t}
  - {id: cash_share_pct, zh: 现金占比百分数, en: Cash share pct, meaning: m, unit: percent,
     expression: "round(cash_share_t * 100, 1) - -0.5"}
  - {id: per_trade, zh: 每笔佣金, en: Per trade, meaning: m, unit: yuan,
     expression: "coalesce(net_commission_12m, 0) / greatest(trades_per_month, 1)"}
  - {id: sells_or_move, zh: 卖出或变动, en: Sells or move, meaning: m, unit: yuan,
     expression: "least(profitable_sells_6m, abs(total_assets_t - total_assets_prev)) / 3"}
  - {id: industry_or_none, zh: 行业, en: Industry, meaning: m, unit: text, type: text,
     expression: "coalesce(top_industry_3m, 'none')"}
"""


# The steps that moved onto the engine write these; each is compared row by row.
KEPT_FILES = (
    "indicators_file",
    "profile_file",
    "alerts_file",
    "suitability_facts_file",
    "metrics_file",
)
ORDER = {
    "alerts_file": "customer_id, alert_id",
    "metrics_file": "metric, period, level, unit_id, dimension, member",
}
# issue 22 section 3: small files per branch (the small brokerage opens a few accounts only)
ANALYSIS_FILES = {
    "channel_funnel_file": "branch_id, open_channel, open_month",
    "channel_retention_file": "branch_id, open_channel, open_month, month_no",
    "timing_file": "biz_date, branch_id",
    "timing_index_file": "biz_date",
}


def _rows(path: Path, order: str) -> tuple[list[str], list[tuple[object, ...]]]:
    relation = duckdb.sql(f"select * from read_parquet({literal(str(path))}) order by {order}")
    return relation.columns, relation.fetchall()


def _table_rows(table: pa.Table) -> tuple[list[str], list[tuple[object, ...]]]:
    table = table.sort_by("customer_id")
    columns = table.column_names
    return columns, [tuple(r[c] for c in columns) for r in table.to_pylist()]


# Spark averages DECIMAL closes as a DECIMAL (scale + 4), DuckDB as a long double: the moving
# averages of riskpref's timing features agree to about 1e-6, not to the last bits.
LOOSER = {("riskpref features", c): 1e-6 for c in ("timing_ma5", "timing_ma10", "timing_ma20")}


def _same(x: object, y: object, tolerance: float = 1e-9) -> bool:
    if isinstance(x, float) and isinstance(y, float):
        if math.isnan(x) and math.isnan(y):
            return True
        # the engines may add the same doubles in another order: equal to the last few bits
        return math.isclose(x, y, rel_tol=tolerance, abs_tol=tolerance)
    return x == y


def _assert_same(
    kind: str, duck: tuple[list[str], list[Any]], spark: tuple[list[str], list[Any]]
) -> None:
    (columns, expected), (spark_columns, got) = duck, spark
    assert spark_columns == columns, kind
    assert len(got) == len(expected), kind
    differing = {
        column
        for want, have in zip(expected, got, strict=True)
        for column, x, y in zip(columns, want, have, strict=True)
        if not _same(x, y, LOOSER.get((kind, column), 1e-9))
    }
    assert not differing, f"{kind}: columns differ between engines: {sorted(differing)}"


@pytest.fixture
def cluster(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[SparkCluster]:
    need_java()
    # This process is the driver; its session (if the dialect tests, which run first, started
    # one) is local: the pipeline needs a session on the cluster.
    stop_session()
    monkeypatch.setenv("PYSPARK_PYTHON", sys.executable)
    # many tiny queries: the executors warm up faster on the C1 compiler alone, as the driver;
    # C1 alone gets a 48 MiB code cache, which Spark's generated code fills within a minute
    # (then the JVM stops compiling: "CodeCache is full. Compiler has been disabled").
    monkeypatch.setenv(
        "BROKERLENS_SPARK_JAVA_OPTIONS", "-XX:TieredStopAtLevel=1 -XX:ReservedCodeCacheSize=256m"
    )
    with start_cluster(tmp_path / "cluster") as cluster:
        try:
            yield cluster
        finally:
            stop_session()  # the application ends before its executors' workers do


def test_duckdb_and_spark_on_a_cluster_compute_the_same_outputs(
    small_brokerage: Brokerage, cluster: SparkCluster, tmp_path: Path
) -> None:
    spark_settings = {
        "spark_master": cluster.master_url,
        # the driver plans and collects; the two executors (1 GiB each) compute
        "spark_driver_memory": "1g",
        "spark_shuffle_partitions": 2,
    }
    outputs = {}

    for name in ("duckdb", "spark"):
        settings = load_settings(
            home=tmp_path / name, **(spark_settings if name == "spark" else {})
        )
        shutil.copytree(small_brokerage.settings.lake_dir, settings.lake_dir)
        additions_path(settings).parent.mkdir(parents=True)
        additions_path(settings).write_text(ADDED, "utf-8")
        report = run_pipeline(settings, engine=name)
        on_engine = {s.name for s in report.steps if s.engine == name}
        moved = {"suitability facts", "suitability holdings", "churn features", "alerts"}
        assert moved | {"profile", "indicators"} <= on_engine
        as_of = report.as_of
        layout = LakeLayout(settings.lake_dir)
        lake = LakeFiles(layout, read_catalog(layout))
        engine = open_engine(name, settings)
        try:
            lake.register_all(engine)
            with ChurnData(settings, load_config(settings), engine=engine) as data:
                churn = (data.features(as_of), data.labels())
        finally:
            engine.close()
        windows = quarter_windows(Quarter.of(as_of), sorted(lake.days), partial=True)
        riskpref = compute_features(settings, windows, name)
        outputs[name] = (WarehouseLayout(settings.warehouse_dir), as_of, churn, riskpref)
    # the Spark steps ran on the cluster's two executors, not in this process
    applications = cluster.status()["activeapps"]
    assert isinstance(applications, list) and len(applications) == 1
    assert applications[0]["name"] == "brokerlens" and applications[0]["cores"] == 2
    tasks = cluster.tasks_by_worker()  # both workers computed
    assert len(tasks) == 2 and min(tasks) > 0, tasks
    duck, as_of, duck_churn, duck_riskpref = outputs["duckdb"]
    spark, _, spark_churn, spark_riskpref = outputs["spark"]
    for kind in KEPT_FILES:
        order = ORDER.get(kind, "customer_id")
        expected = _rows(getattr(duck, kind)(as_of), order)
        assert len(expected[1]) > 500 or kind == "alerts_file"
        if kind == "indicators_file":  # the installation's derived indicators are in
            assert {"cash_share_pct", "sells_or_move", "industry_or_none"} <= set(expected[0])
        _assert_same(kind, expected, _rows(getattr(spark, kind)(as_of), order))
    for kind, order in ANALYSIS_FILES.items():
        expected = _rows(getattr(duck, kind)(as_of), order)
        assert expected[1] or kind == "channel_retention_file", kind
        _assert_same(kind, expected, _rows(getattr(spark, kind)(as_of), order))
    holdings = "suitability holdings"
    held = [
        _rows(layout.run_file("suitability_holdings"), "customer_id, kind, item_id")
        for layout in (duck, spark)
    ]
    assert len(held[0][1]) > 0, holdings
    _assert_same(holdings, *held)
    for kind, want, have in (
        ("churn features", duck_churn[0], spark_churn[0]),
        ("churn labels", duck_churn[1], spark_churn[1]),
        ("riskpref features", duck_riskpref, spark_riskpref),
    ):
        assert want.num_rows > 0 or kind == "churn labels", kind
        _assert_same(kind, _table_rows(want), _table_rows(have))
