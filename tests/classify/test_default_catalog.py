"""The default catalog against catalog.md (the repository's copy, spec/), and each
classification at its boundaries."""

from __future__ import annotations

import re

import pytest
from classify_rows import classify, one

from brokerlens.classify import load_default_catalog
from brokerlens.classify.buckets import rules_of
from brokerlens.indicators import load_indicators
from support.spec import spec_file

SPEC = spec_file("catalog.md")
IDS = [
    "service_level",
    "customer_tier",
    "asset_bucket_current",
    "asset_bucket_3m",
    "asset_bucket_cash",
    "profitability",
    "product_preference",
    "industry_preference",
    "board_preference",
    "stock_habit",
    "fund_habit",
    "activity",
    "stock_character",
    "fund_character",
    "investment_purpose",
    "year_result",
    "holdings_risk_score",
    "risk_mismatch",
    "rfm_segment",
]


def _labels(classification_id: str) -> set[str]:
    item = load_default_catalog().get(classification_id)
    assert item is not None
    return {r.value for r in rules_of(item) if r.value} | {item.default}


def test_ids_in_spec_order() -> None:
    assert load_default_catalog().ids == IDS


def test_every_id_and_label_of_the_spec_is_present() -> None:
    text = SPEC.read_text("utf-8").split("## Classifications")[1].split("## Alerts")[0]
    assert set(re.findall(r"`([a-z_0-9]+)`", text)) <= set(IDS)
    expected = {
        "service_level": "金手指 金算盘 金钥匙",
        "customer_tier": "VIP 核心A 核心B 潜力 普通",
        "profitability": "很强 较强 较弱 很差",
        "product_preference": "股票型 基金型 债券型 权证型 其他 无交易",
        "industry_preference": "混合型 无交易",
        "board_preference": "混合型 无交易",
        "stock_habit": "长线 中线 短线 波段 无交易",
        "fund_habit": "长线 中线 短线 无持有",
        "activity": "频繁交易型 活跃型 比较活跃型 不活跃型 无交易型",
        "stock_character": "追随者 自主型 其他",
        "fund_character": "追随者 自主型 其他",
        "investment_purpose": "短线价差 波段利益 股利配股 其他",
        "year_result": "赢 亏",
    }
    for cid, labels in expected.items():
        assert set(labels.split()) <= _labels(cid), cid
        assert all(label in text for label in labels.split())
    buckets = re.search(r"<0, 0–5千.*?>=1亿", text, re.S)
    assert buckets is not None
    spec_buckets = [b.strip() for b in buckets.group(0).replace("\n", " ").split(",")]
    for cid in ("asset_bucket_current", "asset_bucket_3m", "asset_bucket_cash"):
        item = load_default_catalog().get(cid)
        assert item is not None and item.buckets is not None
        assert item.buckets.labels == spec_buckets


def test_rules_only_use_known_indicators_and_have_english_labels() -> None:
    for item in load_default_catalog().classifications:
        assert item.default_en, item.id
        for rule in rules_of(item):
            assert rule.value_en or rule.value_from, (item.id, rule)
    assert "holdings_risk" in load_indicators()


@pytest.mark.parametrize(
    ("assets", "commission", "expected"),
    [
        (1_000_000, 0, "金手指"),
        (999_999.99, 0, "金算盘"),
        (0, 20_000, "金手指"),
        (0, 19_999.99, "金算盘"),
        (200_000, 0, "金算盘"),
        (199_999.99, 4_999.99, "金钥匙"),
        (None, None, "金钥匙"),
    ],
)
def test_service_level(assets: float | None, commission: float | None, expected: str) -> None:
    got = one("service_level", total_assets_t=assets, net_commission_last_year=commission)
    assert got == expected


