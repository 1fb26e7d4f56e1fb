"""customer_indicators as of T: the indicator models as views over the running aggregates, then
the installation's derived indicators (`brokerlens.indicators.derived`) as further columns."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from brokerlens.engine import Engine
from brokerlens.indicators import Indicators, derived_select
from brokerlens.models import load_model
from brokerlens.models.days import DAY_COLUMNS, MONTH_COLUMNS, day_files_covering
from brokerlens.models.lots import LOT_COLUMNS, PIECE_COLUMNS
from brokerlens.warehouse.layout import WarehouseLayout
from brokerlens.warehouse.sources import LakeFiles
from brokerlens.warehouse.state import WarehouseState
from brokerlens.warehouse.windows import AsOfCalendar

# customer_indicators before the derived indicators are added (a view, when there are any)
BUILTIN_VIEW = "customer_indicators_builtin"

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
    "indicators_risk",
    "indicators_events",
    "indicators_rfm",
]


def _lot_files(warehouse: WarehouseLayout, state: WarehouseState, kind: str) -> list[Path]:
    return [warehouse.lots_batch_file(kind, stem) for stem in state.lots.batches]


def _register_facts(engine: Engine, lake: LakeFiles, cal: AsOfCalendar) -> None:
    """The dated feeds the indicator models read, over just the dates they read."""
    start_3m, start_20d = cal.params["start_3m"], cal.params["start_20d"]
    assert isinstance(start_3m, dt.date) and isinstance(start_20d, dt.date)
    lake.register_facts(engine, ("daily_assets", "positions"), [cal.as_of])
    lake.register_facts(
        engine, ("quotes", "product_holdings"), [d for d in cal.days if d >= start_20d]
    )
    lake.register_facts(engine, ("trades",), [d for d in cal.days if d >= start_3m])


def compute_indicators(
    engine: Engine,
    lake: LakeFiles,
    warehouse: WarehouseLayout,
    state: WarehouseState,
    cal: AsOfCalendar,
    indicators: Indicators,
) -> int:
    """Write `indicators/<T>.parquet`; returns the number of customers.

    `indicators` are the installation's (`load_indicators(settings)`): the derived ones among
    them are computed over the built-in columns by one more SELECT, built with SQLGlot.

    The relations of other domains' steps are read as they are on the engine: the
    lowest-category triggers (`lowest_answer_triggers`, `lowest_age_limits`: suitability) and
    the behavioural levels (`riskpref_levels`: riskpref).

    Each model is materialised in turn under `_run/` (several later models read it: a view
    would be computed again by each of them)."""
    engine.register_table("business_days", pa.table({"biz_date": pa.array(cal.days, pa.date32())}))
    _register_facts(engine, lake, cal)
    engine.register_parquet(
        "customer_day", day_files_covering(warehouse, state, cal.needed_days()), DAY_COLUMNS
    )
    engine.register_parquet(
        "customer_month", [warehouse.month_file(m) for m in cal.complete_months()], MONTH_COLUMNS
    )
    # indicators_events: T, the day before, and the 20-day window with the day before it
    recent = day_files_covering(warehouse, state, cal.days[-21:])
    engine.register_parquet("customer_day_recent", recent, DAY_COLUMNS)
    cal.params |= _event_days(cal)
    engine.register_parquet("lot_buys_all", _lot_files(warehouse, state, "buys"), LOT_COLUMNS)
    engine.register_parquet("lot_pieces_all", _lot_files(warehouse, state, "pieces"), PIECE_COLUMNS)
    window = load_model("customer_window").sql
    for name, w in cal.windows.items():
        engine.create_view(name, window, w.params)
    for name in INDICATOR_MODELS:
        model = load_model(name)
        path = warehouse.run_file(name)
        engine.write_parquet(model.sql, path, {k: cal.params[k] for k in model.params})
        engine.register_parquet(name, [path], parquet_columns(path))
    final = load_model("customer_indicators")
    target = warehouse.indicators_file(cal.as_of)
    derived = derived_select(indicators, source=BUILTIN_VIEW)
    if derived is None:
        return engine.write_parquet(final.sql, target, {"as_of": cal.as_of})
    engine.create_view(BUILTIN_VIEW, final.sql, {"as_of": cal.as_of})
    return engine.write_parquet(derived.sql(dialect="duckdb"), target)


def _event_days(cal: AsOfCalendar) -> dict[str, dt.date]:
    """The day before T and the day before the 20-day window; 1900-01-01 (no rows) when the
    lake does not reach back that far."""
    none = dt.date(1900, 1, 1)
    days = cal.days
    return {
        "prev_day": days[-2] if len(days) >= 2 else none,
        "day_20d_ago": days[-21] if len(days) >= 21 else none,
    }


def parquet_columns(path: Path) -> list[tuple[str, str]]:
    """(name, DuckDB type) of a Parquet file the pipeline wrote itself."""
    schema = pq.read_schema(path)
    return [(f.name, _duck_type(f.type)) for f in schema]


def _duck_type(arrow: pa.DataType) -> str:
    if pa.types.is_decimal(arrow):
        return f"DECIMAL({arrow.precision},{arrow.scale})"
    for test, name in (
        (pa.types.is_string, "VARCHAR"),
        (pa.types.is_large_string, "VARCHAR"),
        (pa.types.is_date32, "DATE"),
        (pa.types.is_timestamp, "TIMESTAMP"),
        (pa.types.is_boolean, "BOOLEAN"),
        (pa.types.is_integer, "BIGINT"),
        (pa.types.is_floating, "DOUBLE"),
    ):
        if test(arrow):
            return name
    raise TypeError(f"no SQL type for {arrow}")
