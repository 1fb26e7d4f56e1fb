"""Small hand-built cases: a row's grouping and order, reasons in words, the SQL files."""

from __future__ import annotations

import datetime as dt

import pyarrow as pa
import pytest
import sqlglot

from brokerlens.engine.render import check_portable
from brokerlens.engine.sqlfiles import load_sql, sql_names
from brokerlens.marketing.worklist.build import WORKLIST_SCHEMA, group_items
from brokerlens.marketing.worklist.reasons import money_zh, reason

T = dt.date(2025, 6, 30)


def _item(staff: str, customer: str, rank: int, kind: str, urgency: float, **extra: object):
    row: dict[str, object] = {
        "staff_id": staff,
        "customer_id": customer,
        "kind": kind,
        "urgency": urgency,
        "label": None,
        "label_en": None,
        "amount": None,
        "share": None,
        "days": None,
        "text_zh": None,
        "text_en": None,
        "branch_id": "B1",
        "name": "张三",
        "total_assets": 125_000.0,
        "row_urgency": 0.9,
        "value": 0.5,
        "score": 74.0,
        "rank": rank,
        "budget": 1,
        "offer_product_id": None,
        "offer_product_name": None,
        "offer_reason": None,
    }
    row.update(extra)
    return row


def test_one_customers_items_are_one_row_most_urgent_first() -> None:
    items = pa.Table.from_pylist(
        [
            _item("S1", "C1", 1, "churn", 0.9, share=0.634),
            _item("S1", "C1", 1, "birthday", 0.45, days=3),
            _item("S1", "C2", 2, "alert:no_trade", 0.25, label="沉睡", label_en="No trading"),
            _item("S2", "C1", 1, "campaign:4", 0.7, label="春季理财", label_en="Spring", days=9),
        ]
    )
    rows = group_items(items, T).to_pylist()
    assert group_items(items, T).schema.equals(WORKLIST_SCHEMA)
    assert [(r["staff_id"], r["customer_id"], r["rank"]) for r in rows] == [
        ("S1", "C1", 1),
        ("S1", "C2", 2),
        ("S2", "C1", 1),
    ]
    assert rows[0]["kinds"] == ["churn", "birthday"]
    assert rows[0]["reasons"] == ["流失概率 63%", "3 天后生日"]
    assert rows[0]["reasons_en"] == ["churn probability 63%", "birthday in 3 days"]
    assert [r["in_budget"] for r in rows] == [True, False, True]
    assert rows[2]["reasons"] == ["营销活动「春季理财」待联系，9 天后结束"]


def test_an_empty_list_is_an_empty_file_of_the_schema() -> None:
    empty = pa.Table.from_pylist(
        [], schema=pa.Table.from_pylist([_item("S", "C", 1, "churn", 1)]).schema
    )
    assert group_items(empty, T).schema.equals(WORKLIST_SCHEMA)


@pytest.mark.parametrize(
    ("row", "zh"),
    [
        (
            {"kind": "activation", "label": "dormant", "amount": 125_000.0},
            "沉睡账户待激活，历史峰值资产 12.5万",
        ),
        ({"kind": "assessment_expiring", "days": 0}, "风险测评 今天到期"),
        (
            {"kind": "ipo_allotment", "label": "688001", "amount": 24_500.0, "days": 2},
            "新股中签 688001 等 2 只，金额 2.5万",
        ),
        ({"kind": "complaint", "label": "service", "days": 4}, "投诉处理中（service），已 4 天"),
        ({"kind": "anniversary", "amount": 5.0, "days": 2}, "开户 5 周年（2 天后）"),
        (
            {"kind": "maturity", "label": "稳健1号", "amount": 1.5e8, "days": 6},
            "持有的「稳健1号」6 天后到期，市值 1.50亿",
        ),
        (
            {"kind": "callback_due", "label": "稳健1号", "days": 2},
            "适当性回访到期（稳健1号），已逾期 2 天",
        ),
    ],
)
def test_reasons_read_as_the_workbench_writes_figures(row: dict[str, object], zh: str) -> None:
    full = {k: None for k in ("label", "label_en", "amount", "share", "days", "text_zh", "text_en")}
    full.update(row)
    assert reason(full)[0] == zh
    assert reason(full)[1]  # and in English


def test_amounts_in_wan_and_yi() -> None:
    assert [money_zh(v) for v in (8_000.0, 125_000.0, 2.5e8)] == ["8,000元", "12.5万", "2.50亿"]


@pytest.mark.parametrize("name", sql_names("brokerlens.marketing.worklist"))
def test_each_sql_file_is_documented_and_portable(name: str) -> None:
    sql = load_sql("brokerlens.marketing.worklist", name)
    assert sql.purpose and sql.grain
    assert sqlglot.transpile(sql.sql, read="duckdb", write="spark")
    assert check_portable(sql.sql) == []
