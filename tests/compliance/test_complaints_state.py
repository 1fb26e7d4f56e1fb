"""The "complaints state" run step's SQL: each complaint's newest delivered row as of T (a later
delivery not seen before its day, a complaint opened after T left out), with the customer's
branch as of T; on DuckDB over hand-written history rows."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pyarrow as pa

from brokerlens.compliance.complaints.config import ComplaintConfig
from brokerlens.compliance.complaints.state import read_state, write_state
from brokerlens.config import load_settings
from brokerlens.engine import open_engine
from brokerlens.warehouse.layout import WarehouseLayout

D = dt.date


def _history(rows: list[tuple[object, ...]], names: list[str]) -> pa.Table:
    return pa.Table.from_pylist([dict(zip(names, r, strict=True)) for r in rows])


COMPLAINTS = [
    # complaint_id, customer_id, open_date, category, status, close_date, valid_from, valid_to
    ("K1", "C1", D(2025, 3, 3), "服务态度", "open", None, D(2025, 3, 3), D(2025, 3, 5)),
    ("K1", "C1", D(2025, 3, 3), "服务态度", "processing", None, D(2025, 3, 5), D(2025, 3, 7)),
    ("K1", "C1", D(2025, 3, 3), "服务态度", "closed", D(2025, 3, 7), D(2025, 3, 7), None),
    ("K2", "C2", D(2025, 3, 6), "资金转账", "open", None, D(2025, 3, 6), None),
]
CUSTOMERS = [
    ("C1", "B1", D(2025, 1, 1), D(2025, 3, 6)),
    ("C1", "B2", D(2025, 3, 6), None),  # moved branch on 6 March
    ("C2", "B3", D(2025, 1, 1), None),
]


def _state(tmp_path: Path, as_of: dt.date) -> dict[str, dict[str, object]]:
    settings = load_settings(home=tmp_path / "home")
    engine = open_engine("duckdb", settings)
    try:
        engine.register_table(
            "complaints_history",
            _history(
                COMPLAINTS,
                [
                    "complaint_id",
                    "customer_id",
                    "open_date",
                    "category",
                    "status",
                    "close_date",
                    "valid_from",
                    "valid_to",
                ],
            ),
        )
        engine.register_table(
            "customers_history",
            _history(CUSTOMERS, ["customer_id", "branch_id", "valid_from", "valid_to"]),
        )
        warehouse = WarehouseLayout(settings.warehouse_dir)
        rows = write_state(engine, warehouse, as_of)
    finally:
        engine.close()
    table = read_state(warehouse, as_of)
    assert table is not None and table.num_rows == rows
    return {str(r["complaint_id"]): r for r in table.to_pylist()}


def test_the_state_is_the_newest_delivered_row_as_of_t(tmp_path: Path) -> None:
    early = _state(tmp_path, D(2025, 3, 5))
    assert set(early) == {"K1"}  # K2 opens on the 6th
    k1 = early["K1"]
    assert (k1["status"], k1["delivered"], k1["branch_id"]) == ("processing", D(2025, 3, 5), "B1")
    late = _state(tmp_path, D(2025, 3, 10))
    assert (late["K1"]["status"], late["K1"]["close_date"]) == ("closed", D(2025, 3, 7))
    assert late["K1"]["branch_id"] == "B2" and late["K1"]["as_of_date"] == D(2025, 3, 10)
    assert (late["K2"]["status"], late["K2"]["branch_id"]) == ("open", "B3")


def test_the_sla_comes_from_the_category_and_escalation_from_its_days() -> None:
    config = ComplaintConfig(sla_days={"a": 2}, default_sla_days=9, escalate_days=3)
    day = dt.date(2025, 1, 1)
    assert config.sla_due("a", day) == dt.date(2025, 1, 3)
    assert config.sla_due("zz", day) == dt.date(2025, 1, 10)
    due = dt.date(2025, 1, 3)
    assert [config.escalation(due, dt.date(2025, 1, d)) for d in (3, 4, 6, 7)] == [0, 1, 1, 2]
