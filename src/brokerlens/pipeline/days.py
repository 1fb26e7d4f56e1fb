"""customer_day for each loaded date, and customer_month for each complete month.

A day costs one query over that date's files; a month one query over its days. Only days whose
lake directory changed since they were computed (or never computed) are built again.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from brokerlens.console import progress_over
from brokerlens.engine import Engine
from brokerlens.models import load_model
from brokerlens.pipeline.state import WarehouseState, fingerprint
from brokerlens.pipeline.windows import month_start, next_month
from brokerlens.warehouse.store import WarehouseStore

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


def build_days(
    engine: Engine,
    store: WarehouseStore,
    state: WarehouseState,
    lake_days: dict[dt.date, str],
    through: dt.date,
) -> list[dt.date]:
    """Compute customer_day for every loaded date <= `through` that is missing or stale."""
    model = load_model("customer_day")
    todo = [
        d
        for d, dirname in sorted(lake_days.items())
        if d <= through
        and (state.days.get(d.isoformat()) != dirname or not store.day_file(d).exists())
    ]
    for day in progress_over(todo, len(todo), "customer_day"):
        engine.write_parquet(model.sql, store.day_file(day), {"day": day})
        state.days[day.isoformat()] = lake_days[day]
    return todo


def build_months(
    engine: Engine,
    store: WarehouseStore,
    state: WarehouseState,
    lake_days: dict[dt.date, str],
    months: list[dt.date],
) -> list[dt.date]:
    """Compute customer_month for each month start in `months` that is missing or stale."""
    model = load_model("customer_month")
    by_month: dict[dt.date, list[dt.date]] = defaultdict(list)
    for day in lake_days:
        by_month[month_start(day)].append(day)
    built = []
    for month in progress_over(months, len(months), "customer_month"):
        days = sorted(by_month.get(month, []))
        stamp = fingerprint([lake_days[d] for d in days])
        if state.months.get(month.isoformat()) == stamp and store.month_file(month).exists():
            continue
        engine.register_parquet("customer_day", [store.day_file(d) for d in days], DAY_COLUMNS)
        params = {"month_start": month, "month_end": next_month(month)}
        engine.write_parquet(model.sql, store.month_file(month), params)
        state.months[month.isoformat()] = stamp
        built.append(month)
    return built