@pytest.mark.parametrize(
    ("last_year", "ytd", "commission", "expected"),
    [
        (5_000_000, 0, 0, "核心B"),  # VIP needs more than 5,000,000
        (5_000_000.01, 0, 0, "VIP"),
        (0, 5_000_000.01, 0, "VIP"),
        (None, 6_000_000, None, "VIP"),  # greatest ignores a NULL year, on both engines
        (0, 0, 50_000, "VIP"),
        (0, 0, 10_000, "核心A"),
        (0, 500_000, 9_999, "核心B"),
        (199_999, 0, 5_000, "潜力"),
        (200_000, 0, 0, "潜力"),
        (199_999, 0, 4_999, "普通"),
        (None, None, None, "普通"),
    ],
)
def test_customer_tier(
    last_year: float | None, ytd: float | None, commission: float | None, expected: str
) -> None:
    got = one(
        "customer_tier",
        avg_assets_last_year=last_year,
        avg_assets_ytd=ytd,
        net_commission_last_year=commission,
    )
    assert got == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (-0.01, "<0"),
        (0, "0–5千"),
        (4_999.99, "0–5千"),
        (5_000, "5千–2万"),
        (999_999.99, "50万–100万"),
        (1_000_000, "100万–200万"),
        (99_999_999, "5000万–1亿"),
        (100_000_000, ">=1亿"),
        (None, "0–5千"),
    ],
)
@pytest.mark.parametrize(
    ("cid", "indicator"),
    [
        ("asset_bucket_current", "total_assets_t"),
        ("asset_bucket_3m", "avg_assets_3m"),
        ("asset_bucket_cash", "available_cash_t"),
    ],
)
def test_asset_buckets(cid: str, indicator: str, value: float | None, expected: str) -> None:
    assert one(cid, **{indicator: value}) == expected


@pytest.mark.parametrize(
    ("ret", "index", "expected"),
    [
        (0.20, 0.0, "较强"),
        (0.2001, 0.0, "很强"),
        (0.0, 0.0, "较弱"),
        (0.0001, 0.0, "较强"),
        (-0.15, 0.0, "较弱"),
        (-0.1501, 0.0, "很差"),
        (None, 0.0, "较弱"),
        (0.1, None, "较弱"),
    ],
)
def test_profitability(ret: float | None, index: float | None, expected: str) -> None:
    assert one("profitability", return_6m=ret, index_return_6m=index) == expected


@pytest.mark.parametrize(
    ("buys", "expected"),
    [
        ({}, "无交易"),
        ({"buy_amount_total_3m": 0}, "无交易"),
        ({"buy_amount_total_3m": 100, "buy_amount_stock_3m": 50}, "其他"),
        ({"buy_amount_total_3m": 100, "buy_amount_stock_3m": 50.01}, "股票型"),
        ({"buy_amount_total_3m": 100, "buy_amount_fund_3m": 60}, "基金型"),
        ({"buy_amount_total_3m": 100, "buy_amount_bond_3m": 60}, "债券型"),
        ({"buy_amount_total_3m": 100, "buy_amount_warrant_3m": 60}, "权证型"),
        ({"buy_amount_total_3m": 100, "buy_amount_other_3m": 60}, "其他"),
    ],
)
def test_product_preference(buys: dict[str, float], expected: str) -> None:
    assert one("product_preference", **buys) == expected


@pytest.mark.parametrize(
    ("cid", "top", "share"),
    [
        ("industry_preference", "top_industry_3m", "top_industry_share_3m"),
        ("board_preference", "top_board_3m", "top_board_share_3m"),
    ],
)
def test_industry_and_board_preference(cid: str, top: str, share: str) -> None:
    rows = [
        {"buy_amount_stock_3m": 0, top: "银行", share: 1.0},
        {"buy_amount_stock_3m": None},
        {"buy_amount_stock_3m": 10, top: "创业板", share: 0.5},
        {"buy_amount_stock_3m": 10, top: "创业板", share: 0.51},
        {"buy_amount_stock_3m": 10, top: None, share: 0.9},
    ]
    got = [r[cid] for r in classify(rows)]
    assert got == ["无交易", "无交易", "混合型", "创业板", "混合型"]


@pytest.mark.parametrize(
    ("days", "trades", "expected"),
    [
        (90.01, 0, "长线"),
        (90, 0, "中线"),
        (30, 5.5, "短线"),
        (30, 5, "波段"),
        (None, 1, "波段"),
        (None, 0, "无交易"),
        (None, None, "无交易"),
    ],
)
def test_stock_habit(days: float | None, trades: float | None, expected: str) -> None:
    got = one("stock_habit", avg_holding_days_stock=days, trades_per_month=trades)
    assert got == expected


@pytest.mark.parametrize(
    ("days", "expected"),
    [
        (365, "长线"),
        (364.9, "中线"),
        (182, "中线"),
        (181, "短线"),
        (0.5, "短线"),
        (0, "无持有"),
        (None, "无持有"),
    ],
)
def test_fund_habit(days: float | None, expected: str) -> None:
    assert one("fund_habit", avg_holding_days_fund=days) == expected


@pytest.mark.parametrize(
    ("turnover", "expected"),
    [
        (5.01, "频繁交易型"),
        (5, "活跃型"),
        (3, "比较活跃型"),
        (1, "不活跃型"),
        (0.1, "无交易型"),
        (0.1001, "不活跃型"),
        (None, "无交易型"),
    ],
)
def test_activity(turnover: float | None, expected: str) -> None:
    assert one("activity", monthly_turnover=turnover) == expected


