"""Hand-made indicator rows for the alert tests: `<warehouse>/indicators/<T>.parquet` with every
indicator column, NULL unless a row sets it, over a neutral customer nothing fires for."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from brokerlens.classify.profile import indicator_columns
from brokerlens.warehouse.layout import WarehouseLayout

T = dt.date(2025, 3, 28)
ARROW = {"VARCHAR": pa.string(), "DOUBLE": pa.float64(), "DATE": pa.date32()}

# The neutral row: nothing fires on it (assets, trading and cash well inside every threshold).
NEUTRAL = {
    "total_assets_t": 5_000.0,
    "available_cash_t": 5_000.0,
    "trades_per_month": 0.0,
    "days_since_last_trade": 1.0,
    "transfer_out_t": 0.0,
    "transfer_in_t": 0.0,
    "transfer_out_20d": 0.0,
    "position_value_t": 0.0,
    "account_closed_t": 0.0,
    "agreement_cancelled_t": 0.0,
    "entitlement_events_t": 0.0,
}


def write_indicators(store: WarehouseLayout, rows: list[dict[str, Any]], day: dt.date = T) -> None:
    columns = indicator_columns()
    data = {
        name: pa.array(
            [day if name == "as_of_date" else r.get(name) for r in rows], ARROW[duck_type]
        )
        for name, duck_type in columns
    }
    path = store.indicators_file(day)
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.table(data), path)


def customer(cid: str, values: dict[str, Any], branch: str = "B1") -> dict[str, Any]:
    return {"customer_id": cid, "branch_id": branch, **NEUTRAL, **values}
