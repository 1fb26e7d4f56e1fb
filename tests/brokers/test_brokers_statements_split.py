"""The statement lines' split, on hand-built rows: per customer, day and role each holder gets
the floor of their share, the cents left go one each to the largest remainders (ties to the
smaller staff id), shares not adding to 100% leave the rest to NULL staff, and every role adds
up to the customers' income to the cent."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pyarrow as pa
import pytest

from brokerlens.engine import Engine
from brokerlens.engine.duckdb_engine import DuckDBEngine
from brokerlens.engine.render import check_portable
from brokerlens.engine.sqlfiles import load_sql

PACKAGE = "brokerlens.brokers.income"
MONTH = dt.date(2025, 3, 1)
THROUGH = dt.date(2025, 3, 31)
D1, D2 = dt.date(2025, 3, 3), dt.date(2025, 3, 20)


def _income(rows: list[tuple[dt.date, str, int, int]]) -> pa.Table:
    names = ["day", "customer_id", "commission_cents", "product_fee_cents"]
    return pa.table(
        {n: [r[i] for r in rows] for i, n in enumerate(names)},
        schema=pa.schema(
            [
                ("day", pa.date32()),
                ("customer_id", pa.string()),
                ("commission_cents", pa.int64()),
                ("product_fee_cents", pa.int64()),
            ]
        ),
    )


def _ledger(rows: list[tuple[str, str, str, str, dt.date, dt.date | None]]) -> pa.Table:
    return pa.table(
        {
            "customer_id": [r[0] for r in rows],
            "staff_id": [r[1] for r in rows],
            "role": [r[2] for r in rows],
            "share_pct": pa.array([Decimal(r[3]) for r in rows], pa.decimal128(5, 2)),
            "valid_from": pa.array([r[4] for r in rows], pa.date32()),
            "valid_to": pa.array([r[5] for r in rows], pa.date32()),
            "source": ["feed"] * len(rows),
        }
    )


def _lines(
    income: pa.Table, ledger: pa.Table, engine: Engine | None = None
) -> dict[tuple[Any, ...], int]:
    engine = engine or DuckDBEngine()
    try:
        engine.register_table("income_days", income)
        engine.register_table("ledger", ledger)
        engine.register_table(
            "staff_history",
            pa.table(
                {
                    "staff_id": ["S1", "S2", "S3"],
                    "unit_id": ["T1", "T1", "T2"],
                    "valid_from": pa.array([dt.date(2025, 1, 1)] * 3, pa.date32()),
                }
            ),
        )
        engine.register_table(
            "customers_history",
            pa.table(
                {
                    "customer_id": ["C1", "C2", "C3"],
                    "branch_id": ["B1", "B1", "B2"],
                    "valid_from": pa.array([dt.date(2025, 1, 1)] * 3, pa.date32()),
                }
            ),
        )
        sql = load_sql(PACKAGE, "statement_lines").sql
        table = engine.fetch(sql, {"month": MONTH, "through": THROUGH})
    finally:
        engine.close()
    return {
        (r["staff_id"], r["unit_id"], r["role"], r["income_kind"]): r["amount_cents"]
        for r in table.to_pylist()
    }


def _role(lines: dict[tuple[Any, ...], int], role: str, kind: str = "commission") -> int:
    return sum(v for k, v in lines.items() if k[2] == role and k[3] == kind)


def test_thirds_give_the_left_cent_to_the_largest_remainder_then_smaller_staff_id() -> None:
    # 100 cents in thirds: 33 each, one cent left; equal remainders -> S1 (smallest id)
    lines = _lines(
        _income([(D1, "C1", 100, 0)]),
        _ledger(
            [
                ("C1", "S3", "servicer", "33.33", dt.date(2025, 1, 1), None),
                ("C1", "S2", "servicer", "33.33", dt.date(2025, 1, 1), None),
                ("C1", "S1", "servicer", "33.34", dt.date(2025, 1, 1), None),
            ]
        ),
    )
    assert lines[("S1", "T1", "servicer", "commission")] == 34
    assert lines[("S2", "T1", "servicer", "commission")] == 33
    assert lines[("S3", "T2", "servicer", "commission")] == 33


def test_sixty_forty_of_an_odd_amount_adds_up_to_the_cent() -> None:
    # 12.345 yuan does not exist: 1235 cents x 60% = 741, x 40% = 494
    lines = _lines(
        _income([(D1, "C1", 1235, 0), (D2, "C1", 1, 0)]),
        _ledger(
            [
                ("C1", "S1", "developer", "60", dt.date(2025, 1, 1), None),
                ("C1", "S2", "developer", "40", dt.date(2025, 1, 1), None),
            ]
        ),
    )
    # day 2: one cent, 0.6 vs 0.4 -> the larger remainder (S1) takes it
    assert lines[("S1", "T1", "developer", "commission")] == 741 + 1
    assert lines[("S2", "T1", "developer", "commission")] == 494
    assert _role(lines, "developer") == 1236


def test_relationship_in_force_on_the_day_and_nobody_for_unheld_roles() -> None:
    lines = _lines(
        _income([(D1, "C1", 500, 0), (D2, "C1", 700, 0)]),
        _ledger(
            [
                ("C1", "S1", "servicer", "100", dt.date(2025, 1, 1), dt.date(2025, 3, 10)),
                ("C1", "S2", "servicer", "100", dt.date(2025, 3, 10), None),
            ]
        ),
    )
    assert lines[("S1", "T1", "servicer", "commission")] == 500
    assert lines[("S2", "T1", "servicer", "commission")] == 700
    # nobody develops or advises C1: the whole income to NULL staff at the customer's branch
    assert lines[(None, "B1", "developer", "commission")] == 1200
    assert lines[(None, "B1", "advisor", "commission")] == 1200


@pytest.mark.parametrize(
    ("shares", "expected_staff", "expected_nobody"),
    [
        # 90%: floor(999 x 0.9) = 899 given (S1 599 = floor 599.4, S2 299 = floor 299.7 +1
        # -> 300 by the larger remainder), 100 cents to nobody
        (("60", "30"), {"S1": 599, "S2": 300}, 100),
        # 120%: all 999 cents split 60:60 -> 499.5 each, the tie's cent to S1
        (("60", "60"), {"S1": 500, "S2": 499}, None),
    ],
)
def test_shares_not_adding_to_100(
    shares: tuple[str, str], expected_staff: dict[str, int], expected_nobody: int | None
) -> None:
    lines = _lines(
        _income([(D1, "C2", 999, 0)]),
        _ledger(
            [
                ("C2", "S1", "developer", shares[0], dt.date(2025, 1, 1), None),
                ("C2", "S2", "developer", shares[1], dt.date(2025, 1, 1), None),
            ]
        ),
    )
    for who, cents in expected_staff.items():
        assert lines[(who, "T1", "developer", "commission")] == cents
    assert lines.get((None, "B1", "developer", "commission")) == expected_nobody
    assert _role(lines, "developer") == 999


def test_product_fees_are_split_as_their_own_kind() -> None:
    lines = _lines(
        _income([(D1, "C3", 0, 2001)]),
        _ledger([("C3", "S3", "servicer", "100", dt.date(2025, 1, 1), None)]),
    )
    assert lines[("S3", "T2", "servicer", "product_fee")] == 2001
    assert _role(lines, "servicer") == 0  # no commission that day: no commission line
    assert lines[(None, "B2", "developer", "product_fee")] == 2001


@pytest.mark.parametrize("name", ["income_days", "statement_lines"])
def test_the_sql_is_in_the_portable_subset(name: str) -> None:
    assert check_portable(load_sql(PACKAGE, name).sql) == []
