"""The indicator rows classifications are evaluated on: one Parquet file per as-of date."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import duckdb

from brokerlens.classify.errors import UnknownName
from brokerlens.config import Settings
from brokerlens.warehouse.layout import WarehouseLayout

if TYPE_CHECKING:
    import duckdb

VIEW = "customer_indicators"


def resolve_as_of(settings: Settings, as_of: dt.date | None = None) -> dt.date:
    """`as_of` if its indicators were computed, else the latest computed date."""
    dates = WarehouseLayout(settings.warehouse_dir).indicator_dates()
    if not dates:
        raise UnknownName(
            f"no indicators have been computed under {settings.warehouse_dir}",
            hint="run the pipeline first",
        )
    if as_of is None:
        return dates[-1]
    if as_of not in dates:
        raise UnknownName(
            f"no indicators computed as of {as_of.isoformat()}",
            hint=f"computed dates: {dates[0].isoformat()} .. {dates[-1].isoformat()}",
        )
    return as_of


def open_indicators(settings: Settings, as_of: dt.date) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB connection with `customer_indicators` over that date's Parquet file."""
    path = WarehouseLayout(settings.warehouse_dir).indicators_file(as_of)
    connection = duckdb.connect()
    # The relation API takes the path as a value, so no file name is pasted into SQL text.
    connection.read_parquet(str(path)).create_view(VIEW)
    return connection
