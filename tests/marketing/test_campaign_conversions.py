"""The conversion of each goal, on hand-built feed rows: the first qualifying date inside the
window (capped at T), nothing outside it, the product / service named, the deposit threshold
reached by the running net inflow, marketing contacts counted."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pytest

from brokerlens.config import load_settings
from brokerlens.engine import Engine
from brokerlens.engine.registry import open_engine
from brokerlens.engine.render import check_portable
from brokerlens.engine.sqlfiles import load_sql, sql_names
from brokerlens.marketing.campaigns.outcomes import MEMBER_COLUMNS, PACKAGE, outcomes_sql

D = dt.date
START, END, T = D(2025, 3, 3), D(2025, 3, 31), D(2025, 3, 20)
# campaign id -> (goal, product, service, threshold cents)
CAMPAIGNS = {
    1: ("product_purchase", "P1", None, None),
    2: ("deposit", None, None, 5_000_000),  # 50,000 yuan
    3: ("trade", None, None, None),
    4: ("reactivation", None, None, None),
    5: ("permission", None, "margin", None),
}
MONEY = pa.decimal128(18, 2)


def _members() -> pa.Table:
    rows = [
        (cid, f"C{n}", "S1", *spec, START, min(END, T))
        for cid, spec in CAMPAIGNS.items()
        for n in range(1, 5)
    ]
    columns = list(zip(*rows, strict=True))
    return pa.table(
        {
            name: pa.array(col, kind)
            for (name, kind), col in zip(MEMBER_COLUMNS, columns, strict=True)
        }
    )


def _table(rows: list[tuple[object, ...]], schema: list[tuple[str, pa.DataType]]) -> pa.Table:
    columns = list(zip(*rows, strict=True)) if rows else [[] for _ in schema]
    return pa.table({n: pa.array(c, k) for (n, k), c in zip(schema, columns, strict=True)})


@pytest.fixture
def engine(tmp_path: Path) -> Engine:
    found = open_engine("duckdb", load_settings(home=tmp_path))
    found.register_table("co_members", _members())
    found.register_table(
        "co_product_trades",
        _table(
            [
                (D(2025, 3, 10), "C1", "P1", "subscribe"),
                (D(2025, 3, 5), "C1", "P1", "purchase"),  # the first one counts
                (D(2025, 3, 6), "C2", "P2", "purchase"),  # another product
                (D(2025, 3, 7), "C3", "P1", "redeem"),  # not a purchase
                (D(2025, 3, 25), "C4", "P1", "purchase"),  # after T
                (D(2025, 3, 8), "C4", "P9", "purchase"),  # reactivation: wakes C4
            ],
            [
                ("biz_date", pa.date32()),
                ("customer_id", pa.string()),
                ("product_id", pa.string()),
                ("action", pa.string()),
            ],
        ),
    )
    found.register_table(
        "co_fund_transfers",
        _table(
            [
                (D(2025, 3, 4), "C1", "in", Decimal("30000.00")),
                (D(2025, 3, 6), "C1", "in", Decimal("20000.00")),  # 50,000 reached on the 6th
                (D(2025, 3, 4), "C2", "in", Decimal("60000.00")),
                (D(2025, 3, 4), "C2", "out", Decimal("20000.00")),  # net 40,000: not enough
                (D(2025, 3, 1), "C3", "in", Decimal("90000.00")),  # before the window
            ],
            [
                ("biz_date", pa.date32()),
                ("customer_id", pa.string()),
                ("direction", pa.string()),
                ("amount", MONEY),
            ],
        ),
    )
    found.register_table(
        "co_trades",
        _table(
            [
                (D(2025, 3, 12), "C1", "ipo_subscribe"),  # not a trade conversion
                (D(2025, 3, 13), "C2", "normal"),
                (D(2025, 3, 14), "C2", "normal"),
                (D(2025, 3, 9), "C3", "ipo_allot"),
            ],
            [("biz_date", pa.date32()), ("customer_id", pa.string()), ("trade_type", pa.string())],
        ),
    )
    found.register_table(
        "service_agreements",
        _table(
            [
                ("C1", "margin", D(2025, 3, 11)),
                ("C2", "option", D(2025, 3, 11)),  # another service
                ("C3", "margin", D(2024, 12, 1)),  # signed before the window
            ],
            [("customer_id", pa.string()), ("service", pa.string()), ("sign_date", pa.date32())],
        ),
    )
    found.register_table(
        "co_contacts_feed",
        _table(
            [
                (D(2025, 3, 4), "C1", "marketing"),
                (D(2025, 3, 5), "C1", "marketing"),
                (D(2025, 3, 5), "C2", "service"),  # not a campaign contact
            ],
            [("biz_date", pa.date32()), ("customer_id", pa.string()), ("purpose", pa.string())],
        ),
    )
    yield found
    found.close()


def test_each_goal_finds_the_first_conversion_in_the_window(engine: Engine) -> None:
    found = engine.fetch(outcomes_sql(engine)).to_pylist()
    converted = {(r["campaign_id"], r["customer_id"]): r["converted_on"] for r in found}
    assert {k: v for k, v in converted.items() if v is not None} == {
        (1, "C1"): D(2025, 3, 5),
        (2, "C1"): D(2025, 3, 6),
        (3, "C2"): D(2025, 3, 13),
        (3, "C3"): D(2025, 3, 9),
        (4, "C1"): D(2025, 3, 5),
        (4, "C2"): D(2025, 3, 6),
        (4, "C3"): D(2025, 3, 9),
        (4, "C4"): D(2025, 3, 8),
        (5, "C1"): D(2025, 3, 11),
    }
    contacts = {(r["campaign_id"], r["customer_id"]): r["feed_contacts"] for r in found}
    assert contacts[(1, "C1")] == 2 and all(
        r["contacted_on"] == D(2025, 3, 4) for r in found if r["customer_id"] == "C1"
    )
    assert (1, "C2") not in contacts  # a service contact, no conversion: no row


@pytest.mark.parametrize("name", sql_names(PACKAGE))
def test_each_model_is_portable(name: str) -> None:
    assert check_portable(load_sql(PACKAGE, name).sql) == []
