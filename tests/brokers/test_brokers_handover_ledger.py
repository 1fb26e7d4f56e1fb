"""The relationship ledger step on a hand-built feed: rows as delivered up to T, the spans where
a role's shares do not add up to 100% (a hand-made 60/30 split), and the handovers applied in
brokerlens laid over the feed until the feed catches up."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from brokerlens.brokers.ledger.build import build_ledger
from brokerlens.brokers.ledger.store_rows import ITEM_SCHEMA
from brokerlens.engine.duckdb_engine import DuckDBEngine
from brokerlens.warehouse.layout import WarehouseLayout

D = dt.date
T = D(2025, 3, 14)
FEED_SCHEMA = pa.schema(
    [
        ("customer_id", pa.string()),
        ("staff_id", pa.string()),
        ("role", pa.string()),
        ("start_date", pa.date32()),
        ("end_date", pa.date32()),
        ("share_pct", pa.float64()),
        ("valid_from", pa.date32()),
        ("valid_to", pa.date32()),
    ]
)
# customer, staff, role, start, end, share, delivered from, replaced on
FEED = [
    ("C1", "S1", "servicer", D(2024, 1, 1), None, 100.0, D(2024, 1, 1), None),
    # a 60/40 developer split: adds up
    ("C1", "S1", "developer", D(2024, 1, 1), None, 60.0, D(2024, 1, 1), None),
    ("C1", "S2", "developer", D(2024, 1, 1), None, 40.0, D(2024, 1, 1), None),
    # 60/30 from 2024-06-01 on: 90% - a problem; before it S3 held 100% alone
    ("C2", "S3", "developer", D(2024, 1, 1), D(2024, 6, 1), 100.0, D(2024, 1, 1), None),
    ("C2", "S3", "developer", D(2024, 6, 1), None, 60.0, D(2024, 1, 1), None),
    ("C2", "S4", "developer", D(2024, 6, 1), None, 30.0, D(2024, 1, 1), None),
    # delivered after T: not in the ledger of T
    ("C3", "S1", "servicer", D(2025, 3, 20), None, 100.0, D(2025, 3, 20), None),
    # a version replaced before T: only the newer one counts
    ("C4", "S2", "servicer", D(2024, 1, 1), None, 50.0, D(2024, 1, 1), D(2024, 2, 1)),
    ("C4", "S2", "servicer", D(2024, 1, 1), None, 100.0, D(2024, 2, 1), None),
]


def _engine(feed: list[tuple[Any, ...]]) -> DuckDBEngine:
    engine = DuckDBEngine()
    names = FEED_SCHEMA.names
    table = pa.table({n: [row[i] for row in feed] for i, n in enumerate(names)}, FEED_SCHEMA)
    engine.register_table("relationships_history", table)
    return engine


def _items(*rows: dict[str, Any]) -> pa.Table:
    base = dict.fromkeys(ITEM_SCHEMA.names)
    full = [{**base, "handover_id": 1, "inserted": True, **row} for row in rows]
    return pa.Table.from_pylist(full, schema=ITEM_SCHEMA)


def _read(path: Path) -> list[dict[str, Any]]:
    rows = pq.read_table(path).to_pylist()
    return sorted(rows, key=lambda r: (r["customer_id"], r["role"], r["staff_id"], r["valid_from"]))


def test_the_ledger_holds_the_feed_as_of_t_and_the_spans_short_of_100(tmp_path: Path) -> None:
    warehouse = WarehouseLayout(tmp_path)
    report = build_ledger(_engine(FEED), warehouse, T)
    ledger = _read(warehouse.ledger_file(T))
    assert report.rows == len(ledger) == 7  # C3's row was delivered after T
    assert {r["customer_id"] for r in ledger} == {"C1", "C2", "C4"}
    assert all(r["source"] == "feed" for r in ledger)
    c4 = [r for r in ledger if r["customer_id"] == "C4"]
    assert [r["share_pct"] for r in c4] == [Decimal("100.00")]  # the newer version only
    problems = pq.read_table(warehouse.ledger_problems_file(T)).to_pylist()
    assert report.problems == 1 and "do not add up" in report.note()
    (problem,) = problems
    assert (problem["customer_id"], problem["role"]) == ("C2", "developer")
    assert (problem["from_date"], problem["to_date"]) == (D(2024, 6, 1), None)
    assert problem["share_total"] == Decimal("90.00") and problem["holders"] == 2


def test_a_ledger_whose_shares_add_up_reports_no_problem(tmp_path: Path) -> None:
    warehouse = WarehouseLayout(tmp_path)
    fine = [row for row in FEED if row[0] != "C2"]
    report = build_ledger(_engine(fine), warehouse, T)
    assert report.problems == 0 and "every role's shares add up" in report.note()
    assert pq.read_table(warehouse.ledger_problems_file(T)).num_rows == 0


def test_an_applied_handover_ends_the_giver_and_starts_the_receiver(tmp_path: Path) -> None:
    warehouse = WarehouseLayout(tmp_path)
    day = D(2025, 3, 10)
    items = _items(
        # C1 servicer S1 -> S5 (S5 held nothing: a row inserted)
        {
            "customer_id": "C1",
            "role": "servicer",
            "giver_id": "S1",
            "receiver_id": "S5",
            "effective_date": day,
            "share_pct": 100.0,
            "giver_start": D(2024, 1, 1),
        },
        # C1 developer S1 (60%) -> S2 (40%): merged into one 100% row of S2's
        {
            "customer_id": "C1",
            "role": "developer",
            "giver_id": "S1",
            "receiver_id": "S2",
            "effective_date": day,
            "share_pct": 60.0,
            "giver_start": D(2024, 1, 1),
            "receiver_start": D(2024, 1, 1),
            "receiver_share": 40.0,
        },
    )
    build_ledger(_engine(FEED), warehouse, T, items)
    c1 = [r for r in _read(warehouse.ledger_file(T)) if r["customer_id"] == "C1"]
    shown = [
        (r["role"], r["staff_id"], r["valid_from"], r["valid_to"], r["share_pct"], r["source"])
        for r in c1
    ]
    assert shown == [
        ("developer", "S1", D(2024, 1, 1), day, Decimal("60.00"), "handover"),
        ("developer", "S2", D(2024, 1, 1), day, Decimal("40.00"), "handover"),
        ("developer", "S2", day, None, Decimal("100.00"), "handover"),
        ("servicer", "S1", D(2024, 1, 1), day, Decimal("100.00"), "handover"),
        ("servicer", "S5", day, None, Decimal("100.00"), "handover"),
    ]
    # every span of C1 still adds up to 100%
    assert pq.read_table(warehouse.ledger_problems_file(T)).to_pylist()[0]["customer_id"] == "C2"


def test_a_handover_the_feed_caught_up_with_is_the_feed_s(tmp_path: Path) -> None:
    warehouse = WarehouseLayout(tmp_path)
    day = D(2025, 3, 10)
    caught = [
        ("C1", "S1", "servicer", D(2024, 1, 1), D(2025, 3, 11), 100.0, D(2024, 1, 1), None),
        ("C1", "S5", "servicer", D(2025, 3, 11), None, 100.0, D(2025, 3, 11), None),
    ]
    feed = [row for row in FEED if row[:3] != ("C1", "S1", "servicer")] + caught
    item = {
        "customer_id": "C1",
        "role": "servicer",
        "giver_id": "S1",
        "receiver_id": "S5",
        "effective_date": day,
        "share_pct": 100.0,
        "giver_start": D(2024, 1, 1),
    }
    build_ledger(_engine(feed), warehouse, T, _items(item))
    servicer = [
        (r["staff_id"], r["valid_from"], r["valid_to"], r["source"])
        for r in _read(warehouse.ledger_file(T))
        if r["customer_id"] == "C1" and r["role"] == "servicer"
    ]
    assert servicer == [
        ("S1", D(2024, 1, 1), D(2025, 3, 11), "feed"),
        ("S5", D(2025, 3, 11), None, "feed"),
    ]


def test_a_giver_row_starting_on_the_handover_date_goes(tmp_path: Path) -> None:
    warehouse = WarehouseLayout(tmp_path)
    day = D(2025, 3, 10)
    new = ("C5", "S1", "servicer", day, None, 100.0, day, None)  # opened that day, with S1
    item = {
        "customer_id": "C5",
        "role": "servicer",
        "giver_id": "S1",
        "receiver_id": "S2",
        "effective_date": day,
        "share_pct": 100.0,
        "giver_start": day,
    }
    build_ledger(_engine([*FEED, new]), warehouse, T, _items(item))
    c5 = [
        (r["staff_id"], r["valid_from"], r["valid_to"], r["source"])
        for r in _read(warehouse.ledger_file(T))
        if r["customer_id"] == "C5"
    ]
    assert c5 == [("S2", day, None, "handover")]  # S1's row was never in force: gone
