"""Alerts -> SQLGlot trees over customer_indicators, with each customer's branch thresholds.

A threshold name in the checked condition becomes a number literal, or, where branches override
it, `CASE branch_id WHEN 'B1' THEN 80000 ... ELSE 50000 END`: built from nodes, never pasted
text, so it renders to DuckDB and Spark alike. The same tree is evaluated by `brokerlens run`
and by the threshold preview, so they cannot disagree.
"""

from __future__ import annotations

from sqlglot import exp

from brokerlens.alerts.loader import compile_condition
from brokerlens.alerts.model import AlertDefinition
from brokerlens.alerts.thresholds import AlertSet

THRESHOLD_PREFIX = "threshold__"  # result columns holding the thresholds each row was judged by


def threshold_value(alert_set: AlertSet, definition: AlertDefinition, name: str) -> exp.Expr:
    default: exp.Expr = exp.Literal.number(definition.params[name])
    branches = {
        branch: values[name]
        for branch, values in sorted(alert_set.overrides.get(definition.id, {}).items())
        if name in values
    }
    if branches:
        default = exp.Case(ifs=_branch_ifs(branches), default=default)
    # one type whatever the literals (50000 is an INTEGER, 0.5 a DECIMAL): the written columns
    # and the comparisons then do not depend on how a threshold was typed
    return exp.Cast(this=default, to=exp.DataType.build("DOUBLE"))


def _branch_ifs(branches: dict[str, float]) -> list[exp.If]:
    return [
        exp.If(
            this=exp.EQ(
                this=exp.column("branch_id", quoted=True), expression=exp.Literal.string(branch)
            ),
            true=exp.Literal.number(value),
        )
        for branch, value in branches.items()
    ]


def alert_condition(alert_set: AlertSet, definition: AlertDefinition) -> exp.Expr:
    tree = compile_condition(definition, indicators=alert_set.indicators)
    values = {name: threshold_value(alert_set, definition, name) for name in definition.params}

    def substitute(node: exp.Expr) -> exp.Expr:
        if isinstance(node, exp.Column) and not node.table and node.name in values:
            return values[node.name].copy()
        return node

    return tree.transform(substitute)


def alert_select(
    alert_set: AlertSet, definition: AlertDefinition, source: str = "customer_indicators"
) -> exp.Select:
    """customer_id, branch_id, the shown indicators and the thresholds used, of every customer
    the alert fires for."""
    columns: list[exp.Expr] = [
        exp.column("customer_id", quoted=True),
        exp.column("branch_id", quoted=True),
        *(exp.column(name, quoted=True) for name in definition.shows),
        *(
            exp.alias_(threshold_value(alert_set, definition, name), THRESHOLD_PREFIX + name)
            for name in definition.params
        ),
    ]
    return (
        exp.select(*columns)
        .from_(exp.to_table(source, dialect="duckdb"))
        .where(alert_condition(alert_set, definition))
    )
