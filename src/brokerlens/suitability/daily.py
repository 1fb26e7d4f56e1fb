"""Suitability facts of every customer, kept per computed date by `brokerlens run`.

A check, an eligibility or the 360's panel needs one customer's facts; read from the lake they
cost a scan of every trade and position ever delivered (8 s and 1.4 GB at 3,000,000 customers).
`brokerlens run` writes them once per as-of date on its engine (DuckDB or Spark), from the
warehouse's own running aggregates (customer_day), to `<warehouse>/suitability/<T>.parquet`,
sorted by customer id in small row groups, so that one customer is a read of one row group. The
lake path stays for dates never run (`lake.py`): the same query (`sql/suitability_facts.sql`)
over the lake's daily assets and trades instead.

The brokerage-wide reports (re-scored assessments, validity, holdings above class) are kept
beside them per date (`reports.py`), so the compliance page reads them instead of re-scoring.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pyarrow as pa

from brokerlens.config import Settings
from brokerlens.engine import Engine
from brokerlens.engine.sqlfiles import load_sql
from brokerlens.engine.sqltext import literal
from brokerlens.models.days import DAY_COLUMNS, day_files_covering
from brokerlens.warehouse.layout import WarehouseLayout
from brokerlens.warehouse.state import WarehouseState

ROW_GROUP = 8_192  # one customer reads one group: ~8k rows, a few hundred KB
KEEP = 5  # the newest dates' files kept (a re-run of an older date rebuilds its own)
PUSHED_IDS = 500  # more ids are joined instead of listed
ASSETS_DAYS = 20  # the mean of assets over the last 20 trading days (domain.md section 1)

# Held securities or products on a day (daily_assets' split of total assets).
HOLDING = "(stock_value + fund_value + bond_value + product_value + other_value) > 0"

# What a day of the facts' history holds, from the warehouse's running aggregates.
WAREHOUSE_ACTIVITY = (
    "SELECT customer_id, biz_date, total_assets, "
    f"(trade_count > 0 OR {HOLDING}) AS active FROM facts_customer_day"
)


def facts_sql() -> str:
    """The one facts query (`sql/suitability_facts.sql`) over facts_customers, facts_days and
    facts_activity, which the warehouse (here) and the lake (`lake.py`) define."""
    return load_sql("brokerlens.suitability", "suitability_facts").sql


def facts_file(settings: Settings, as_of: dt.date) -> Path:
    return WarehouseLayout(settings.warehouse_dir).suitability_facts_file(as_of)


def kept_facts(settings: Settings, as_of: dt.date) -> Path | None:
    path = facts_file(settings, as_of)
    return path if path.exists() else None


def build_facts(
    engine: Engine,
    warehouse: WarehouseLayout,
    state: WarehouseState,
    as_of: dt.date,
    loaded_days: list[dt.date],
) -> int:
    """Write every customer's suitability facts as of `as_of` on the run's engine (after the
    run's customer_day and the lowest-category triggers); returns the customers written."""
    upto = [d for d in sorted(loaded_days) if d <= as_of]
    engine.register_parquet(
        "facts_customer_day", day_files_covering(warehouse, state, upto), DAY_COLUMNS
    )
    engine.register_table(
        "facts_days", pa.table({"biz_date": pa.array(upto[-ASSETS_DAYS:], pa.date32())})
    )
    engine.create_view("facts_customers", "SELECT * FROM customers")
    engine.create_view("facts_activity", WAREHOUSE_ACTIVITY)
    target = warehouse.suitability_facts_file(as_of)
    rows = engine.write_parquet(
        facts_sql(), target, {"as_of": as_of, "history_start": upto[0]}, row_group=ROW_GROUP
    )
    _prune(warehouse, keep=as_of)
    return rows


def kept_query(path: Path, customer_ids: list[str] | None) -> tuple[str, dict[str, Any]]:
    """The query (and its parameters) of the kept rows of the named customers (all for None)."""
    source = f"read_parquet({literal(str(path))})"
    if customer_ids is None:
        return f"SELECT * FROM {source}", {}
    if len(customer_ids) <= PUSHED_IDS:
        # constants in an IN list reach the Parquet reader, which skips every other row group
        names = [f"i{n}" for n in range(len(customer_ids))]
        listed = ", ".join(f"${name}" for name in names) or "NULL"
        return (
            f"SELECT * FROM {source} WHERE customer_id IN ({listed})",
            dict(zip(names, customer_ids, strict=True)),
        )
    return (
        f"SELECT * FROM {source} WHERE customer_id IN (SELECT unnest($ids::VARCHAR[]))",
        {"ids": customer_ids},
    )


def _prune(warehouse: WarehouseLayout, keep: dt.date) -> None:
    for day in warehouse.suitability_facts_dates()[::-1][KEEP:]:
        if day != keep:
            warehouse.suitability_facts_file(day).unlink(missing_ok=True)
