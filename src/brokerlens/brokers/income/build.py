"""Write a month's income per customer and day and its commission statement lines on the run's
engine (`sql/income_days.sql`, `sql/statement_lines.sql`).

The run of T computes T's month to date. The month before is computed again, through its last
day, when its file does not reach that day yet (the last run of the month was before its end,
or it was never computed): so once T is past a month's end, its file is complete and may be
settled (access/statements.py)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pyarrow.parquet as pq

from brokerlens.contract.feeds import FEEDS, LAKE_TYPES
from brokerlens.engine import Engine
from brokerlens.engine.sqlfiles import load_sql
from brokerlens.errors import LakeError
from brokerlens.warehouse.layout import WarehouseLayout
from brokerlens.warehouse.sources import LakeFiles

PACKAGE = "brokerlens.brokers.income"
KEEP_INCOME_MONTHS = 3  # the per-day files are big; statements are kept for every month
INCOME_COLUMNS = [
    ("day", "DATE"),
    ("customer_id", "VARCHAR"),
    ("commission_cents", "BIGINT"),
    ("product_fee_cents", "BIGINT"),
]
LEDGER_COLUMNS = [
    ("customer_id", "VARCHAR"),
    ("staff_id", "VARCHAR"),
    ("role", "VARCHAR"),
    ("share_pct", "DECIMAL(5,2)"),
    ("valid_from", "DATE"),
    ("valid_to", "DATE"),
    ("source", "VARCHAR"),
]


def month_of(day: dt.date) -> dt.date:
    return day.replace(day=1)


def month_end(month: dt.date) -> dt.date:
    following = (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return following - dt.timedelta(days=1)


@dataclass(frozen=True)
class MonthReport:
    month: dt.date
    through: dt.date
    customer_days: int
    lines: int


@dataclass(frozen=True)
class StatementsReport:
    months: tuple[MonthReport, ...]

    @property
    def lines(self) -> int:
        return sum(m.lines for m in self.months)

    def note(self) -> str:
        return "; ".join(
            f"{m.month:%Y-%m} through {m.through}: {m.customer_days:,} customer-days of income,"
            f" {m.lines:,} statement lines"
            for m in self.months
        )


def file_through(path: object) -> dt.date | None:
    """The last day a kept statements file counts (None: no such file or no lines)."""
    try:
        table = pq.read_table(str(path), columns=["through"])
    except (OSError, ValueError):
        return None
    if table.num_rows == 0:
        return None
    value = table.column("through")[0].as_py()
    return value if isinstance(value, dt.date) else None


def months_to_build(
    warehouse: WarehouseLayout, days: list[dt.date], as_of: dt.date
) -> list[dt.date]:
    """T's month, and the month before when its file does not reach its last day yet."""
    month = month_of(as_of)
    previous = month_of(month - dt.timedelta(days=1))
    wanted = []
    if any(previous <= d < month for d in days):
        done = file_through(warehouse.statements_file(previous))
        if done is None or done < month_end(previous):
            wanted.append(previous)
    return [*wanted, month]


def build_statements(
    engine: Engine, lake: LakeFiles, warehouse: WarehouseLayout, as_of: dt.date
) -> StatementsReport:
    ledger = warehouse.ledger_file(as_of)
    if not ledger.is_file():
        raise LakeError(
            f"no relationship ledger of {as_of}",
            hint="run the step 'relationship ledger' first (brokerlens run does)",
        )
    engine.register_parquet("ledger", [ledger], LEDGER_COLUMNS)
    days = sorted(lake.days)
    built = tuple(
        _build_month(engine, lake, warehouse, month, min(month_end(month), as_of))
        for month in months_to_build(warehouse, days, as_of)
    )
    _prune(warehouse, month_of(as_of))
    return StatementsReport(months=built)


def _register_month(engine: Engine, lake: LakeFiles, month: dt.date, through: dt.date) -> None:
    for feed, name in (("trades", "income_trades"), ("product_trades", "income_product_trades")):
        files = [
            p for day, p in lake.catalog.files_of(lake.layout, feed) if month <= day <= through
        ]
        columns = [(c.name, LAKE_TYPES[c.type]) for c in FEEDS[feed].columns]
        engine.register_parquet(name, files, columns)


def _build_month(
    engine: Engine, lake: LakeFiles, warehouse: WarehouseLayout, month: dt.date, through: dt.date
) -> MonthReport:
    params = {"month": month, "through": through}
    _register_month(engine, lake, month, through)
    income = warehouse.income_file(month)
    customer_days = engine.write_parquet(load_sql(PACKAGE, "income_days").sql, income, params)
    engine.register_parquet("income_days", [income], INCOME_COLUMNS)
    lines = engine.write_parquet(
        load_sql(PACKAGE, "statement_lines").sql, warehouse.statements_file(month), params
    )
    return MonthReport(month=month, through=through, customer_days=customer_days, lines=lines)


def _prune(warehouse: WarehouseLayout, month: dt.date) -> None:
    months = warehouse.income_months()
    keep = set(months[-KEEP_INCOME_MONTHS:]) | {month}
    for old in months:
        if old not in keep:
            warehouse.income_file(old).unlink(missing_ok=True)
