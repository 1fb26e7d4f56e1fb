"""Rules in words (issue 15): one renderer for the catalog, the thresholds and the 360's why."""

from __future__ import annotations

import re

import pytest

from brokerlens.alerts.loader import load_definitions
from brokerlens.classify.compile import compile_catalog
from brokerlens.classify.explain import display, parts_of
from brokerlens.classify.loader import load_default_catalog
from brokerlens.config import load_settings
from brokerlens.indicators import builtin_indicators
from brokerlens.web.rules import (
    BadNumber,
    Param,
    Vocabulary,
    business,
    field_text,
    parse_business,
    renders,
    sentence,
    spoken,
)

CODE = re.compile(r"[a-z]+_[a-z0-9_]+|>=|<=|<>|\bAND\b|\bOR\b|\bNOT\b|\bNULL\b")
VOCAB = Vocabulary.of(builtin_indicators())


def _rules() -> list[tuple[str, int, str, str]]:
    out = []
    catalog = load_default_catalog()
    for compiled in compile_catalog(catalog):
        for rule in compiled.rules:
            out.append((compiled.id, rule.number, display(rule.condition), rule.rule.when))
    return out


@pytest.mark.parametrize(("cid", "number", "compiled", "written"), _rules())
def test_every_rule_of_the_default_catalog_reads_as_a_sentence(
    cid: str, number: int, compiled: str, written: str
) -> None:
    for text in (compiled, written):
        assert renders(text, VOCAB), (cid, number, text)
        said = sentence(text, VOCAB)
        assert said != text and not CODE.search(said), (cid, number, said)


def test_known_rules_read_as_expected() -> None:
    assert (
        sentence("total_assets_t >= 1000000 OR net_commission_last_year >= 20000", VOCAB)
        == "当日总资产 ≥ 100万元 或 上年净佣金 ≥ 2万元"
    )
    assert sentence("top_fund_share_t > 0.6", VOCAB) == "热门基金持仓占比 > 60%"
    assert sentence("avg_holding_days_stock > 90", VOCAB) == "股票平均持有天数 > 90天"
    assert (
        sentence("total_assets_t >= 5000 AND total_assets_t < 20000", VOCAB)
        == "5,000元 ≤ 当日总资产 < 2万元"
    )
    assert (
        sentence("buy_amount_fund_3m > 0.5 * buy_amount_total_3m", VOCAB)
        == "近3月基金买入额 > 近3月买入总额的50%"
    )


def test_or_not_in_between_and_null_have_words() -> None:
    mixed = "(trades_per_month > 5 OR total_assets_t >= 1000000) AND return_3m > 0"
    assert sentence(mixed, VOCAB) == "（月交易笔数 > 5 或 当日总资产 ≥ 100万元） 且 近3月收益率 > 0"
    assert sentence("behaviour_risk_rank IS NULL", VOCAB) == "行为风险偏好级数无数据"
    assert sentence("NOT behaviour_risk_rank IS NULL", VOCAB) == "行为风险偏好级数有数据"
    assert (
        sentence("top_board_3m IN ('主板', '创业板')", VOCAB)
        == "主要买入板块为「主板」、「创业板」之一"
    )
    assert "不是" in sentence("top_board_3m NOT IN ('主板')", VOCAB)
    assert sentence("return_6m BETWEEN -0.1 AND 0.2", VOCAB) == "近6月收益率在 -10% 至 20% 之间"
    assert sentence("NOT (trades_per_month > 5)", VOCAB).startswith("并非")


@pytest.mark.parametrize(
    "text",
    [
        "no_such_indicator > 5",  # an unknown name
        "total_assets_t >",  # not parseable
        "CASE WHEN total_assets_t > 0 THEN 1 END = 1",  # a construct without words
        "",
    ],
)
def test_what_has_no_words_falls_back_to_the_text(text: str) -> None:
    assert sentence(text, VOCAB) == text
    assert not renders(text, VOCAB)


def test_every_default_alert_reads_with_its_thresholds_in_business_units() -> None:
    definitions = load_definitions(load_settings(home="/nonexistent-brokerlens-home"))
    for d in definitions:
        assert set(d.param_info) == set(d.params), d.id
        assert d.meaning_zh, d.id
        params = {n: Param(i.zh, i.unit, d.params[n]) for n, i in d.param_info.items()}
        vocab = Vocabulary.of(builtin_indicators(), "zh", params)
        said = sentence(d.when, vocab)
        assert renders(d.when, vocab) and not CODE.search(said), (d.id, said)
    fund = next(d for d in definitions if d.id == "fund_movement")
    params = {n: Param(i.zh, i.unit, fund.params[n]) for n, i in fund.param_info.items()}
    said = sentence(fund.when, Vocabulary.of(builtin_indicators(), "zh", params))
    assert "当日转出资金 > 5万元" in said and "上日总资产的50%" in said


@pytest.mark.parametrize(
    ("typed", "unit", "raw"),
    [
        ("60%", "ratio", 0.6),
        ("60", "ratio", 0.6),
        ("7%", "ratio", 0.07),
        ("12.5 %", "ratio", 0.125),
        ("100万", "yuan", 1_000_000.0),
        ("1.5亿", "yuan", 150_000_000.0),
        ("50,000元", "yuan", 50_000.0),
        ("30天", "days", 30.0),
        ("2级", "levels", 2.0),
        ("1", "count", 1.0),
    ],
)
def test_business_units_parse_to_the_raw_value_exactly(typed: str, unit: str, raw: float) -> None:
    assert parse_business(typed, unit) == raw


@pytest.mark.parametrize(
    ("typed", "unit"),
    [
        ("abc", "ratio"),
        ("5万", "days"),
        ("50%", "yuan"),
        ("1e400", "yuan"),
        ("NaN", "days"),
        ("%", "ratio"),
    ],
)
def test_a_bad_threshold_is_refused_in_chinese(typed: str, unit: str) -> None:
    with pytest.raises(BadNumber) as refused:
        parse_business(typed, unit)
    assert re.search(r"[\u4e00-\u9fff]", str(refused.value))


@pytest.mark.parametrize(
    ("raw", "unit"),
    [
        (0.5, "ratio"),
        (0.07, "ratio"),
        (0.1, "ratio"),
        (50_000.0, "yuan"),
        (12_345.0, "yuan"),
        (150_000_000.0, "yuan"),
        (10.0, "yuan"),
        (30.0, "days"),
    ],
)
def test_what_a_field_shows_parses_back_to_the_same_value(raw: float, unit: str) -> None:
    assert parse_business(field_text(raw, unit), unit) == raw


def test_business_formatting() -> None:
    assert business(0.5, "ratio") == "50%"
    assert business(1_000_000, "yuan") == "100万元"
    assert business(5000, "yuan") == "5,000元"
    assert business(150_000_000, "yuan") == "1.5亿元"
    assert business(30, "days") == "30天"


def test_why_finds_the_truth_of_every_part_of_every_default_rule() -> None:
    """The parts `why` speaks of are named as classify's explanation names what it evaluated,
    so each part's ✓/✗ is the engine's own (none left unknown)."""
    for compiled in compile_catalog(load_default_catalog()):
        for rule in compiled.rules:
            truths = {display(p): True for p in parts_of(rule.condition)}
            said = spoken(display(rule.condition), VOCAB, truths, {})
            assert not said.fallback, (compiled.id, rule.number)
            assert all(p.truth is True for p in said.parts), (compiled.id, rule.number)
