"""Write the relationship ledger of T and its problems (`sql/ledger.sql`,
`sql/ledger_problems.sql`) on the run's engine; keep the newest few dates.

The handovers applied in brokerlens (the store's overlaid `handover_items`, read only) are laid
over the feed's rows, so statements and KPIs follow a handover from its date on."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pyarrow as pa

from brokerlens.brokers.ledger.store_rows import ITEM_SCHEMA
from brokerlens.engine import Engine
from brokerlens.engine.sqlfiles import load_sql
from brokerlens.warehouse.layout import WarehouseLayout

PACKAGE = "brokerlens.brokers.ledger"
KEEP_DATES = 5  # the ledger is effective-dated: the newest file holds the past too
LEDGER_COLUMNS = [
    ("customer_id", "VARCHAR"),
    ("staff_id", "VARCHAR"),
    ("role", "VARCHAR"),
    ("share_pct", "DECIMAL(5,2)"),
    ("valid_from", "DATE"),
    ("valid_to", "DATE"),
    ("source", "VARCHAR"),
]


@dataclass(frozen=True)
class LedgerReport:
    rows: int
    problems: int

    def note(self) -> str:
        if not self.problems:
            return f"{self.rows:,} relationships; every role's shares add up to 100%"
        return (
            f"{self.rows:,} relationships; {self.problems:,} spans whose shares do not add up"
            " to 100% (brokerlens sql: select * from ledger_problems)"
        )


def build_ledger(
    engine: Engine,
    warehouse: WarehouseLayout,
    as_of: dt.date,
    handovers: pa.Table | None = None,
) -> LedgerReport:
    """`handovers`: the store's overlaid handover items (`store_rows.read_overlaid`)."""
    params = {"as_of": as_of}
    engine.register_table(
        "handover_items", handovers if handovers is not None else ITEM_SCHEMA.empty_table()
    )
    path = warehouse.ledger_file(as_of)
    rows = engine.write_parquet(load_sql(PACKAGE, "ledger").sql, path, params)
    engine.register_parquet("ledger", [path], LEDGER_COLUMNS)
    problems = engine.write_parquet(
        load_sql(PACKAGE, "ledger_problems").sql, warehouse.ledger_problems_file(as_of), params
    )
    _prune(warehouse, as_of)
    return LedgerReport(rows=rows, problems=problems)


def _prune(warehouse: WarehouseLayout, as_of: dt.date) -> None:
    dates = warehouse.ledger_dates()
    keep = set(dates[-KEEP_DATES:]) | {as_of}
    for day in dates:
        if day not in keep:
            warehouse.ledger_file(day).unlink(missing_ok=True)
            warehouse.ledger_problems_file(day).unlink(missing_ok=True)
