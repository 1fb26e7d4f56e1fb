"""Business-permission eligibility names what is missing, in figures."""

from __future__ import annotations

import datetime as dt

from suitability_rows import assessment, customer

from brokerlens.suitability.eligibility import all_eligibility, eligibility
from brokerlens.suitability.rules import default_rules

RULES = default_rules()
SEASONED = dict(
    open_date=dt.date(2018, 1, 2),
    history_start=dt.date(2018, 1, 2),
    first_seen=dt.date(2018, 1, 3),
    assets_20d=800_000.0,
    assets_days=20,
    total_assets=820_000.0,
)


def test_margin_names_the_missing_20_day_assets() -> None:
    person = customer("C4", **{**SEASONED, "assets_20d": 412_300.4})
    result = eligibility(person, "margin", RULES)
    assert result.status == "not_eligible"
    assert result.missing == ["20日日均资产 412,300 < 500,000"]


def test_a_seasoned_c4_is_eligible_for_margin() -> None:
    result = eligibility(customer("C4", **SEASONED), "margin", RULES)
    assert result.status == "eligible", result.requirements
    assert "20日日均资产 800,000 >= 500,000" in [r.text for r in result.requirements]


def test_class_below_the_permission_is_missing() -> None:
    result = eligibility(customer("C3", **SEASONED), "chinext", RULES)
    assert result.status == "not_eligible"
    assert result.missing == ["风险承受能力 C3 稳健型 低于 C4"]


def test_age_outside_18_to_80_for_margin() -> None:
    old = customer("C5", **SEASONED, birth_date=dt.date(1940, 1, 1))
    assert eligibility(old, "margin", RULES).missing == ["年龄 85 不在 18-80 岁之间"]


def test_short_experience_is_missing() -> None:
    person = customer(
        "C5",
        **{
            **SEASONED,
            "open_date": dt.date(2024, 9, 2),
            "first_seen": dt.date(2024, 9, 2),
            "history_start": dt.date(2018, 1, 2),
        },
    )
    result = eligibility(person, "star", RULES)
    assert result.status == "not_eligible"
    assert result.missing == ["投资经验 6 个月 (首笔交易/持仓 2024-09-02), 需 24 个月"]
    assert eligibility(person, "margin", RULES).status == "eligible"


def test_experience_before_the_lake_is_to_verify_not_assumed() -> None:
    person = customer(
        "C5",
        **{
            **SEASONED,
            "open_date": dt.date(2010, 5, 4),
            "history_start": dt.date(2025, 3, 3),
            "first_seen": dt.date(2025, 3, 3),
        },
    )
    result = eligibility(person, "bse", RULES)
    assert result.status == "to_verify"
    experience = next(r for r in result.requirements if r.name == "experience")
    assert experience.status == "unverified"
    assert "0-178 个月" in experience.text and "数据起点 2025-03-03" in experience.text


def test_options_need_margin_experience_and_tests_not_in_the_data() -> None:
    without = eligibility(customer("C5", **SEASONED), "option", RULES)
    assert "无融资融券或期货交易经历" in without.missing
    with_margin = eligibility(customer("C5", **SEASONED, margin_or_futures=True), "option", RULES)
    assert with_margin.status == "to_verify"
    assert [r.text for r in with_margin.requirements if r.status == "unverified"] == [
        "期权知识测试: 数据中没有, 需核实",
        "模拟交易经历: 数据中没有, 需核实",
    ]


def test_expired_assessment_blocks_a_class_requirement() -> None:
    old = assessment("C5", expire_date=dt.date(2025, 1, 1))
    result = eligibility(customer("C5", **SEASONED, assessment=old), "hk_connect", RULES)
    assert "风险测评已于 2025-01-01 过期 (需 C4 及以上)" in result.missing


def test_every_permission_is_listed_and_open_ones_are_marked() -> None:
    person = customer("C5", **SEASONED, services=frozenset({"chinext"}))
    listed = all_eligibility(person, RULES)
    assert [e.permission for e in listed] == [
        "margin",
        "chinext",
        "star",
        "bse",
        "option",
        "hk_connect",
    ]
    assert [e.permission for e in listed if e.already_open] == ["chinext"]


def test_few_days_in_the_data_are_said() -> None:
    person = customer("C4", **{**SEASONED, "assets_days": 12})
    text = eligibility(person, "margin", RULES).requirements[0].text
    assert text == "20日日均资产 800,000 >= 500,000 (数据中仅 12 个交易日)"
