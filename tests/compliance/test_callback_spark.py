"""The call-back rules make the same tasks on Spark as on DuckDB (the run's engine): the same
new accounts, the same strata and the same customers drawn in the md5 order."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from brokerlens.compliance.callbacks.build import Inputs, build_tasks
from brokerlens.compliance.callbacks.config import CallbackConfig
from brokerlens.config import load_settings
from brokerlens.engine import open_engine
from compliance.test_callback_rules import HISTORY, QUOTA, T, _history, _sample, _world
from support.needs import need_java

pytestmark = pytest.mark.spark


def test_duckdb_and_spark_make_the_same_tasks(tmp_path: Path) -> None:
    need_java()
    found = {}
    for name in ("duckdb", "spark"):
        warehouse = _world(tmp_path / name)
        engine = open_engine(name, load_settings(home=tmp_path / name / "home"))
        try:
            engine.register_table("customers_history", pa.Table.from_pylist(_history(), HISTORY))
            build_tasks(Inputs(engine, warehouse, T), CallbackConfig(), None)
        finally:
            engine.close()
        found[name] = pq.read_table(warehouse.callbacks_file(T)).to_pylist()
    assert found["spark"] == found["duckdb"]
    assert {k: len(v) for k, v in _sample(found["spark"]).items()} == QUOTA
