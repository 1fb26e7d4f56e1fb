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
            {"kind": "callback_due", "label": "overdue", "amount": 0.0, "days": 2},
            "回访已逾期 2 天：请提醒客户接听回访电话",
        ),
        (
            {"kind": "callback_due", "label": "not_reached", "amount": 2.0, "days": 0},
            "回访未接通（已拨 2 次）：请协助核实客户联系方式",
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


def _ranked(candidates: list[tuple[str, str | None, str, float]], assets: dict[str, float]):
    """worklist_items.sql over hand-built relations: (customer, staff, kind, urgency) items,
    every customer owned by S1 (C4 by nobody), snoozed (S1, C5), C6's churn cooling down."""
    from brokerlens.config import load_settings
    from brokerlens.engine import open_engine

    engine = open_engine("duckdb", load_settings())
    owners = [(c, "S1" if c != "C4" else None) for c in sorted(assets)]
    engine.register_table(
        "wl_owners",
        pa.table(
            {
                "customer_id": [c for c, _ in owners],
                "name": [c for c, _ in owners],
                "branch_id": ["B1"] * len(owners),
                "staff_id": pa.array([s for _, s in owners], pa.string()),
                "budget_branch": ["B1"] * len(owners),
            }
        ),
    )
    engine.register_table(
        "wl_value", pa.table({"customer_id": list(assets), "total_assets": list(assets.values())})
    )
    none = pa.array([None] * len(candidates), pa.string())
    engine.register_table(
        "wl_candidates",
        pa.table(
            {
                "customer_id": [c[0] for c in candidates],
                "staff_id": pa.array([c[1] for c in candidates], pa.string()),
                "kind": [c[2] for c in candidates],
                "urgency": [c[3] for c in candidates],
                "label": none,
                "label_en": none,
                "amount": pa.array([None] * len(candidates), pa.float64()),
                "share": pa.array([None] * len(candidates), pa.float64()),
                "days": pa.array([None] * len(candidates), pa.int64()),
                "text_zh": none,
                "text_en": none,
            }
        ),
    )
    engine.register_table("wl_snoozed", pa.table({"staff_id": ["S1"], "customer_id": ["C5"]}))
    engine.register_table("wl_cooldown", pa.table({"customer_id": ["C6"], "kind": ["churn"]}))
    engine.register_table("wl_budgets", pa.table({"branch_id": ["B1"], "budget": [2]}))
    engine.register_table(
        "wl_alert_covers",
        pa.table({"alert_kind": ["alert:open_complaint"], "kind": ["complaint"]}),
    )
    engine.register_table(
        "wl_offers",
        pa.table(
            {
                "customer_id": ["C1"],
                "product_id": ["P1"],
                "product_name": ["稳健1号"],
                "reason": ["全公司近期热销"],
            }
        ),
    )
    try:
        sql = load_sql("brokerlens.marketing.worklist", "worklist_items").sql
        params = {"bonus": 0.25, "w_urgency": 0.6, "w_value": 0.4, "default_budget": 20}
        return engine.fetch(sql, params).to_pylist()
    finally:
        engine.close()


def test_rows_rank_by_urgency_and_value_within_the_budget() -> None:
    assets = {"C1": 100.0, "C2": 5e6, "C3": 2e5, "C4": 9e9, "C5": 1e6, "C6": 3e5}
    items = _ranked(
        [
            ("C1", None, "complaint", 1.0),
            ("C1", None, "alert:open_complaint", 0.6),  # says what the complaint says
            ("C1", None, "birthday", 0.4),
            ("C2", None, "anniversary", 0.3),
            ("C3", None, "churn", 0.9),
            ("C3", None, "birthday", 0.4),
            ("C4", None, "churn", 0.9),  # nobody's customer
            ("C5", None, "churn", 0.9),  # snoozed
            ("C6", None, "churn", 0.9),  # done lately
            ("C6", "S2", "campaign:1", 0.7),  # the campaign's broker
        ],
        assets,
    )
    rows = {(r["staff_id"], r["customer_id"]): r for r in items}
    assert set(rows) == {("S1", "C1"), ("S1", "C2"), ("S1", "C3"), ("S2", "C6")}
    assert [r["kind"] for r in items if r["customer_id"] == "C1"] == ["complaint", "birthday"]
    c1, c2, c3 = rows[("S1", "C1")], rows[("S1", "C2")], rows[("S1", "C3")]
    assert c1["row_urgency"] == 1.0  # capped: 1.0 + 0.25 x 0.4
    assert c3["row_urgency"] == pytest.approx(0.9 + 0.25 * 0.4)
    assert c2["row_urgency"] == pytest.approx(0.3)
    # value: the percentile of total assets among all six customers (C1 lowest, C4 highest)
    assert c1["value"] == 0.0 and c2["value"] == pytest.approx(0.8)
    for r in (c1, c2, c3):
        assert r["score"] == pytest.approx(100 * (0.6 * r["row_urgency"] + 0.4 * r["value"]))
    assert [c3["rank"], c1["rank"], c2["rank"]] == [1, 2, 3]
    assert c1["budget"] == 2 and c1["offer_product_name"] == "稳健1号"
    assert rows[("S2", "C6")]["rank"] == 1 and rows[("S2", "C6")]["budget"] == 20


def test_a_term_product_matures_from_the_first_day_it_is_held() -> None:
    """A 30-day product bought on T-25 matures in 5 days; one held since before its window is
    not dated; one bought on T-10 matures after the window."""
    from brokerlens.config import load_settings
    from brokerlens.engine import open_engine

    engine = open_engine("duckdb", load_settings())
    window_first = T - dt.timedelta(days=37)
    days = [window_first + dt.timedelta(days=k) for k in range(0, 38)]
    held = {"C1": T - dt.timedelta(days=25), "C2": window_first, "C3": T - dt.timedelta(days=10)}
    rows = [(d, c, "P1") for c, since in held.items() for d in days if since <= d <= T]
    engine.register_table(
        "wl_holdings",
        pa.table(
            {
                "biz_date": pa.array([r[0] for r in rows], pa.date32()),
                "customer_id": [r[1] for r in rows],
                "product_id": [r[2] for r in rows],
                "units": [100.0] * len(rows),
                "market_value": [12_500.0] * len(rows),
            }
        ),
    )
    engine.register_table(
        "wl_term_windows",
        pa.table({"term_days": [30], "window_first": pa.array([window_first], pa.date32())}),
    )
    engine.register_table(
        "products_history",
        pa.table(
            {
                "product_id": ["P1"],
                "name": ["稳健30天"],
                "term_days": [30],
                "valid_from": pa.array([dt.date(2020, 1, 1)], pa.date32()),
                "valid_to": pa.array([None], pa.date32()),
            }
        ),
    )
    try:
        sql = load_sql("brokerlens.marketing.worklist", "wl_maturity_items").sql
        found = engine.fetch(sql, {"as_of": T, "urgency": 0.65, "days_ahead": 14}).to_pylist()
    finally:
        engine.close()
    assert [(r["customer_id"], r["days"], r["label"]) for r in found] == [("C1", 5, "稳健30天")]
    assert reason(found[0])[0] == "持有的「稳健30天」5 天后到期，市值 1.2万"
