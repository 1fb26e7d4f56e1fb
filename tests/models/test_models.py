"""The shipped SQL models: documented, parseable, and inside the portable subset."""

from __future__ import annotations

import pytest
import sqlglot

from brokerlens.engine.render import check_portable
from brokerlens.engine.sqlfiles import load_sql, sql_names
from brokerlens.models import load_model, model_names


@pytest.mark.parametrize("name", model_names())
def test_each_model_is_portable_to_spark(name: str) -> None:
    model = load_model(name)
    assert model.purpose, f"{name}.sql lacks its '-- {name}: ...' header line"
    assert model.grain, f"{name}.sql lacks its '-- grain: ...' header line"
    assert check_portable(model.sql) == []
    assert sqlglot.transpile(model.sql, read="duckdb", write="spark")  # renders


# The domains' SQL that runs on the chosen engine (`run --engine spark`, `riskpref fit --engine`).
ENGINE_SQL = [
    (package, name)
    for package in (
        "brokerlens.activation",
        "brokerlens.churn",
        "brokerlens.products",
        "brokerlens.riskpref",
        "brokerlens.suitability",
    )
    for name in sql_names(package)
]


@pytest.mark.parametrize(("package", "name"), ENGINE_SQL)
def test_each_domain_sql_file_is_portable_to_spark(package: str, name: str) -> None:
    sql = load_sql(package, name).sql
    assert sqlglot.transpile(sql, read="duckdb", write="spark")
    problems = check_portable(sql)
    if package == "brokerlens.activation":
        # its divisors are settings checked positive when the settings load
        problems = [p for p in problems if not p.startswith("division by a value")]
    assert problems == []


def test_the_models_cover_every_indicator() -> None:
    from brokerlens.indicators import load_indicators

    names = set(model_names())
    assert {i.model for i in load_indicators().values()} <= names
