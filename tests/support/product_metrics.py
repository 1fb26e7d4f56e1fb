"""A `product_metrics` file with the agreed schema (issue 16 section 1), for tests of what reads
it: the real evaluation step writes the same columns at `WarehouseLayout.product_metrics_file`."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from brokerlens.config import Settings
from brokerlens.warehouse.layout import WarehouseLayout

SCHEMA = pa.schema(
    [
        ("as_of_date", pa.date32()),
        ("product_id", pa.string()),
        ("product_type", pa.string()),
        ("risk_level", pa.string()),
        ("nav_date", pa.date32()),
        ("history_days", pa.int64()),
        ("return_1m", pa.float64()),
        ("return_3m", pa.float64()),
        ("return_6m", pa.float64()),
        ("return_1y", pa.float64()),
        ("return_ytd", pa.float64()),
        ("return_since_launch", pa.float64()),
        ("volatility_1y", pa.float64()),
        ("downside_deviation_1y", pa.float64()),
        ("max_drawdown", pa.float64()),
        ("drawdown_recovery_days", pa.int64()),
        ("sharpe_1y", pa.float64()),
        ("sortino_1y", pa.float64()),
        ("calmar_1y", pa.float64()),
        ("excess_return_1y", pa.float64()),
        ("tracking_error_1y", pa.float64()),
        ("type_rank", pa.int64()),
        ("type_count", pa.int64()),
        ("type_quartile", pa.int64()),
        ("stars", pa.int64()),
    ]
)


def metrics_row(product_id: str, as_of: dt.date, **values: Any) -> dict[str, Any]:
    """A row with every column: the given values, plausible figures for the rest."""
    row: dict[str, Any] = {
        "as_of_date": as_of,
        "product_id": product_id,
        "product_type": "equity_fund",
        "risk_level": "R3",
        "nav_date": as_of,
        "history_days": 800,
        "return_1m": 0.0123,
        "return_3m": 0.034,
        "return_6m": -0.021,
        "return_1y": 0.0856,
        "return_ytd": 0.05,
        "return_since_launch": 0.4,
        "volatility_1y": 0.18,
        "downside_deviation_1y": 0.11,
        "max_drawdown": -0.1234,
        "drawdown_recovery_days": 42,
        "sharpe_1y": 1.23,
        "sortino_1y": 1.8,
        "calmar_1y": 0.7,
        "excess_return_1y": 0.021,
        "tracking_error_1y": 0.05,
        "type_rank": 2,
        "type_count": 9,
        "type_quartile": 1,
        "stars": 4,
    }
    row.update(values)
    return row


@contextmanager
def product_metrics_in_place(
    settings: Settings, as_of: dt.date, table: pa.Table | Iterable[Mapping[str, Any]]
) -> Iterator[Path]:
    """The evaluation as of T replaced by `table` (rows of SCHEMA, or any table) for the block;
    the run's own file, when it made one, is put back afterwards so other tests still read it."""
    path = WarehouseLayout(settings.warehouse_dir).product_metrics_file(as_of)
    path.parent.mkdir(parents=True, exist_ok=True)
    kept = path.read_bytes() if path.is_file() else None
    if not isinstance(table, pa.Table):
        table = pa.Table.from_pylist([dict(r) for r in table], schema=SCHEMA)
    pq.write_table(table, path)
    try:
        yield path
    finally:
        if kept is None:
            path.unlink(missing_ok=True)
        else:
            path.write_bytes(kept)
