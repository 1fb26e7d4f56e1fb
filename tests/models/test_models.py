"""The shipped SQL models: documented, parseable, and inside the portable subset."""

from __future__ import annotations

import pytest
import sqlglot

from brokerlens.engine.render import check_portable
from brokerlens.models import load_model, model_names


@pytest.mark.parametrize("name", model_names())
def test_each_model_is_portable_to_spark(name: str) -> None:
    model = load_model(name)
    assert model.purpose, f"{name}.sql lacks its '-- {name}: ...' header line"
    assert model.grain, f"{name}.sql lacks its '-- grain: ...' header line"
    assert check_portable(model.sql) == []
    assert sqlglot.transpile(model.sql, read="duckdb", write="spark")  # renders


def test_the_models_cover_every_indicator() -> None:
    from brokerlens.indicators import load_indicators

    names = set(model_names())
    assert {i.model for i in load_indicators().values()} <= names
