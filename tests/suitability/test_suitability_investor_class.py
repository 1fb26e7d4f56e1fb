"""Professional vs ordinary from what the data shows, with the reason in words and figures."""

from __future__ import annotations

import datetime as dt

from suitability_rows import customer

from brokerlens.suitability.investor_class import assess_class
from brokerlens.suitability.rules import default_rules

RULES = default_rules()
LONG = dict(
    open_date=dt.date(2015, 1, 5), history_start=dt.date(2015, 1, 5), first_seen=dt.date(2015, 1, 6)
)


def test_rich_and_seasoned_person_is_professional() -> None:
    result = assess_class(customer(**LONG, total_assets=6_200_000.0, assets_20d=6_000_000.0), RULES)
    assert result.outcome == "professional"
    assert "金融资产 6,200,000 >= 5,000,000, 20日日均 6,000,000" in result.reasons


def test_between_3_and_5_million_may_apply() -> None:
    result = assess_class(customer(**LONG, total_assets=3_500_000.0), RULES)
    assert result.outcome == "may_apply"
    assert result.reasons[-1].startswith("可申请转化为专业投资者: 金融资产 3,500,000 >= 3,000,000")


def test_rich_but_new_is_ordinary() -> None:
    fresh = dict(
        open_date=dt.date(2024, 12, 2),
        history_start=dt.date(2015, 1, 5),
        first_seen=dt.date(2024, 12, 2),
    )
    result = assess_class(customer(**fresh, total_assets=9_000_000.0), RULES)
    assert result.outcome == "ordinary"
    assert "投资经验 3 个月 (首笔交易/持仓 2024-12-02), 需 24 个月" in result.reasons


def test_experience_before_the_lake_makes_it_to_verify() -> None:
    unsure = dict(
        open_date=dt.date(2010, 1, 4),
        history_start=dt.date(2025, 3, 3),
        first_seen=dt.date(2025, 3, 3),
    )
    assert assess_class(customer(**unsure, total_assets=9_000_000.0), RULES).outcome == "to_verify"


def test_recorded_professional_without_support_disagrees() -> None:
    result = assess_class(
        customer(**LONG, investor_class="professional", total_assets=50_000.0), RULES
    )
    assert result.outcome == "ordinary" and not result.agrees


def test_products_are_professional_and_institutions_need_net_assets_checked() -> None:
    assert assess_class(customer(customer_type="product"), RULES).outcome == "professional"
    inst = assess_class(
        customer(**LONG, customer_type="institution", total_assets=12_000_000.0), RULES
    )
    assert inst.outcome == "to_verify"
    assert any("净资产" in r and "数据中没有" in r for r in inst.reasons)
