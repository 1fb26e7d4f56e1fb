"""An installation's indicators file: read like the shipped one; refused naming file and entry."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import sqlglot

from brokerlens.alerts.loader import parse_alerts
from brokerlens.classify import CatalogError, parse_catalog
from brokerlens.config import Settings, load_settings
from brokerlens.engine.render import check_portable, render
from brokerlens.indicators import (
    IndicatorError,
    additions_path,
    builtin_indicators,
    derived_select,
    load_indicators,
    parse_indicators,
)
from indicators.installation import ALERTS, CLASSIFICATION

ADDED = """\
indicators:
  - id: cash_share_t
    zh: 现金占比
    en: Cash share on T
    meaning: available cash over total assets on T
    unit: ratio
    expression: available_cash_t / total_assets_t
  - id: cash_share_pct
    zh: 现金占比百分数
    en: Cash share, percent
    meaning: the cash share in percent, rounded
    unit: percent
    expression: round(cash_share_t * 100, 1)
  - id: industry_or_none
    zh: 主要行业或无
    en: Top industry or none
    meaning: the top industry of 3 months, or 'none'
    unit: text
    type: text
    expression: coalesce(top_industry_3m, 'none')
"""


def _entry(id_: str, expression: str, type_: str = "number", extra: str = "") -> str:
    return (
        f"  - id: {id_}\n    zh: 测试\n    en: Test\n    meaning: test\n    unit: yuan\n"
        f"    type: {type_}\n    expression: |-\n      {expression}\n{extra}"
    )


def _home(tmp_path: Path, text: str | None) -> Settings:
    settings = load_settings(home=tmp_path / "home")
    if text is not None:
        path = additions_path(settings)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, "utf-8")
    return settings


def test_no_file_gives_the_built_in_indicators_unchanged(tmp_path: Path) -> None:
    settings = _home(tmp_path, None)
    assert load_indicators(settings) is builtin_indicators()
    assert load_indicators() is builtin_indicators()
    assert len(builtin_indicators()) == 64
    assert not any(i.derived for i in builtin_indicators().values())
    assert derived_select(builtin_indicators(), "t") is None


def test_an_installation_adds_indicators_after_the_built_in_ones(tmp_path: Path) -> None:
    indicators = load_indicators(_home(tmp_path, ADDED))
    ids = list(indicators)
    assert ids[:64] == list(builtin_indicators())
    assert ids[64:] == ["cash_share_t", "cash_share_pct", "industry_or_none"]
    assert indicators["cash_share_t"].derived and indicators["cash_share_t"].zh == "现金占比"
    assert indicators["industry_or_none"].type == "text"


def test_the_file_is_read_again_only_when_it_changes(tmp_path: Path) -> None:
    settings = _home(tmp_path, ADDED)
    first = load_indicators(settings)
    assert load_indicators(settings) is first
    path = additions_path(settings)
    path.write_text(ADDED.replace("现金占比\n", "现金比例\n"), "utf-8")
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
    assert load_indicators(settings)["cash_share_t"].zh == "现金比例"


def test_an_empty_file_adds_nothing(tmp_path: Path) -> None:
    assert dict(load_indicators(_home(tmp_path, ""))) == dict(builtin_indicators())


@pytest.mark.parametrize(
    ("entries", "entry", "problem"),
    [
        (_entry("mine", "no_such_indicator * 2"), "indicator 'mine'", "unknown name"),
        (_entry("total_assets_t", "available_cash_t"), "indicator 'total_assets_t'", "built in"),
        (
            _entry("twice", "total_assets_t") + _entry("twice", "available_cash_t"),
            "indicator 'twice'",
            "earlier in this file",
        ),
        (_entry("mine", "total_assets_t -- c"), "indicator 'mine'", "comment"),
        (_entry("mine", "/* c */ total_assets_t"), "indicator 'mine'", "comment"),
        (_entry("mine", "top_industry_3m"), "indicator 'mine'", "type mismatch"),
        (_entry("mine", "total_assets_t", "text"), "indicator 'mine'", "type mismatch"),
        (_entry("mine", "total_assets_t > 1"), "indicator 'mine'", "true/false"),
        (_entry("mine", "(SELECT 1)"), "indicator 'mine'", "sub-query"),
        (_entry("mine", "read_csv('/etc/passwd')"), "indicator 'mine'", "function read_csv"),
        (_entry("mine", "x.total_assets_t"), "indicator 'mine'", "qualified"),
        (_entry("mine", "total_assets_t; DROP TABLE x"), "indicator 'mine'", "`;`"),
        (_entry("mine", "later_one"), "indicator 'mine'", "unknown name 'later_one'"),
        (_entry("branch_id", "total_assets_t"), "indicator 'branch_id'", "key column"),
        (_entry("Bad-Id", "total_assets_t"), "indicator 'Bad-Id'", "field `id`"),
        (
            "  - {id: mine, zh: 测试, en: T, meaning: m, unit: yuan, model: indicators_assets}\n",
            "indicator 'mine'",
            "field `model`",
        ),
        (
            "  - id: mine\n    zh: 测试\n    en: Test\n    meaning: m\n    unit: yuan\n",
            "indicator 'mine'",
            "exactly one of",
        ),
        ("  - id: mine\n    zh: 测试\n    expression: total_assets_t\n", "indicator 'mine'", "en"),
    ],
)
def test_a_bad_file_is_refused_naming_file_entry_and_problem(
    tmp_path: Path, entries: str, entry: str, problem: str
) -> None:
    later = _entry("later_one", "total_assets_t")
    text = "indicators:\n" + entries + (later if "later_one" in entries else "")
    settings = _home(tmp_path, text)
    with pytest.raises(IndicatorError) as caught:
        load_indicators(settings)
    message = str(caught.value)
    assert str(additions_path(settings)) in message
    assert entry in message
    assert problem in message


@pytest.mark.parametrize("text", ["indicators: [", "- just a list\n", "indicators: 3\n"])
def test_a_file_that_is_not_an_indicators_file_is_refused(tmp_path: Path, text: str) -> None:
    settings = _home(tmp_path, text)
    with pytest.raises(IndicatorError, match=str(additions_path(settings))):
        load_indicators(settings)


def test_the_shipped_file_goes_through_the_same_parser() -> None:
    text = (Path(__file__).parents[2] / "src/brokerlens/indicators/builtin.yaml").read_text()
    parsed = parse_indicators(text, "builtin.yaml", shipped=True)
    assert dict(parsed) == dict(builtin_indicators())
    with pytest.raises(IndicatorError, match="field `model`"):
        parse_indicators(text, "builtin.yaml")  # an installation may not name SQL models


CATALOG = "classifications:" + CLASSIFICATION


def test_classification_rules_and_alert_conditions_may_name_added_indicators(
    tmp_path: Path,
) -> None:
    indicators = load_indicators(_home(tmp_path, ADDED))
    catalog = parse_catalog(CATALOG, "catalog.yaml", indicators)
    assert catalog.ids == ["cash_heavy"]
    with pytest.raises(CatalogError, match="unknown name 'cash_share_pct'"):
        parse_catalog(CATALOG, "catalog.yaml")  # the shipped indicators alone
    assert [a.id for a in parse_alerts(ALERTS, "alerts.yaml", indicators)] == ["cash_pile"]
    with pytest.raises(CatalogError, match="unknown name 'cash_share_t'"):
        parse_alerts(ALERTS, "alerts.yaml")


def test_a_classification_may_not_take_an_indicator_id(tmp_path: Path) -> None:
    indicators = load_indicators(_home(tmp_path, ADDED))
    clash = CATALOG.replace("id: cash_heavy", "id: cash_share_t")
    with pytest.raises(CatalogError, match="'cash_share_t' is an indicator id"):
        parse_catalog(clash, "catalog.yaml", indicators)


def test_the_derived_select_is_portable_and_renders_on_both_engines(tmp_path: Path) -> None:
    indicators = load_indicators(_home(tmp_path, ADDED))
    select = derived_select(indicators, "customer_indicators_builtin")
    assert select is not None
    sql = select.sql(dialect="duckdb")
    schema = {
        "customer_indicators_builtin": {
            i.id: ("VARCHAR" if i.type == "text" else "DOUBLE")
            for i in builtin_indicators().values()
        }
    }
    assert check_portable(sql, schema) == []
    spark = render(sql, "spark")
    assert "NULLIF" in spark and "`cash_share_pct`" in spark
    # a derived indicator read by a later one is inlined: one SELECT, no self-reference
    tree = sqlglot.parse_one(sql, read="duckdb")
    pct = next(a for a in tree.expressions if a.alias == "cash_share_pct")
    assert {c.name for c in pct.find_all(sqlglot.exp.Column)} == {
        "available_cash_t",
        "total_assets_t",
    }
