"""The complaints feed's newest state of each complaint as of T: written by the run step
"complaints state" to `compliance/complaints/<T>.parquet`, read by publish (which merges it into
the store's complaints)."""

from __future__ import annotations

import datetime as dt

import pyarrow as pa
import pyarrow.parquet as pq

from brokerlens.engine import Engine
from brokerlens.engine.sqlfiles import load_sql
from brokerlens.warehouse.layout import WarehouseLayout

PACKAGE = "brokerlens.compliance.complaints"
STATE_COLUMNS = [
    ("as_of_date", "DATE"),
    ("complaint_id", "VARCHAR"),
    ("customer_id", "VARCHAR"),
    ("branch_id", "VARCHAR"),
    ("open_date", "DATE"),
    ("category", "VARCHAR"),
    ("status", "VARCHAR"),
    ("close_date", "DATE"),
    ("delivered", "DATE"),
]


def write_state(engine: Engine, warehouse: WarehouseLayout, as_of: dt.date) -> int:
    """Write the state of T on the run's engine (the lake's relations registered); its rows."""
    sql = load_sql(PACKAGE, "complaints_state").sql
    return engine.write_parquet(sql, warehouse.complaints_file(as_of), {"as_of": as_of})


def read_state(warehouse: WarehouseLayout, as_of: dt.date) -> pa.Table | None:
    """The state the run of `as_of` wrote, or None when it has not run (no file)."""
    path = warehouse.complaints_file(as_of)
    return pq.ParquetFile(path).read() if path.exists() else None
