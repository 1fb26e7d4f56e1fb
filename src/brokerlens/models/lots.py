"""FIFO lots, advanced in batches of new dates.

All loaded dates not yet processed form one batch: the first run matches the whole history in
one set-based pass, a daily run matches one day. Matching by places on cumulative quantities
gives the same pieces whatever the batching. A processed date that was re-delivered (new lake
directory) or a date loaded into the past rebuilds the lots from the start.
"""

from __future__ import annotations

import datetime as dt
import shutil
import uuid
from dataclasses import dataclass
from pathlib import Path

from brokerlens.engine import Engine
from brokerlens.models import load_model
from brokerlens.warehouse.layout import WarehouseLayout
from brokerlens.warehouse.sources import LakeFiles
from brokerlens.warehouse.state import LotState, WarehouseState

LOT_COLUMNS = [
    ("customer_id", "VARCHAR"),
    ("instrument_id", "VARCHAR"),
    ("asset_class", "VARCHAR"),
    ("lot_id", "VARCHAR"),
    ("buy_date", "DATE"),
    ("buy_price", "DOUBLE"),
    ("quantity", "DOUBLE"),
    ("hi", "DOUBLE"),
]
PIECE_COLUMNS = [
    *LOT_COLUMNS[:6],
    ("sell_id", "VARCHAR"),
    ("sell_date", "DATE"),
    ("sell_price", "DOUBLE"),
    ("quantity", "DOUBLE"),
]
SELL_COLUMNS = [
    ("customer_id", "VARCHAR"),
    ("instrument_id", "VARCHAR"),
    ("sell_id", "VARCHAR"),
    ("sell_date", "DATE"),
    ("sell_price", "DOUBLE"),
    ("quantity", "DOUBLE"),
    ("shi", "DOUBLE"),
]
EVENT_COLUMNS = [
    ("customer_id", "VARCHAR"),
    ("instrument_id", "VARCHAR"),
    ("asset_class", "VARCHAR"),
    ("side", "VARCHAR"),
    ("event_id", "VARCHAR"),
    ("biz_date", "DATE"),
    ("seq", "INTEGER"),
    ("event_time", "TIMESTAMP"),
    ("quantity", "DOUBLE"),
    ("price", "DOUBLE"),
]
COUNTER_COLUMNS = [
    ("customer_id", "VARCHAR"),
    ("instrument_id", "VARCHAR"),
    ("bought", "DOUBLE"),
    ("sold", "DOUBLE"),
]


@dataclass(frozen=True)
class LotAdvance:
    days: list[dt.date]
    obsolete: list[Path]


def _stale(lots: LotState, lake_days: dict[dt.date, str]) -> bool:
    if not lots.days:
        return False
    done = max(dt.date.fromisoformat(d) for d in lots.days)
    for day, dirname in lake_days.items():
        if day <= done and lots.days.get(day.isoformat()) != dirname:
            return True
    return False


def advance_lots(
    engine: Engine,
    lake: LakeFiles,
    warehouse: WarehouseLayout,
    state: WarehouseState,
    through: dt.date,
) -> LotAdvance:
    """Match every loaded date <= `through` not yet processed.

    The superseded state files are returned, to be removed once the new state is saved."""
    lake_days = lake.days
    if _stale(state.lots, lake_days):
        shutil.rmtree(warehouse.lots_dir, ignore_errors=True)
        state.lots = LotState()
    lots = state.lots
    batch = sorted(d for d in lake_days if d <= through and d.isoformat() not in lots.days)
    if not batch:
        return LotAdvance([], [])
    engine.register_parquet(
        "lot_counters",
        [warehouse.lots_state_file(lots.counters)] if lots.counters else [],
        COUNTER_COLUMNS,
    )
    engine.register_parquet(
        "lot_open", [warehouse.lots_state_file(lots.open)] if lots.open else [], LOT_COLUMNS
    )
    first_day = min(lake_days)
    params = {"batch_start": batch[0], "batch_end": batch[-1], "first_day": first_day}
    lake.register_facts(engine, ("trades", "product_trades"), batch)
    lake.register_facts(engine, ("positions", "product_holdings"), [first_day])
    events = warehouse.lots_state_file(f"events-{uuid.uuid4().hex}.parquet")
    engine.write_parquet(load_model("lot_events").sql, events, params)
    engine.register_parquet("lot_events", [events], EVENT_COLUMNS)
    stem = f"{batch[0].isoformat()}_{batch[-1].isoformat()}"
    buys, pieces = (
        warehouse.lots_batch_file("buys", stem),
        warehouse.lots_batch_file("pieces", stem),
    )
    sells = warehouse.lots_state_file(f"sells-{uuid.uuid4().hex}.parquet")
    engine.write_parquet(load_model("lot_buys").sql, buys)
    engine.register_parquet("lot_buys", [buys], LOT_COLUMNS)
    engine.write_parquet(load_model("lot_sells").sql, sells)
    engine.register_parquet("lot_sells", [sells], SELL_COLUMNS)
    engine.write_parquet(load_model("lot_pieces").sql, pieces)
    counters = f"counters-{uuid.uuid4().hex}.parquet"
    engine.write_parquet(load_model("lot_counters_next").sql, warehouse.lots_state_file(counters))
    engine.register_parquet(
        "lot_counters_next", [warehouse.lots_state_file(counters)], COUNTER_COLUMNS
    )
    opened = f"open-{uuid.uuid4().hex}.parquet"
    engine.write_parquet(load_model("lot_open_next").sql, warehouse.lots_state_file(opened))
    old = [lots.counters, lots.open]
    lots.counters, lots.open = counters, opened
    lots.batches.append(stem)
    lots.days.update({d.isoformat(): lake_days[d] for d in batch})
    sells.unlink()
    events.unlink()
    return LotAdvance(batch, [warehouse.lots_state_file(name) for name in old if name])
