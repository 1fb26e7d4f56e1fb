"""The staff book (brokers/book/sql/staff_book.sql) on hand-built rows: input rows in, the
rows a staff or unit page shows out.

Org: B1 > T1; S1 and S2 brokers in T1. As of 2025-06-30:
  C1: S1 servicer since 2025-01-01 (tier VIP, 1,000,000 on T)
  C2: S1 developer and S2 servicer since 2025-05-10 (core, 200,000): T1 counts C2 once
  C3: S2 from 2025-01-01 to 2025-06-02 (ended: lost in June)
  C4: S1 since 2025-02-01, account closed 2025-06-10 (closed in June, still held)
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest

from brokerlens.brokers.book.build import scope_rows, trend_days
from brokerlens.config import load_settings
from brokerlens.engine import Engine, open_engine
from brokerlens.engine.sqlfiles import load_sql

D = dt.date
AS_OF = D(2025, 6, 30)


def _table(rows: list[dict[str, Any]], schema: pa.Schema) -> pa.Table:
    return pa.Table.from_pylist(rows, schema=schema)


LEDGER = pa.schema(
    [
        ("customer_id", pa.string()),
        ("staff_id", pa.string()),
        ("role", pa.string()),
        ("share_pct", pa.decimal128(5, 2)),
        ("valid_from", pa.date32()),
        ("valid_to", pa.date32()),
        ("source", pa.string()),
    ]
)


def _rel(c: str, s: str, role: str, start: dt.date, end: dt.date | None = None) -> dict[str, Any]:
    return {
        "customer_id": c,
        "staff_id": s,
        "role": role,
        "share_pct": 100,
        "valid_from": start,
        "valid_to": end,
        "source": "feed",
    }


@pytest.fixture
def engine(tmp_path: Path) -> Engine:
    runner = open_engine("duckdb", load_settings(home=tmp_path / "home"), threads=1)
    units = pa.table({"unit_id": ["B1", "T1"], "parent_id": [None, "B1"]})
    people = pa.table({"staff_id": ["S1", "S2"], "unit_id": ["T1", "T1"]})
    runner.register_table("book_scopes", scope_rows(units, people))
    ledger = [
        _rel("C1", "S1", "servicer", D(2025, 1, 1)),
        _rel("C2", "S1", "developer", D(2025, 5, 10)),
        _rel("C2", "S2", "servicer", D(2025, 5, 10)),
        _rel("C3", "S2", "servicer", D(2025, 1, 1), D(2025, 6, 2)),
        _rel("C4", "S1", "servicer", D(2025, 2, 1)),
    ]
    runner.register_table("book_ledger", _table(ledger, LEDGER))
    runner.register_table(
        "book_profile",
        pa.table(
            {
                "customer_id": ["C1", "C2", "C3", "C4"],
                "tier": ["VIP", "核心B", "普通", "普通"],
                "assets": [1_000_000.0, 200_000.0, 5_000.0, 0.0],
            }
        ),
    )
    days = [D(2025, 5, 30), AS_OF]
    runner.register_table("book_days", pa.table({"day": pa.array(days, pa.date32())}))
    runner.register_table(
        "book_daily_assets",
        pa.table(
            {
                "biz_date": pa.array([D(2025, 5, 30)] * 4 + [AS_OF] * 4, pa.date32()),
                "customer_id": ["C1", "C2", "C3", "C4"] * 2,
                "total_assets": [900_000.0, 150_000.0, 7_000.0, 100.0, *(1e6, 2e5, 5e3, 0.0)],
            }
        ),
    )
    runner.register_table(
        "customers_history",
        pa.table(
            {
                "customer_id": ["C4"],
                "status": ["closed"],
                "close_date": pa.array([D(2025, 6, 10)], pa.date32()),
                "valid_from": pa.array([D(2025, 6, 10)], pa.date32()),
                "valid_to": pa.array([None], pa.date32()),
            }
        ),
    )
    runner.register_table(
        "book_contacts",
        pa.table(
            {
                "biz_date": pa.array([D(2025, 6, 1), D(2025, 6, 2), D(2025, 6, 3)], pa.date32()),
                "customer_id": ["C1", "C1", "C2"],
                "staff_id": ["S1", "S1", "S2"],
                "purpose": ["service", "service", "callback"],
                "result": ["reached", "reached", "done"],
            }
        ),
    )
    return runner


def _book(engine: Engine) -> dict[tuple[str, str], list[dict[str, Any]]]:
    params = {"as_of": AS_OF, "flow_since": D(2025, 1, 1), "contacts_since": D(2025, 4, 2)}
    table = engine.fetch(load_sql("brokerlens.brokers.book", "staff_book").sql, params)
    out: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for row in table.to_pylist():
        out.setdefault((row["scope_id"], row["section"]), []).append(row)
    return out


def test_tiers_count_the_customers_held_on_t(engine: Engine) -> None:
    book = _book(engine)
    s1 = {r["item"]: (r["customers"], r["amount_cents"]) for r in book[("S1", "tier")]}
    assert s1 == {"VIP": (1, 100_000_000), "核心B": (1, 20_000_000), "普通": (1, 0)}
    s2 = {r["item"]: r["customers"] for r in book[("S2", "tier")]}
    assert s2 == {"核心B": 1}  # C3 ended before T


def test_a_unit_counts_a_customer_once(engine: Engine) -> None:
    book = _book(engine)
    team = sum(r["customers"] for r in book[("T1", "tier")])
    assert team == 3  # C1, C2 (served by both), C4
    assert [r["customers"] for r in book[("B1", "tier")]] == [
        r["customers"] for r in book[("T1", "tier")]
    ]


def test_the_trend_is_the_book_held_on_each_day(engine: Engine) -> None:
    book = _book(engine)
    s2 = {r["day"]: (r["customers"], r["amount_cents"]) for r in book[("S2", "trend")]}
    assert s2 == {D(2025, 5, 30): (2, 15_700_000), AS_OF: (1, 20_000_000)}


def test_flows_by_month(engine: Engine) -> None:
    book = _book(engine)
    gained = {r["day"]: r["customers"] for r in book[("S1", "gained")]}
    assert gained == {D(2025, 1, 1): 1, D(2025, 2, 1): 1, D(2025, 5, 1): 1}
    assert [(r["day"], r["customers"]) for r in book[("S2", "lost")]] == [(D(2025, 6, 1), 1)]
    assert [(r["day"], r["customers"]) for r in book[("S1", "closed")]] == [(D(2025, 6, 1), 1)]
    assert ("T1", "lost") in book  # C3 left T1 too: nobody else in T1 held them


def test_contacts_by_purpose_and_result(engine: Engine) -> None:
    book = _book(engine)
    assert [
        (r["item"], r["sub_item"], r["n"], r["customers"]) for r in book[("S1", "contacts")]
    ] == [("service", "reached", 2, 1)]
    team = {(r["item"], r["n"]) for r in book[("T1", "contacts")]}
    assert team == {("service", 2), ("callback", 1)}


def test_trend_days_are_month_ends_and_t() -> None:
    loaded = [D(2025, 3, 28), D(2025, 3, 31), D(2025, 4, 29), D(2025, 4, 30), D(2025, 5, 6)]
    assert trend_days(loaded, D(2025, 5, 6), months=2) == [
        D(2025, 3, 31),
        D(2025, 4, 30),
        D(2025, 5, 6),
    ]
