"""The activation step of `brokerlens run`: `<warehouse>/activation/<T>.parquet`.

The history is read the way customer_window reads a window: complete months from customer_month
and the other days from customer_day, so a year costs ~12 rows per customer, not ~250. The month
holding the start of the no-trade window is read day by day, so every part lies wholly inside or
outside the window and "no trade since" is exact to the day.

Where the lake holds less history than the no-trade window, an account opened before the window
with no trade in the whole loaded history is dormant "by the data we hold" (basis
`no_trade_in_history`), told apart from `no_trade_window` (the whole window loaded) and from the
source system's own verdict (`source_status`, customers.status = dormant).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pyarrow as pa

from brokerlens.activation.config import FACTORS, ActivationConfig
from brokerlens.contract.feeds import FEEDS, LAKE_TYPES
from brokerlens.engine import Engine
from brokerlens.engine.sqlfiles import load_sql
from brokerlens.models.days import DAY_COLUMNS, MONTH_COLUMNS, day_files_covering
from brokerlens.warehouse.layout import WarehouseLayout
from brokerlens.warehouse.sources import LakeFiles
from brokerlens.warehouse.state import WarehouseState
from brokerlens.warehouse.windows import AsOfCalendar, month_start, months_back, next_month


def candidates_sql() -> str:
    return load_sql("brokerlens.activation", "activation_candidates").sql


def activation_file(warehouse: WarehouseLayout, as_of: dt.date) -> Path:
    return warehouse.activation_file(as_of)


def dormant_start(as_of: dt.date, years: int) -> dt.date:
    """The first day of the no-trade window (T - years, T]."""
    return months_back(as_of, 12 * years) + dt.timedelta(days=1)


def history_parts(cal: AsOfCalendar, split_at: dt.date) -> tuple[list[dt.date], list[dt.date]]:
    """(complete months read from month sums, days read one by one) covering the loaded history
    up to T, with no month straddling `split_at`."""
    whole = cal.windows["window_all"]
    months = [
        m
        for m in cal.complete_months()
        if whole.months_from <= m < whole.months_to and not (m < split_at < next_month(m))
    ]
    chosen = set(months)
    days = [d for d in cal.days if month_start(d) not in chosen]
    return months, days


def _feed_days(engine: Engine, lake: LakeFiles, feed: str, name: str, days: list[dt.date]) -> None:
    """A dated feed over just `days`, under a name of our own (the feed's own relation is
    left as the other steps registered it)."""
    wanted = set(days)
    files = [p for day, p in lake.catalog.files_of(lake.layout, feed) if day in wanted]
    columns = [(c.name, LAKE_TYPES[c.type]) for c in FEEDS[feed].columns]
    engine.register_parquet(name, files, columns)


def _table(engine: Engine, name: str, table: pa.Table) -> None:
    """A small table of settings as a relation (values bound as data, never pasted as SQL)."""
    engine.register_table(name, table)


def compute_activation(
    engine: Engine,
    lake: LakeFiles,
    warehouse: WarehouseLayout,
    state: WarehouseState,
    cal: AsOfCalendar,
    config: ActivationConfig,
) -> int:
    """Write `activation/<T>.parquet`; returns the number of candidates."""
    as_of = cal.as_of
    start = dormant_start(as_of, config.dormant.years_without_trade)
    months, days = history_parts(cal, start)
    engine.register_parquet("act_month", [warehouse.month_file(m) for m in months], MONTH_COLUMNS)
    engine.register_parquet(
        "act_day_files", day_files_covering(warehouse, state, days), DAY_COLUMNS
    )
    # A day file may also cover days of a complete month: keep just the days wanted.
    _table(engine, "act_days", pa.table({"biz_date": pa.array(days, pa.date32())}))
    engine.create_view(
        "act_day",
        "SELECT d.* FROM act_day_files d WHERE d.biz_date IN (SELECT biz_date FROM act_days)",
    )
    engine.register_parquet("act_today", day_files_covering(warehouse, state, [as_of]), DAY_COLUMNS)
    inflow_start = as_of - dt.timedelta(days=config.windows.inflow_days)
    contact_start = as_of - dt.timedelta(days=config.windows.contact_days)
    _feed_days(
        engine, lake, "fund_transfers", "act_transfers", [d for d in cal.days if d > inflow_start]
    )
    _feed_days(engine, lake, "contacts", "act_contacts", [d for d in cal.days if d > contact_start])
    channels = sorted(config.channels.items())
    _table(
        engine,
        "act_channels",
        pa.table(
            {
                "open_channel": pa.array([c for c, _ in channels], pa.string()),
                "factor": pa.array([float(w) for _, w in channels], pa.float64()),
            }
        ),
    )
    bands = config.age_bands
    _table(
        engine,
        "act_age_bands",
        pa.table(
            {
                "age_from": pa.array([float(b.age_from) for b in bands], pa.float64()),
                "age_to": pa.array([float(b.age_to) for b in bands], pa.float64()),
                "factor": pa.array([float(b.weight) for b in bands], pa.float64()),
            }
        ),
    )
    params: dict[str, dt.date | float | bool] = {
        "as_of": as_of,
        "dormant_start": start,
        "history_start": cal.days[0],
        "cash_max": float(config.dormant.cash_max),
        "trust_status": config.dormant.trust_source_status,
        "empty_assets_max": float(config.empty.assets_max),
        "empty_opened_by": as_of - dt.timedelta(days=config.empty.min_age_days),
        "inflow_start": inflow_start,
        "contact_start": contact_start,
        "peak_assets_cap": float(config.scale.peak_assets_cap),
        "net_commission_cap": float(config.scale.net_commission_cap),
        "inflow_cap": float(config.scale.inflow_cap),
        "tenure_years_cap": float(config.scale.tenure_years_cap),
        "weight_total": float(config.weight_total),
    }
    params.update({f"w_{f}": float(config.weights[f]) for f in FACTORS})
    return engine.write_parquet(candidates_sql(), activation_file(warehouse, as_of), params)
