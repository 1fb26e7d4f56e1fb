"""The same small brokerage through DuckDB and through Spark: identical indicators and profile."""

from __future__ import annotations

import math
import os
import shutil
from pathlib import Path

import duckdb
import pytest

from brokerlens.config import load_settings
from brokerlens.engine.spark_session import java_missing_reason, stop_session
from brokerlens.pipeline import run_pipeline
from brokerlens.warehouse.layout import WarehouseLayout
from support.brokerage import Brokerage

pytestmark = pytest.mark.spark


def _rows(path: Path) -> tuple[list[str], list[tuple[object, ...]]]:
    relation = duckdb.sql(f"select * from read_parquet('{path}') order by customer_id")
    return relation.columns, relation.fetchall()


def _same(x: object, y: object) -> bool:
    if isinstance(x, float) and isinstance(y, float):
        # the engines may add the same doubles in another order: equal to the last few bits
        return math.isclose(x, y, rel_tol=1e-9, abs_tol=1e-9)
    return x == y


def test_duckdb_and_spark_compute_the_same_profile(
    small_brokerage: Brokerage, tmp_path: Path
) -> None:
    reason = java_missing_reason()
    if reason:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"CI must run the Spark parity test: {reason}")
        pytest.skip(reason)
    # A whole pipeline needs more driver memory than the dialect tests' shared session has:
    # start this test's own session (the dialect tests, which run first, are done with theirs).
    stop_session()
    os.environ["BROKERLENS_SPARK_DRIVER_MEMORY"] = "2g"
    os.environ.setdefault("BROKERLENS_SPARK_SHUFFLE_PARTITIONS", "2")
    stores = {}
    for engine in ("duckdb", "spark"):
        settings = load_settings(home=tmp_path / engine)
        shutil.copytree(small_brokerage.settings.lake_dir, settings.lake_dir)
        report = run_pipeline(settings, engine=engine)
        stores[engine] = (WarehouseLayout(settings.warehouse_dir), report.as_of)
    (duck, as_of), (spark, _) = stores["duckdb"], stores["spark"]
    for kind in ("indicators_file", "profile_file"):
        columns, expected = _rows(getattr(duck, kind)(as_of))
        spark_columns, got = _rows(getattr(spark, kind)(as_of))
        assert spark_columns == columns
        assert len(got) == len(expected) > 500
        differing = {
            column
            for want, have in zip(expected, got, strict=True)
            for column, x, y in zip(columns, want, have, strict=True)
            if not _same(x, y)
        }
        assert not differing, f"{kind}: columns differ between engines: {sorted(differing)}"
