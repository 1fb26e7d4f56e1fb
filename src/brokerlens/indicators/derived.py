"""The SELECT adding the derived indicators to customer_indicators, built with SQLGlot.

Each derived indicator becomes `CAST(<expression> AS DOUBLE|VARCHAR) AS "<id>"` over a relation
holding every other indicator. Number indicators it reads are cast to DOUBLE first (some models
give DECIMAL or BIGINT columns, and a DECIMAL / DECIMAL is DOUBLE on DuckDB but DECIMAL on Spark),
and a derived indicator it reads is replaced by that indicator's own expression, so the one
SELECT stays within the portable subset of `brokerlens.engine.render` and gives the same rows on
DuckDB and Spark.
"""

from __future__ import annotations

from sqlglot import exp

from brokerlens.indicators.expression import check_value
from brokerlens.indicators.registry import Indicators, derived_indicators

_TYPES = {"number": exp.DataType.Type.DOUBLE, "text": exp.DataType.Type.VARCHAR}


def derived_select(indicators: Indicators, source: str) -> exp.Select | None:
    """`SELECT *, <derived indicators> FROM source`, or None when there is none to add."""
    derived = derived_indicators(indicators)
    if not derived:
        return None
    values: dict[str, exp.Expr] = {}
    columns = []
    for indicator in derived:
        assert indicator.expression is not None
        tree, _ = check_value(indicator.expression, indicators, f"indicator {indicator.id!r}")
        tree = _inline(tree, indicators, values)
        value = exp.cast(tree, _TYPES[indicator.type])
        values[indicator.id] = value
        columns.append(exp.alias_(value, indicator.id, quoted=True))
    return exp.select(exp.Star(), *columns).from_(exp.to_table(source, dialect="duckdb"))


def _inline(tree: exp.Expr, indicators: Indicators, values: dict[str, exp.Expr]) -> exp.Expr:
    """`tree` with each derived indicator replaced by its value and each number read as DOUBLE."""

    def replacement(column: exp.Column) -> exp.Expr:
        if column.name in values:
            return exp.paren(values[column.name].copy())
        if indicators[column.name].type == "number":
            return exp.cast(column.copy(), exp.DataType.Type.DOUBLE)
        return column

    if isinstance(tree, exp.Column):
        return replacement(tree)
    for column in list(tree.find_all(exp.Column)):
        new = replacement(column)
        if new is not column:
            column.replace(new)
    return tree
