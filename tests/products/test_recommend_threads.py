"""Scoring chunks on two threads writes the same recommendations, targets and gate report as
scoring them one after another: what a broker sees does not depend on the machine's cores."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from brokerlens.config import Settings, load_settings
from brokerlens.engine import open_engine
from brokerlens.lake.catalog import read_catalog
from brokerlens.lake.layout import LakeLayout
from brokerlens.products.recommend import score
from brokerlens.products.recommend.config import load_config as load_rec_config
from brokerlens.products.recommend.model import RecModels
from brokerlens.products.recommend.service import RecommendReport, recommend, usable_model
from brokerlens.warehouse.layout import WarehouseLayout
from brokerlens.warehouse.sources import LakeFiles
from support.recommend import RecommendRun

CHUNK = 100  # the smallest the configuration allows: 15 chunks of the 1,500 customers


def _recommend(settings: Settings, as_of: dt.date) -> RecommendReport:
    warehouse = WarehouseLayout(settings.warehouse_dir)
    config = load_rec_config(settings).model.model_copy(update={"chunk": CHUNK})
    model = usable_model(RecModels(warehouse), as_of)
    assert model is not None
    layout = LakeLayout(settings.lake_dir)
    lake = LakeFiles(layout, read_catalog(layout))
    engine = open_engine("duckdb", settings)
    try:
        lake.register_all(engine)
        return recommend(settings, engine, lake, warehouse, as_of, model, config)
    finally:
        engine.close()


def _outputs(settings: Settings, as_of: dt.date) -> tuple[pa.Table, pa.Table, dict]:
    warehouse = WarehouseLayout(settings.warehouse_dir)
    gate = json.loads(warehouse.gate_report_file(as_of).read_text("utf-8"))
    gate.pop("seconds")
    return (
        pq.read_table(warehouse.recommendations_file(as_of)),
        pq.read_table(warehouse.targets_file(as_of)),
        gate,
    )


def test_chunks_on_two_threads_write_what_one_thread_writes(
    recommend_run: RecommendRun, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "home"
    shutil.copytree(recommend_run.settings.home, home)
    settings = load_settings(home=home)
    as_of = recommend_run.as_of

    monkeypatch.setattr(score, "WORKERS", 1)
    alone = _recommend(settings, as_of)
    one = _outputs(settings, as_of)
    monkeypatch.setattr(score, "WORKERS", 2)
    both = _recommend(settings, as_of)
    two = _outputs(settings, as_of)

    assert alone.customers > 10 * CHUNK and alone.shown > 0
    assert both.shown == alone.shown
    assert two[0].equals(one[0])  # the rows, their order, scores and reasons
    assert two[1].equals(one[1])
    assert two[2] == one[2]  # the gate's tally
    # and the run's list (every customer in one chunk) ranks the same
    run = pq.read_table(
        WarehouseLayout(recommend_run.settings.warehouse_dir).recommendations_file(as_of)
    )
    keys = ["customer_id", "product_id", "rank"]
    assert two[0].select(keys).equals(run.select(keys))
