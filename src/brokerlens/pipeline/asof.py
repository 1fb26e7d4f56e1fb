"""customer_indicators as of T: the indicator models as views over the running aggregates."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from brokerlens.engine import Engine
from brokerlens.models import load_model
from brokerlens.pipeline.days import DAY_COLUMNS, MONTH_COLUMNS
from brokerlens.pipeline.lots import LOT_COLUMNS, PIECE_COLUMNS
from brokerlens.pipeline.state import WarehouseState
from brokerlens.pipeline.windows import AsOfCalendar
from brokerlens.warehouse.store import WarehouseStore

# In dependency order; each becomes a view, customer_indicators is materialised.
INDICATOR_MODELS = [
    "customers_asof",
    "open_day_counts",
    "indicators_assets",
    "indicators_commission",
    "indicators_trading",
    "indicators_returns",
    "indicators_preference",
    "indicators_holdings",
    "indicators_lots",
]


def _lot_files(store: WarehouseStore, state: WarehouseState, kind: str) -> list[Path]:
    return [store.lots_dir / kind / f"{stem}.parquet" for stem in state.lots.batches]


def compute_indicators(
    engine: Engine, store: WarehouseStore, state: WarehouseState, cal: AsOfCalendar
) -> int:
    """Write `indicators/<T>.parquet`; returns the number of customers."""
    days_file = store.root / "_run" / "business_days.parquet"
    days_file.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.table({"biz_date": pa.array(cal.days, pa.date32())}), days_file)
    engine.register_parquet("business_days", [days_file], [("biz_date", "DATE")])
    engine.register_parquet(
        "customer_day", [store.day_file(d) for d in cal.needed_days()], DAY_COLUMNS
    )
    engine.register_parquet(
        "customer_month", [store.month_file(m) for m in cal.complete_months()], MONTH_COLUMNS
    )
    engine.register_parquet("lot_buys_all", _lot_files(store, state, "buys"), LOT_COLUMNS)
    engine.register_parquet("lot_pieces_all", _lot_files(store, state, "pieces"), PIECE_COLUMNS)
    window = load_model("customer_window").sql
    for name, w in cal.windows.items():
        engine.create_view(name, window, w.params)
    for name in INDICATOR_MODELS:
        model = load_model(name)
        engine.create_view(name, model.sql, {k: cal.params[k] for k in model.params})
    final = load_model("customer_indicators")
    return engine.write_parquet(final.sql, store.indicators_file(cal.as_of), {"as_of": cal.as_of})
