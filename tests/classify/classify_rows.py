"""Hand-built indicator rows, classified by actually running the compiled SQL in DuckDB."""

from __future__ import annotations

import datetime as dt
from functools import cache
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from brokerlens.classify import Catalog, load_default_catalog, profile_select
from brokerlens.config import Settings
from brokerlens.indicators import load_indicators
from brokerlens.warehouse.layout import WarehouseLayout

AS_OF = dt.date(2025, 3, 14)


def indicator_table(rows: list[dict[str, Any]]) -> pa.Table:
    """`customer_indicators` rows: every indicator NULL unless given."""
    fields = [
        pa.field("customer_id", pa.string()),
        pa.field("as_of_date", pa.date32()),
        pa.field("branch_id", pa.string()),
        pa.field("status", pa.string()),
        pa.field("open_date", pa.date32()),
    ]
    for name, indicator in load_indicators().items():
        fields.append(pa.field(name, pa.string() if indicator.type == "text" else pa.float64()))
    schema = pa.schema(fields)
    base = {"as_of_date": AS_OF, "branch_id": "B01", "status": "normal"}
    full = [
        {f.name: {**base, "customer_id": f"C{i:03d}", **row}.get(f.name) for f in schema}
        for i, row in enumerate(rows)
    ]
    return pa.Table.from_pylist(full, schema=schema)


def classify(rows: list[dict[str, Any]], catalog: Catalog | None = None) -> list[dict[str, str]]:
    """Each row's classification values, from profile_select run in DuckDB."""
    catalog = catalog or _default()
    connection = duckdb.connect()
    connection.register("customer_indicators", indicator_table(rows))
    cursor = connection.execute(_query(catalog) + " ORDER BY customer_id")
    names = [d[0] for d in cursor.description]
    return [{cid: row[names.index(cid)] for cid in catalog.ids} for row in cursor.fetchall()]


@cache
def _default() -> Catalog:
    return load_default_catalog()


def _query(catalog: Catalog) -> str:
    if catalog is _default():
        return _default_query()
    return profile_select(catalog).sql("duckdb")


@cache
def _default_query() -> str:
    return profile_select(_default()).sql("duckdb")


def one(classification_id: str, **indicators: Any) -> str:
    return classify([indicators])[0][classification_id]


def write_indicators(
    settings: Settings, rows: list[dict[str, Any]], as_of: dt.date = AS_OF
) -> Path:
    path = WarehouseLayout(settings.warehouse_dir).indicators_file(as_of)
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(indicator_table(rows), path)
    return path
