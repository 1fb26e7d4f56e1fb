"""customer_day for each loaded date, and customer_month for each complete month.

A day costs one query over that date's files; a month one query over its days. Only days whose
lake directory changed since they were computed (or never computed) are built again.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from pathlib import Path

from brokerlens.console import progress_over
from brokerlens.engine import Engine
from brokerlens.models import load_model
from brokerlens.warehouse.layout import WarehouseLayout
from brokerlens.warehouse.sources import LakeFiles
from brokerlens.warehouse.state import WarehouseState, fingerprint
from brokerlens.warehouse.windows import month_start, next_month

DAY_COLUMNS = [
    ("biz_date", "DATE"),
    ("customer_id", "VARCHAR"),
    ("total_assets", "DECIMAL(18,2)"),
    ("available_cash", "DECIMAL(18,2)"),
    ("cash", "DECIMAL(18,2)"),
    ("stock_value", "DECIMAL(18,2)"),
    ("fund_value", "DECIMAL(18,2)"),
    ("bond_value", "DECIMAL(18,2)"),
    ("product_value", "DECIMAL(18,2)"),
    ("other_value", "DECIMAL(18,2)"),
    ("trade_amount", "DECIMAL(38,2)"),
    ("trade_count", "BIGINT"),
    ("net_commission", "DECIMAL(38,2)"),
    ("buy_stock", "DECIMAL(38,2)"),
    ("buy_fund", "DECIMAL(38,2)"),
    ("buy_bond", "DECIMAL(38,2)"),
    ("buy_warrant", "DECIMAL(38,2)"),
    ("buy_other", "DECIMAL(38,2)"),
    ("stock_buy_qty", "BIGINT"),
    ("stock_buy_value", "DECIMAL(38,4)"),
    ("transfer_in", "DECIMAL(38,2)"),
    ("transfer_out", "DECIMAL(38,2)"),
    ("flow_epoch", "DECIMAL(38,2)"),
]
MONTH_COLUMNS = [
    ("month_start", "DATE"),
    ("customer_id", "VARCHAR"),
    ("sum_assets", "DECIMAL(38,2)"),
    ("asset_days", "BIGINT"),
    *DAY_COLUMNS[10:],  # the activity sums keep customer_day's names and types
]


DAY_FEEDS = ("daily_assets", "trades", "fund_transfers", "product_trades")


def _batches(days: list[dt.date]) -> list[list[dt.date]]:
    """Consecutive stale days of one month form one batch (one query, one file)."""
    batches: list[list[dt.date]] = []
    for day in sorted(days):
        if batches and month_start(batches[-1][-1]) == month_start(day):
            batches[-1].append(day)
        else:
            batches.append([day])
    return batches


def _stale_days(
    warehouse: WarehouseLayout,
    state: WarehouseState,
    lake_days: dict[dt.date, str],
    through: dt.date,
) -> set[dt.date]:
    """Days to build: new, re-delivered, or sharing a file with one of those (or a lost file)."""
    loaded = {d for d in lake_days if d <= through}
    stale = {d for d in loaded if state.days.get(d.isoformat()) != lake_days[d]}
    for stem, covered in list(state.day_files.items()):
        dates = {dt.date.fromisoformat(d) for d in covered}
        if dates & stale or not warehouse.day_file(stem).exists() or not dates <= set(lake_days):
            stale |= dates & loaded
            del state.day_files[stem]
            warehouse.day_file(stem).unlink(missing_ok=True)
            for d in covered:
                state.days.pop(d, None)
    return stale


def build_days(
    engine: Engine,
    lake: LakeFiles,
    warehouse: WarehouseLayout,
    state: WarehouseState,
    through: dt.date,
) -> list[dt.date]:
    """Compute customer_day for every loaded date <= `through` that is missing or stale."""
    model = load_model("customer_day")
    lake_days = lake.days
    todo = sorted(_stale_days(warehouse, state, lake_days, through))
    batches = _batches(todo)
    for batch in progress_over(batches, len(batches), "customer_day"):
        lake.register_facts(engine, DAY_FEEDS, batch)
        stem = f"{batch[0].isoformat()}_{batch[-1].isoformat()}"
        params = {"first_day": batch[0], "last_day": batch[-1]}
        engine.write_parquet(model.sql, warehouse.day_file(stem), params)
        state.day_files[stem] = [d.isoformat() for d in batch]
        state.days.update({d.isoformat(): lake_days[d] for d in batch})
    return todo


def day_files_covering(
    warehouse: WarehouseLayout, state: WarehouseState, days: list[dt.date]
) -> list[Path]:
    wanted = {d.isoformat() for d in days}
    return [
        warehouse.day_file(stem)
        for stem, dates in sorted(state.day_files.items())
        if wanted & set(dates)
    ]


def build_months(
    engine: Engine,
    lake: LakeFiles,
    warehouse: WarehouseLayout,
    state: WarehouseState,
    months: list[dt.date],
) -> list[dt.date]:
    """Compute customer_month for each month start in `months` that is missing or stale."""
    model = load_model("customer_month")
    lake_days = lake.days
    by_month: dict[dt.date, list[dt.date]] = defaultdict(list)
    for day in lake_days:
        by_month[month_start(day)].append(day)
    built = []
    for month in progress_over(months, len(months), "customer_month"):
        days = sorted(by_month.get(month, []))
        stamp = fingerprint([lake_days[d] for d in days])
        if state.months.get(month.isoformat()) == stamp and warehouse.month_file(month).exists():
            continue
        engine.register_parquet(
            "customer_day", day_files_covering(warehouse, state, days), DAY_COLUMNS
        )
        params = {"month_start": month, "month_end": next_month(month)}
        engine.write_parquet(model.sql, warehouse.month_file(month), params)
        state.months[month.isoformat()] = stamp
        built.append(month)
    return built
