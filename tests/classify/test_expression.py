"""Conditions: the whitelist, refusals that name where, and renderings for both engines."""

from __future__ import annotations

import re

import pytest
import sqlglot
from sqlglot import exp

from brokerlens.classify import CatalogError, load_default_catalog, parse_catalog, profile_select
from brokerlens.indicators import load_indicators


def _catalog(when: str, rules_before: int = 1) -> str:
    earlier = "".join(
        f'      - {{value: a{i}, when: "total_assets_t > {i}"}}\n' for i in range(rules_before)
    )
    # A literal block, so the condition reaches the checker exactly as written.
    return (
        "classifications:\n"
        "  - id: probe\n    zh: 探针\n    en: Probe\n    meaning: test\n    rules:\n"
        f"{earlier}      - value: x\n        when: |-\n          {when}\n    default: d\n"
    )


@pytest.mark.parametrize(
    ("when", "refused"),
    [
        ("total_assets_t > 0; DROP TABLE x", "`;`"),
        ("total_assets_t > (SELECT 1)", "sub-query"),
        ("unknown_name > 1", "unknown name 'unknown_name'"),
        ("read_csv('/etc/passwd') IS NULL", "function read_csv"),
        ("total_assets_t > 1 -- c", "comment"),
        ("/* c */ total_assets_t > 1", "comment"),
        ("'a' || 'b' = 'ab'", "DPIPE"),
        ("1", "not true/false"),
        ("top_industry_3m > 1", "comparison of text with number"),
        ("total_assets_t = '1'", "comparison of number with text"),
        ("total_assets_t = NULL", "IS [NOT] NULL"),
        ("now() > 1", "function now"),
        ("total_assets_t > 1_000", "plain SQL numerals"),
        ("x.total_assets_t > 1", "qualified"),
        ("total_assets_t IN (SELECT 1)", "IN"),
        ("total_assets_t", "not true/false"),
    ],
)
def test_refused_with_classification_rule_and_token(when: str, refused: str) -> None:
    with pytest.raises(CatalogError) as caught:
        parse_catalog(_catalog(when), "edited.yaml")
    message = str(caught.value)
    assert "edited.yaml: classification 'probe', rule 2, field `when`" in message
    assert refused in message


def test_refusal_names_the_position() -> None:
    with pytest.raises(CatalogError, match=r"line 1, column 19: `;`"):
        parse_catalog(_catalog("total_assets_t > 0; DROP TABLE x"), "f.yaml")


@pytest.mark.parametrize(
    "when",
    [
        "total_assets_t BETWEEN -1 AND 1e6",
        "top_board_3m IN ('主板', '创业板') AND NOT total_assets_t IS NULL",
        "greatest(avg_assets_ytd, avg_assets_last_year) / available_cash_t >= 2",
        "round(abs(-return_6m), 2) <> coalesce(index_return_6m, 0) OR FALSE",
        "top_board_3m = ';-- /*'",
    ],
)
def test_accepted(when: str) -> None:
    """Accepted, and rendered for either engine as one plain SELECT over the indicators table:
    no sub-query, no function outside SQL's known ones, no name but an indicator's, no text but
    the rules' labels and the literals the condition wrote (`;-- /*` stays inside its quotes)."""
    catalog = parse_catalog(_catalog(when), "ok.yaml")
    written = set(re.findall(r"'([^']*)'", when))
    for dialect in ("duckdb", "spark"):
        statements = sqlglot.parse(profile_select(catalog).sql(dialect), read=dialect)
        assert len(statements) == 1
        tree = statements[0]
        assert isinstance(tree, exp.Select)
        assert [table.name for table in tree.find_all(exp.Table)] == ["customer_indicators"]
        assert len(list(tree.find_all(exp.Select))) == 1 and not list(tree.find_all(exp.Anonymous))
        names = {column.name for column in tree.find_all(exp.Column)}
        assert "total_assets_t" in names and names <= set(load_indicators())
        texts = {lit.this for lit in tree.find_all(exp.Literal) if lit.is_string}
        assert texts == {"a0", "x", "d"} | written


def test_division_is_null_safe_and_identifiers_quoted() -> None:
    catalog = parse_catalog(_catalog("total_assets_t / available_cash_t > 2"), "ok.yaml")
    sql = profile_select(catalog).sql("duckdb")
    assert '"total_assets_t" / NULLIF("available_cash_t", 0) > 2' in sql


def test_default_catalog_renders_for_spark_and_parses_back() -> None:
    select = profile_select(load_default_catalog())
    spark = select.sql("spark")
    parsed = sqlglot.parse_one(spark, read="spark")
    assert parsed.sql("spark") == spark
    assert "`service_level`" in spark and "'金手指'" in spark
    assert sqlglot.parse_one(select.sql("duckdb"), read="duckdb").sql("duckdb") == select.sql(
        "duckdb"
    )


@pytest.mark.parametrize(
    ("yaml_text", "message"),
    [
        ("classifications: []", "field `classifications`"),
        (
            "classifications:\n  - {id: a, zh: a, en: a, meaning: a, default: d}",
            "classification 'a'",
        ),
        (
            "classifications:\n  - {id: a, zh: a, en: a, meaning: a, default: d,"
            " rules: [{when: 'total_assets_t > 1', value: v, colour: red}]}",
            "classification 'a', rule 1, field `colour`",
        ),
        (
            "classifications:\n  - {id: a, zh: a, en: a, meaning: a, default: d,"
            " rules: [{when: 'total_assets_t > 1', value_from: total_assets_t}]}",
            "classification 'a', rule 1, field `value_from`",
        ),
        (
            "classifications:\n  - {id: a, zh: a, en: a, meaning: a, default: d,"
            " buckets: {indicator: x, bounds: [2, 1], labels: [a, b, c]}}",
            "strictly increasing",
        ),
        (
            "classifications:\n  - {id: a, zh: a, en: a, meaning: a, default: d,"
            " buckets: {indicator: top_board_3m, bounds: [1], labels: [a, b]}}",
            "field `buckets.indicator`",
        ),
        ("classifications: [", "not valid YAML"),
    ],
)
def test_file_errors_name_file_classification_rule_field(yaml_text: str, message: str) -> None:
    with pytest.raises(CatalogError) as caught:
        parse_catalog(yaml_text, "bad.yaml")
    assert str(caught.value).startswith("bad.yaml")
    assert message in str(caught.value)
