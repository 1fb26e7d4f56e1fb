"""Why a customer got a classification value: each rule tried, each comparison and its values.

The conditions evaluated are the compiled ones the profile runs, in one query per
classification, with the customer id bound as a parameter.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlglot import exp

from brokerlens.classify.compile import CompiledClassification, compile_catalog
from brokerlens.classify.errors import UnknownName
from brokerlens.classify.explain import (
    Check,
    Explanation,
    RuleCheck,
    checks_of,
    display,
    parts_of,
)
from brokerlens.classify.loader import load_active_catalog
from brokerlens.classify.source import VIEW, open_indicators, resolve_as_of
from brokerlens.config import Settings
from brokerlens.indicators import load_indicators

__all__ = ["Explanation", "explain"]


def explain(
    settings: Settings,
    customer_id: str,
    classification_id: str | None = None,
    as_of: dt.date | None = None,
) -> list[Explanation]:
    """One explanation per classification (or only the one asked for) of the active catalog."""
    compiled = compile_catalog(load_active_catalog(settings), indicators=load_indicators(settings))
    if classification_id is not None:
        compiled = [c for c in compiled if c.id == classification_id]
        if not compiled:
            raise UnknownName(f"unknown classification {classification_id!r}")
    day = resolve_as_of(settings, as_of)
    with open_indicators(settings, day) as connection:
        if connection.execute(
            f"SELECT count(*) FROM {VIEW} WHERE customer_id = ?", [customer_id]
        ).fetchone() == (0,):
            raise UnknownName(f"no customer {customer_id!r} in the indicators as of {day}")
        return [_explain_one(connection, c, customer_id, day) for c in compiled]


def _explain_one(
    connection: Any, compiled: CompiledClassification, customer_id: str, day: dt.date
) -> Explanation:
    probes: list[exp.Expr] = [compiled.case()]
    layout: list[tuple[int, list[Check], int, list[exp.Expr]]] = []
    for rule in compiled.rules:
        probes.append(rule.condition)
        rule_checks = checks_of(rule.condition)
        start = len(probes)
        for check in rule_checks:
            probes.extend([check.node, *check.operands])
        parts = parts_of(rule.condition)
        layout.append((start, rule_checks, len(probes), parts))
        probes.extend(parts)
    columns = sorted({c.name for p in probes for c in p.find_all(exp.Column)})
    probes.extend(exp.column(name, quoted=True) for name in columns)
    query = exp.select(*(exp.alias_(p, f"p{i}") for i, p in enumerate(probes)))
    query = query.from_(VIEW).where(exp.column("customer_id").eq(exp.Placeholder()))
    row = connection.execute(query.sql("duckdb"), [customer_id]).fetchone()
    values = dict(zip(columns, row[-len(columns) :] if columns else [], strict=True))
    rules, matched = [], None
    for rule, (start, rule_checks, first_part, parts) in zip(compiled.rules, layout, strict=True):
        truth, cursor, checks = row[start - 1], start, []
        for check in rule_checks:
            width = 1 + len(check.operands)
            checks.append(check.evaluated(row[cursor], row[cursor + 1 : cursor + width]))
            cursor += width
        truths = {display(part): row[first_part + i] for i, part in enumerate(parts)}
        when = display(rule.condition)
        rules.append(RuleCheck(rule.number, rule.rule.label, when, truth, tuple(checks), truths))
        if truth is True:
            matched = rule.number
            break
    item = compiled.classification
    return Explanation(customer_id, day, item.id, item.zh, row[0], matched, tuple(rules), values)
