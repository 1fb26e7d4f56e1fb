"""The ledger step writes the same ledger and problems on Spark as on DuckDB, handovers laid
over the feed included, and with no handover at all (the hand-built feed of
test_brokers_handover_ledger)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from brokerlens.brokers.ledger.build import build_ledger
from brokerlens.config import load_settings
from brokerlens.engine import open_engine
from brokerlens.warehouse.layout import WarehouseLayout
from brokers.test_brokers_handover_ledger import FEED, FEED_SCHEMA, T, _items
from support.needs import need_java

pytestmark = pytest.mark.spark


def test_duckdb_and_spark_write_the_same_ledger(tmp_path: Path) -> None:
    need_java()
    items = _items(
        {
            "customer_id": "C1",
            "role": "developer",
            "giver_id": "S1",
            "receiver_id": "S2",
            "effective_date": dt.date(2025, 3, 10),
            "share_pct": 60.0,
            "giver_start": dt.date(2024, 1, 1),
            "receiver_start": dt.date(2024, 1, 1),
            "receiver_share": 40.0,
        }
    )
    feed = pa.table({n: [row[i] for row in FEED] for i, n in enumerate(FEED_SCHEMA.names)})
    found = {}
    for name in ("duckdb", "spark"):
        warehouse = WarehouseLayout(tmp_path / name / "warehouse")
        engine = open_engine(name, load_settings(home=tmp_path / name / "home"))
        try:
            engine.register_table("relationships_history", feed.cast(FEED_SCHEMA))
            build_ledger(engine, warehouse, T, items)
            bare = WarehouseLayout(tmp_path / name / "bare")  # no store: no handover rows
            build_ledger(engine, bare, T, None)
        finally:
            engine.close()
        found[name] = [
            sorted(pq.read_table(path).to_pylist(), key=lambda r: sorted(r.items(), key=str))
            for path in (
                warehouse.ledger_file(T),
                warehouse.ledger_problems_file(T),
                bare.ledger_file(T),
            )
        ]
    assert found["spark"] == found["duckdb"]
    assert any(r["source"] == "handover" for r in found["spark"][0])
    assert {r["source"] for r in found["spark"][2]} == {"feed"}
