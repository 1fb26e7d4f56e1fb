"""The expression language over indicators: small SQL expressions over indicator ids, checked on a
whitelist. Classification conditions, alert conditions and the installation's derived indicators
are all written in it.

The checker parses with SQLGlot (DuckDB dialect), walks the tree and accepts only the node kinds
listed here, typing each node (number, text, bool, null) so a string is never compared with a
number (ANSI Spark raises on that). What it returns is the tree the engines run: identifiers
quoted, and `a / b` made NULL-safe as `a / NULLIF(b, 0)` because ANSI Spark raises on x / 0.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from typing import Literal

import sqlglot
from sqlglot import exp
from sqlglot.errors import ParseError

from brokerlens.indicators.errors import ExpressionError
from brokerlens.indicators.lexical import refuse, tokens_of
from brokerlens.indicators.model import Indicator

Kind = Literal["number", "text", "bool", "null"]

COMPARISONS: tuple[type[exp.Expr], ...] = (exp.EQ, exp.NEQ, exp.LT, exp.LTE, exp.GT, exp.GTE)
ARITHMETIC: tuple[type[exp.Expr], ...] = (exp.Add, exp.Sub, exp.Mul, exp.Div)
# Functions whose arguments and result share one kind, and those that take and give numbers.
SAME_KIND_FUNCTIONS: tuple[type[exp.Expr], ...] = (exp.Greatest, exp.Least, exp.Coalesce)
NUMBER_FUNCTIONS: tuple[type[exp.Expr], ...] = (exp.Abs, exp.Round)
ALLOWED_FUNCTIONS = "greatest, least, abs, coalesce, round"


class _Checker:
    def __init__(
        self,
        text: str,
        indicators: Mapping[str, Indicator],
        where: str,
        numbers: Collection[str] = (),
    ) -> None:
        self.text, self.indicators, self.where = text, indicators, where
        self.number_names = numbers

    def fail(self, node: exp.Expr, what: str) -> None:
        offset = next((n.meta["start"] for n in node.walk() if "start" in n.meta), None)
        refuse(self.where, what, self.text, offset, node.sql("duckdb"))

    def kind(self, node: exp.Expr | None) -> Kind:
        if node is None:  # an operator without its operand the parser let through (`@`)
            refuse(self.where, "an operator without its operand", self.text, None, self.text)
        if node.comments:
            self.fail(node, "a comment")
        for types, check in self._dispatch():
            if isinstance(node, types):
                return check(node)
        self.fail(node, f"{_describe(node)} (not in the expression whitelist)")
        raise AssertionError  # unreachable: fail raises

    def _dispatch(self) -> list[tuple[type | tuple[type, ...], Callable[..., Kind]]]:
        return [
            (exp.Paren, lambda n: self.kind(n.this)),
            (exp.Column, self.column),
            (exp.Literal, self.literal),
            (exp.Boolean, lambda n: "bool"),
            (exp.Null, lambda n: "null"),
            ((exp.And, exp.Or), lambda n: self.logical(n, n.this, n.expression)),
            (exp.Not, lambda n: self.logical(n, n.this)),
            (COMPARISONS, lambda n: self.compare(n, n.this, n.expression)),
            (exp.Between, lambda n: self.compare(n, n.this, n.args["low"], n.args["high"])),
            (exp.In, self.in_list),
            (exp.Is, self.is_null),
            (ARITHMETIC, lambda n: self.numbers(n, n.this, n.expression)),
            (exp.Neg, lambda n: self.numbers(n, n.this)),
            (SAME_KIND_FUNCTIONS, self.same_kind_function),
            (NUMBER_FUNCTIONS, self.number_function),
        ]

    def column(self, node: exp.Column) -> Kind:
        if node.table or not isinstance(node.this, exp.Identifier):
            self.fail(node, "a qualified or starred name")
        if node.name in self.number_names:
            return "number"
        indicator = self.indicators.get(node.name)
        if indicator is None:
            self.fail(node, f"unknown name {node.name!r} (not a catalog indicator id)")
            raise AssertionError
        return "text" if indicator.type == "text" else "number"

    def literal(self, node: exp.Literal) -> Kind:
        return "text" if node.is_string else "number"

    def logical(self, node: exp.Expr, *operands: exp.Expr) -> Kind:
        for operand in operands:
            if self.kind(operand) not in ("bool", "null"):
                self.fail(operand, f"a non-boolean operand of {node.key.upper()}")
        return "bool"

    def compare(self, node: exp.Expr, *operands: exp.Expr) -> Kind:
        kinds = [self.kind(o) for o in operands]
        if "null" in kinds:
            self.fail(node, "a comparison with NULL (always unknown; use IS [NOT] NULL)")
        if "bool" in kinds or len(set(kinds)) > 1:
            self.fail(node, f"a comparison of {' with '.join(kinds)}")
        return "bool"

    def in_list(self, node: exp.In) -> Kind:
        if any(node.args.get(k) for k in ("query", "unnest", "field")):
            self.fail(node, "IN over something other than a literal list")
        for item in node.expressions:
            literal = item.this if isinstance(item, exp.Neg) else item
            if not isinstance(literal, exp.Literal):
                self.fail(item, "a non-literal in an IN list")
        return self.compare(node, node.this, *node.expressions)

    def is_null(self, node: exp.Is) -> Kind:
        if not isinstance(node.expression, exp.Null):
            self.fail(node, "IS other than IS [NOT] NULL")
        self.kind(node.this)
        return "bool"

    def numbers(self, node: exp.Expr, *operands: exp.Expr) -> Kind:
        for operand in operands:
            if self.kind(operand) not in ("number", "null"):
                self.fail(operand, f"a non-number in arithmetic {node.sql('duckdb')}")
        return "number"

    def same_kind_function(self, node: exp.Func) -> Kind:
        kinds = {self.kind(a) for a in [node.this, *node.expressions]} - {"null"}
        if len(kinds) > 1 or "bool" in kinds:
            self.fail(node, f"{_describe(node)} over mixed kinds {sorted(kinds)}")
        return kinds.pop() if kinds else "null"

    def number_function(self, node: exp.Func) -> Kind:
        decimals = node.args.get("decimals")
        if decimals is not None and not (isinstance(decimals, exp.Literal) and decimals.is_int):
            self.fail(decimals, "ROUND digits other than an integer literal")
        extra = {k for k, v in node.args.items() if v is not None} - {"this", "decimals"}
        if extra:
            self.fail(node, f"{_describe(node)} with extra arguments")
        return self.numbers(node, node.this)


def _describe(node: exp.Expr) -> str:
    if isinstance(node, exp.Anonymous):
        return f"function {node.name}"
    if isinstance(node, exp.Func):
        return f"function {node.sql_name().lower()}"
    if isinstance(node, (exp.Select, exp.Subquery, exp.Query)):
        return "a sub-query"
    if isinstance(node, exp.Star):
        return "a star"
    return f"{node.key.upper()}"


def check_condition(
    text: str, indicators: Mapping[str, Indicator], where: str, numbers: Collection[str] = ()
) -> exp.Expr:
    """The checked, engine-safe boolean expression for a rule's `when`, or an ExpressionError.

    `numbers` are further names that stand for numbers (an alert's threshold names): the caller
    replaces them with values in the returned tree."""
    tree, kind = _checked(text, indicators, where, numbers, "condition")
    if kind not in ("bool",):
        refuse(where, "a condition that is not true/false", text, 0, text)
    return tree


def check_value(
    text: str, indicators: Mapping[str, Indicator], where: str
) -> tuple[exp.Expr, Kind]:
    """The checked, engine-safe expression for a derived indicator, with its kind."""
    return _checked(text, indicators, where, (), "expression")


def _checked(
    text: str,
    indicators: Mapping[str, Indicator],
    where: str,
    numbers: Collection[str],
    noun: str,
) -> tuple[exp.Expr, Kind]:
    if not text.strip():
        raise ExpressionError(f"{where}: the {noun} is empty")
    tokens_of(text, where)
    try:
        tree = sqlglot.parse_one(text, read="duckdb")
        kind = _Checker(text, indicators, where, numbers).kind(tree)
        return _engine_safe(tree), kind
    except ParseError as exc:
        why = exc.errors[0]["description"] if exc.errors else str(exc)  # none for a lone `ELSE`
        raise ExpressionError(f"{where}: cannot parse `{text}`: {why}") from None
    except RecursionError:  # past tokens_of's bounds only by a chain of unary operators
        raise ExpressionError(
            f"{where}: the {noun} is nested too deeply / 嵌套过深",
            hint="split it into simpler parts",
        ) from None


def _engine_safe(tree: exp.Expr) -> exp.Expr:
    def quote(node: exp.Expr) -> exp.Expr:
        return exp.column(node.name, quoted=True) if isinstance(node, exp.Column) else node

    def null_safe_division(node: exp.Expr) -> exp.Expr:
        if not isinstance(node, exp.Div) or _nonzero_literal(node.expression):
            return node
        # Changed in place so the walk goes on into both operands (nested divisions).
        node.set("expression", exp.Nullif(this=node.expression, expression=exp.Literal.number(0)))
        return node

    return tree.copy().transform(quote).transform(null_safe_division)


def _nonzero_literal(node: exp.Expr) -> bool:
    return isinstance(node, exp.Literal) and node.is_number and float(node.this) != 0
