"""The data `why` returns and its text: rules tried, comparisons with their values and truth."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlglot import exp

from brokerlens.indicators.expression import COMPARISONS

MARK = {True: "✓", False: "✗", None: "✗ (NULL)"}


@dataclass(frozen=True)
class CheckResult:
    """One comparison inside a condition, e.g. `total_assets_t = 1,234,567 >= 1,000,000 ✓`."""

    condition: str
    truth: bool | None
    operands: tuple[tuple[str, Any], ...]  # (expression, value) of each non-literal operand
    text: str


@dataclass(frozen=True)
class Check:
    """A comparison found in a compiled condition and the operands to evaluate beside it."""

    node: exp.Expr
    operands: tuple[exp.Expr, ...] = field(default=())

    def evaluated(self, truth: bool | None, values: Sequence[Any]) -> CheckResult:
        shown = dict(zip(self.operands, values, strict=True))
        pairs = tuple((display(o), v) for o, v in shown.items())
        text = f"{_render(self.node, shown)} {MARK[truth]}"
        return CheckResult(display(self.node), truth, pairs, text)


@dataclass(frozen=True)
class RuleCheck:
    number: int
    value: str
    when: str
    truth: bool | None
    checks: tuple[CheckResult, ...]
    # each part of the condition (connectives and comparisons, named as `display` names them)
    # and whether it held: which branch of an OR decided
    truths: dict[str, bool | None] = field(default_factory=dict)


@dataclass(frozen=True)
class Explanation:
    customer_id: str
    as_of: dt.date
    classification_id: str
    zh: str
    value: str
    matched_rule: int | None  # None: no rule held, the default applied
    rules: tuple[RuleCheck, ...]  # every rule tried, up to and including the matched one
    indicators: dict[str, Any]

    def render(self) -> str:
        how = f"rule {self.matched_rule}" if self.matched_rule else "default: no rule matched"
        lines = [f"{self.classification_id} {self.zh} = {self.value} ({how})"]
        for rule in self.rules:
            verdict = "matched" if rule.truth is True else "not matched"
            details = "; ".join(c.text for c in rule.checks)
            lines.append(f"  rule {rule.number} {rule.value} {verdict}: {details}")
        return "\n".join(lines)


def checks_of(condition: exp.Expr) -> list[Check]:
    """The comparisons of a condition, outermost first, with their non-literal operands."""
    found: list[Check] = []
    # Pruned at each comparison, so `x IS NOT NULL` is one check, not also its inner IS.
    for node in condition.walk(prune=_is_check):
        if _is_check(node):
            subject = node.this if isinstance(node, exp.Not) else node
            operands = [o for o in _operands(subject) if not _constant(o)]
            found.append(Check(node, tuple(operands)))
    return found


def parts_of(condition: exp.Expr) -> list[exp.Expr]:
    """Every boolean part of a condition (connectives, parentheses around them, comparisons),
    one per distinct text, to evaluate beside the whole."""
    seen: dict[str, exp.Expr] = {}
    for node in condition.walk():
        inner = node.this if isinstance(node, exp.Paren) else node
        if isinstance(inner, exp.And | exp.Or | exp.Not) or _is_check(inner):
            seen.setdefault(display(node), node)
    return list(seen.values())


def _is_check(node: exp.Expr) -> bool:
    if isinstance(node, exp.Not):
        return isinstance(node.this, exp.Is)
    return isinstance(node, (*COMPARISONS, exp.Between, exp.In, exp.Is))


def _operands(node: exp.Expr) -> list[exp.Expr]:
    if isinstance(node, exp.Between):
        return [node.this, node.args["low"], node.args["high"]]
    if isinstance(node, exp.In):
        return [node.this]
    return [node.this] if isinstance(node, exp.Is) else [node.this, node.expression]


def _constant(node: exp.Expr) -> bool:
    return not any(isinstance(n, exp.Column) for n in node.walk())


def display(node: exp.Expr) -> str:
    """An expression as a person reads it: DuckDB SQL without identifier quotes."""
    plain = node.transform(lambda n: exp.column(n.name) if isinstance(n, exp.Column) else n)
    return plain.sql("duckdb")


def number(value: Any) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, bool) or not isinstance(value, int | float):
        return repr(value) if isinstance(value, str) else str(value)
    if float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,.2f}" if abs(value) >= 1000 else f"{value:.6g}"


def _render(node: exp.Expr, values: dict[exp.Expr, Any]) -> str:
    def part(operand: exp.Expr, first: bool) -> str:
        if operand not in values:
            return number(operand.to_py()) if operand.is_number else display(operand)
        shown = number(values[operand])
        return f"{display(operand)} = {shown}" if first else f"{display(operand)} (= {shown})"

    subject = node.this if isinstance(node, exp.Not) else node
    pieces = [part(o, i == 0) for i, o in enumerate(_operands(subject))]
    head = pieces[0]
    if isinstance(subject, exp.Between):
        text = f"{head} BETWEEN {pieces[1]} AND {pieces[2]}"
    elif isinstance(subject, exp.In):
        text = f"{head} IN ({', '.join(display(e) for e in subject.expressions)})"
    elif isinstance(subject, exp.Is):
        text = f"{head} IS {'NOT ' if subject is not node else ''}NULL"
    else:
        text = f"{head} {_OPERATORS[type(subject)]} {pieces[1]}"
    return text


_OPERATORS: dict[type, str] = {
    exp.EQ: "=",
    exp.NEQ: "<>",
    exp.LT: "<",
    exp.LTE: "<=",
    exp.GT: ">",
    exp.GTE: ">=",
}