@pytest.mark.parametrize(
    ("share", "expected"),
    [(0.61, "追随者"), (0.6, "其他"), (0.4, "其他"), (0.39, "自主型"), (None, "其他")],
)
@pytest.mark.parametrize(
    ("cid", "indicator"),
    [("stock_character", "hot_stock_share_t"), ("fund_character", "top_fund_share_t")],
)
def test_character(cid: str, indicator: str, share: float | None, expected: str) -> None:
    assert one(cid, **{indicator: share}) == expected


@pytest.mark.parametrize(
    ("sells", "small", "big", "ex_right", "expected"),
    [
        (1, 0.7, 0.0, 0.0, "短线价差"),
        (1, 0.69, 0.7, 0.0, "波段利益"),
        (0, 0.9, 0.9, 0.21, "股利配股"),
        (0, 0.9, 0.9, 0.2, "其他"),
        (None, None, None, None, "其他"),
    ],
)
def test_investment_purpose(
    sells: float | None,
    small: float | None,
    big: float | None,
    ex_right: float | None,
    expected: str,
) -> None:
    got = one(
        "investment_purpose",
        profitable_sells_6m=sells,
        small_gain_sell_share_6m=small,
        big_gain_sell_share_6m=big,
        ex_right_held_share_6m=ex_right,
    )
    assert got == expected


@pytest.mark.parametrize(
    ("rate", "expected"), [(0.0001, "赢"), (0, "亏"), (-1, "亏"), (None, "亏")]
)
def test_year_result(rate: float | None, expected: str) -> None:
    assert one("year_result", profit_ytd_rate=rate) == expected


@pytest.mark.parametrize(
    ("score", "expected"),
    [
        (1, "低"),
        (1.5, "中低"),
        (2.49, "中低"),
        (2.5, "中"),
        (3.5, "中高"),
        (4.5, "高"),
        (5, "高"),
        (None, "无持仓"),
    ],
)
def test_holdings_risk_score(score: float | None, expected: str) -> None:
    assert one("holdings_risk_score", holdings_risk=score) == expected


@pytest.mark.parametrize(
    ("trades", "r", "f", "m", "expected"),
    [
        (0, 5, 5, 5, "近12月无交易"),
        (None, None, None, None, "近12月无交易"),
        (9, 4, 4, 4, "重要价值客户"),
        (9, 3, 4, 5, "重要保持客户"),
        (9, 5, 3, 4, "重要发展客户"),
        (9, 1, 1, 5, "重要挽留客户"),
        (9, 4, 5, 3, "一般价值客户"),
        (9, 2, 4, 1, "一般保持客户"),
        (9, 4, 1, 2, "一般发展客户"),
        (9, 3, 3, 3, "一般挽留客户"),
    ],
)
def test_rfm_segment(
    trades: int | None, r: int | None, f: int | None, m: int | None, expected: str
) -> None:
    got = one("rfm_segment", trades_12m=trades, rfm_r_score=r, rfm_f_score=f, rfm_m_score=m)
    assert got == expected


def test_every_indicator_zero_and_every_indicator_null() -> None:
    zero = {k: ("" if i.type == "text" else 0) for k, i in load_indicators().items()}
    zero_row, null_row = classify([zero, {}])
    assert zero_row == {
        "service_level": "金钥匙",
        "customer_tier": "普通",
        "asset_bucket_current": "0–5千",
        "asset_bucket_3m": "0–5千",
        "asset_bucket_cash": "0–5千",
        "profitability": "较弱",
        "product_preference": "无交易",
        "industry_preference": "无交易",
        "board_preference": "无交易",
        "stock_habit": "无交易",
        "fund_habit": "无持有",
        "activity": "无交易型",
        "stock_character": "自主型",
        "fund_character": "自主型",
        "investment_purpose": "其他",
        "year_result": "亏",
        "holdings_risk_score": "低",
        "risk_mismatch": "一致",
        "rfm_segment": "近12月无交易",
    }
    # All NULL: every classification's default, except "no buys" which a NULL amount also means,
    # and "no behavioural level" which only a NULL level means.
    expected = {c.id: c.default for c in load_default_catalog().classifications}
    expected |= dict.fromkeys(
        ("product_preference", "industry_preference", "board_preference"), "无交易"
    )
    expected["risk_mismatch"] = "无行为模型"
    expected["rfm_segment"] = "近12月无交易"  # no trade count: not ranked
    assert null_row == expected
