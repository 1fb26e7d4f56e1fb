"""Rules in words: a classification or alert condition as a Chinese (or English) sentence.

One renderer for the catalog page, the threshold page and the 360's "why": the condition is
parsed with SQLGlot (the expression language of `brokerlens.indicators.expression`), each
indicator named by its label and every number written in the unit of what it is compared with
(`total_assets_t >= 1000000` -> 当日总资产 ≥ 100万元, `top_fund_share_t > 0.6` -> ... > 60%).
A construct it does not know falls back to the expression text; it never raises.

Thresholds shown on a page are parsed back here too (`parse_business`: "50%", "5万", "30天"),
exactly (through Decimal), so what is saved is the raw value the definitions hold.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

import sqlglot
from sqlglot import exp

from brokerlens.indicators import Indicators
from brokerlens.web.formatting import amount, num, pct

# Units a number can be shown in: the indicators' own (yuan, ratio, days, count, flag, rank,
# score) and `number` for anything else.
AMOUNT_UNITS = ("yuan",)
_OPS: dict[type, str] = {
    exp.EQ: "=",
    exp.NEQ: "≠",
    exp.LT: "<",
    exp.LTE: "≤",
    exp.GT: ">",
    exp.GTE: "≥",
}
_WORDS = {
    "zh": {
        "and": " 且 ",
        "or": " 或 ",
        "not": "并非",
        "null": "无数据",
        "not_null": "有数据",
        "in": "为{items}之一",
        "not_in": "不是{items}中的任何一个",
        "between": "在 {low} 至 {high} 之间",
        "not_between": "不在 {low} 至 {high} 之间",
        "list_sep": "、",
        "greatest": "{items}中的较大者",
        "least": "{items}中的较小者",
        "abs": "{x}的绝对值",
        "round": "{x}（取整）",
        "coalesce": "{x}（无数据时按{y}计）",
        "share_of": "{x}的{share}",
        "yes": "是",
        "no": "否",
        "open": "（",
        "close": "）",
        "any": "满足以下任一条件",
        "all": "同时满足以下条件",
        "customer": "客户",
    },
    "en": {
        "and": " and ",
        "or": " or ",
        "not": "not ",
        "null": " has no data",
        "not_null": " has data",
        "in": " is one of {items}",
        "not_in": " is none of {items}",
        "between": " is between {low} and {high}",
        "not_between": " is not between {low} and {high}",
        "list_sep": ", ",
        "greatest": "the greater of {items}",
        "least": "the lesser of {items}",
        "abs": "the absolute value of {x}",
        "round": "{x} (rounded)",
        "coalesce": "{x} (counted as {y} when missing)",
        "share_of": "{share} of {x}",
        "yes": "yes",
        "no": "no",
        "open": "(",
        "close": ")",
        "any": "Any one of",
        "all": "All of",
        "customer": "customer",
    },
}
MARKS = ("①", "②", "③", "④", "⑤", "⑥", "⑦", "⑧", "⑨", "⑩")


class _Unknown(Exception):
    """A construct the renderer has no words for: the caller shows the expression text."""


@dataclass(frozen=True)
class Param:
    """A named threshold of an alert: its label, unit and (current) value."""

    label: str
    unit: str
    value: float | None = None


@dataclass(frozen=True)
class Vocabulary:
    """What names in a condition mean: indicator labels and units, and alert thresholds."""

    language: str = "zh"
    indicators: Mapping[str, Any] = field(default_factory=dict)  # id -> Indicator
    params: Mapping[str, Param] = field(default_factory=dict)

    @classmethod
    def of(
        cls,
        indicators: Indicators,
        language: str = "zh",
        params: Mapping[str, Param] | None = None,
    ) -> Vocabulary:
        return cls("en" if language == "en" else "zh", indicators, params or {})

    def word(self, key: str, **values: str) -> str:
        text = _WORDS[self.language][key]
        return text.format(**values) if values else text

    def column(self, name: str) -> tuple[str, str]:
        """(label, unit) of a name in a condition; unknown names are not rendered."""
        param = self.params.get(name)
        if param is not None:
            return param.label, param.unit
        indicator = self.indicators.get(name)
        if indicator is None:
            raise _Unknown(name)
        label = indicator.en if self.language == "en" else indicator.zh
        return label, indicator.unit


# -- numbers in a unit --------------------------------------------------------------------------


def _decimal(value: Any) -> Decimal:
    return Decimal(repr(float(value))) if isinstance(value, float) else Decimal(value)


def _plain(number: Decimal) -> str:
    """A Decimal without trailing zeros or exponent, with thousands separators."""
    text = f"{number.normalize():,f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def business(value: Any, unit: str, language: str = "zh") -> str:
    """A threshold or constant in its unit, exact and short: 50%, 100万元, 30天, 5."""
    if value is None:
        return "—"
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        return str(value)
    number = _decimal(value)
    if unit == "ratio":
        return f"{_plain(number * 100)}%" if number else "0"
    if unit == "yuan":
        size = abs(number)
        if language == "en":
            return f"{_plain(number)} yuan"
        if size >= 100_000_000:
            return f"{_plain(number / 100_000_000)}亿元"
        if size >= 10_000:
            return f"{_plain(number / 10_000)}万元"
        return f"{_plain(number)}元"
    if unit == "days":
        return f"{_plain(number)} days" if language == "en" else f"{_plain(number)}天"
    if unit == "levels":
        return f"{_plain(number)} levels" if language == "en" else f"{_plain(number)}级"
    if unit == "flag" and number in (0, 1):
        return _WORDS[language]["yes" if number == 1 else "no"]
    return _plain(number)


def field_text(value: float, unit: str) -> str:
    """A threshold as typed in a form: 50%, 5万, 30 (the unit word stands beside the field)."""
    number = _decimal(value)
    if unit == "ratio":
        return f"{_plain(number * 100)}%".replace(",", "")
    if unit == "yuan" and abs(number) >= 10_000:
        big = abs(number) >= 100_000_000
        return (
            _plain(number / (100_000_000 if big else 10_000)) + ("亿" if big else "万")
        ).replace(",", "")
    return _plain(number).replace(",", "")


UNIT_SUFFIX = {"yuan": "元", "days": "天", "levels": "级", "count": "笔"}
UNIT_SUFFIX_EN = {"yuan": "yuan", "days": "days", "levels": "levels"}
EXAMPLES = {"yuan": "5万、50000", "ratio": "50%", "days": "30"}
_SCALES = {"万": Decimal(10_000), "亿": Decimal(100_000_000), "千": Decimal(1_000)}


class BadNumber(ValueError):
    """A threshold the user typed that is not a number in its unit (message in Chinese)."""


def parse_business(text: str, unit: str) -> float:
    """What a user typed for a threshold, in its unit, as the raw value: "60%" -> 0.6 (a
    ratio's bare "60" is 60% too), "5万" -> 50000.0, "1.5亿" -> 150000000.0, "30天" -> 30.0."""
    raw = text.strip().replace(",", "").replace("，", "").replace(" ", "")
    for word in ("元", "天", "笔", "级", "个", "yuan", "days", "levels"):
        raw = raw.removesuffix(word)
    scale = Decimal(1)
    if raw.endswith("%"):
        if unit != "ratio":
            raise BadNumber(f"“{text}”不是{_unit_name(unit)}")
        raw = raw[:-1]
    if unit == "ratio":
        scale = Decimal("0.01")
    elif raw[-1:] in _SCALES and unit == "yuan":
        scale, raw = _SCALES[raw[-1]], raw[:-1]
    try:
        number = Decimal(raw) * scale
    except InvalidOperation:
        raise BadNumber(
            f"无法识别“{text}”，请填写{_unit_name(unit)}，如 {_example(unit)}"
        ) from None
    if not number.is_finite() or not math.isfinite(float(number)):
        raise BadNumber(f"“{text}”不是有限的数")
    return float(number)


def _unit_name(unit: str) -> str:
    return {"yuan": "金额", "ratio": "百分比", "days": "天数", "levels": "级数"}.get(unit, "数字")


def _example(unit: str) -> str:
    return EXAMPLES.get(unit, "5")


# -- conditions as sentences --------------------------------------------------------------------


def parse(text: str) -> exp.Expr | None:
    try:
        return sqlglot.parse_one(text, read="duckdb")
    except Exception:
        return None


def sentence(text: str, vocab: Vocabulary) -> str:
    """The condition `text` in words; the text itself when it cannot be put in words."""
    node = parse(text)
    if node is None:
        return text
    try:
        return _Words(vocab).boolean(node)
    except Exception:
        return text


def renders(text: str, vocab: Vocabulary) -> bool:
    """Whether `text` goes into words without falling back (for tests and checks)."""
    node = parse(text)
    if node is None:
        return False
    try:
        _Words(vocab).boolean(node)
    except Exception:
        return False
    return True


def key(node: exp.Expr) -> str:
    """How `classify.explain` names a node (DuckDB SQL without identifier quotes)."""
    plain = node.transform(lambda n: exp.column(n.name) if isinstance(n, exp.Column) else n)
    return plain.sql("duckdb")


class _Words:
    def __init__(self, vocab: Vocabulary, figure: Callable[[exp.Expr, bool], str] | None = None):
        self.v = vocab
        self.figure = figure  # the customer's value of an operand, for "why"

    # boolean nodes
    def boolean(self, node: exp.Expr, parent: type | None = None) -> str:
        if isinstance(node, exp.Paren):
            return self.boolean(node.this, parent)
        if isinstance(node, exp.And | exp.Or):
            kind = type(node)
            joiner = self.v.word("and" if kind is exp.And else "or")
            parts = _flat(node, kind)
            ranged = self._range(parts) if kind is exp.And else None
            text = ranged or joiner.join(self.boolean(p, kind) for p in parts)
            if parent is not None and parent is not kind:
                return self.v.word("open") + text + self.v.word("close")
            return text
        if isinstance(node, exp.Not):
            inner = node.this.this if isinstance(node.this, exp.Paren) else node.this
            if isinstance(inner, exp.Is) and isinstance(inner.expression, exp.Null):
                return self.value(inner.this)[0] + self.v.word("not_null")
            if isinstance(inner, exp.In):
                return self._in(inner, negated=True)
            if isinstance(inner, exp.Between):
                return self._between(inner, negated=True)
            return (
                self.v.word("not")
                + self.v.word("open")
                + self.boolean(inner)
                + self.v.word("close")
            )
        return self.comparison(node)

    def _range(self, parts: list[exp.Expr]) -> str | None:
        """`x >= a AND x < b` reads "a ≤ x < b" (the buckets' ranges)."""
        if len(parts) != 2:
            return None
        low, high = parts
        if not (isinstance(low, exp.GTE | exp.GT) and isinstance(high, exp.LT | exp.LTE)):
            return None
        if key(low.this) != key(high.this) or not _constant(low.expression, self.v.params):
            return None
        if not _constant(high.expression, self.v.params):
            return None
        label, unit = self.value(low.this)
        first = "≤" if isinstance(low, exp.GTE) else "<"
        second = "<" if isinstance(high, exp.LT) else "≤"
        lo = self.value(low.expression, unit)[0]
        hi = self.value(high.expression, unit)[0]
        return self._with_figures(f"{lo} {first} {label} {second} {hi}", [low.this])

    def comparison(self, node: exp.Expr) -> str:
        if isinstance(node, exp.Is) and isinstance(node.expression, exp.Null):
            return self.value(node.this)[0] + self.v.word("null")
        if isinstance(node, exp.In):
            return self._in(node)
        if isinstance(node, exp.Between):
            return self._between(node)
        if isinstance(node, exp.Boolean):
            return self.v.word("yes" if node.this else "no")
        op = _OPS.get(type(node))
        if op is None:
            raise _Unknown(type(node).__name__)
        left, right = node.this, node.expression
        unit = self._unit_of(left) or self._unit_of(right) or "number"
        coalesced = _coalesce_zero(left)
        if coalesced is not None and op == "=" and _is_zero(right):
            label, unit = self.value(coalesced)
            text = f"{label}{'为0或无数据' if self.v.language == 'zh' else ' is 0 or missing'}"
            return self._with_figures(text, [coalesced])
        if unit == "flag" and op in ("=", "≠") and _constant(right):
            label = self.value(left, unit)[0]
            return self._with_figures(f"{label} {op} {self.value(right, unit)[0]}", [left])
        text = f"{self.value(left, unit)[0]} {op} {self.value(right, unit)[0]}"
        return self._with_figures(text, [left, right])

    def _in(self, node: exp.In, negated: bool = False) -> str:
        label, unit = self.value(node.this)
        items = self.v.word("list_sep").join(self.value(e, unit)[0] for e in node.expressions)
        if not node.expressions:
            raise _Unknown("IN without a list")
        text = label + self.v.word("not_in" if negated else "in", items=items)
        return self._with_figures(text, [node.this])

    def _between(self, node: exp.Between, negated: bool = False) -> str:
        label, unit = self.value(node.this)
        low = self.value(node.args["low"], unit)[0]
        high = self.value(node.args["high"], unit)[0]
        text = label + self.v.word("not_between" if negated else "between", low=low, high=high)
        return self._with_figures(text, [node.this])

    def _with_figures(self, text: str, operands: Sequence[exp.Expr]) -> str:
        if self.figure is None:
            return text
        varying = [o for o in operands if not _constant(o, self.v.params)]
        shown = [s for s in (self.figure(o, len(varying) > 1) for o in varying) if s]
        if not shown:
            return text
        lead = "（客户：" if self.v.language == "zh" else f" ({self.v.word('customer')}: "
        sep = "；" if self.v.language == "zh" else "; "
        return f"{text}{lead}{sep.join(shown)}{'）' if self.v.language == 'zh' else ')'}"

    # value nodes: (text, unit)
    def _unit_of(self, node: exp.Expr) -> str | None:
        if _constant(node, {}):
            return None
        try:
            return self.value(node)[1]
        except _Unknown:
            return None

    def value(self, node: exp.Expr, unit: str | None = None) -> tuple[str, str]:
        v = self.v
        if isinstance(node, exp.Paren):
            text, inner = self.value(node.this, unit)
            return text, inner
        if isinstance(node, exp.Column):
            if node.name in v.params:
                param = v.params[node.name]
                if param.value is None:
                    return param.label, param.unit
                return business(param.value, param.unit, v.language), param.unit
            return v.column(node.name)
        if isinstance(node, exp.Literal):
            if node.is_string:
                return f"「{node.this}」", unit or "text"
            return business(_decimal(node.this), unit or "number", v.language), unit or "number"
        if isinstance(node, exp.Null):
            return v.word("null").strip(), unit or "number"
        if isinstance(node, exp.Neg):
            inner = node.this
            if isinstance(inner, exp.Literal) and inner.is_number:
                return business(-_decimal(inner.this), unit or "number", v.language), unit or ""
            if isinstance(inner, exp.Column) and v.params.get(inner.name):
                param = v.params[inner.name]
                if param.value is not None:
                    return business(-param.value, param.unit, v.language), param.unit
            text, inner_unit = self.value(inner, unit)
            return f"−{text}", inner_unit
        if isinstance(node, exp.Mul):
            return self._product(node, unit)
        if isinstance(node, exp.Add | exp.Sub | exp.Div):
            sign = {exp.Add: "+", exp.Sub: "−", exp.Div: "÷"}[type(node)]
            side = self._unit_of(node.this) or self._unit_of(node.expression) or unit
            left = self._operand(node.this, side)
            right = self._operand(node.expression, None if sign == "÷" else side)
            return f"{left} {sign} {right}", ("number" if sign == "÷" else side or "number")
        if isinstance(node, exp.Nullif):  # `a / b` is checked into `a / NULLIF(b, 0)`
            return self.value(node.this, unit)
        if isinstance(node, exp.Greatest | exp.Least):
            args = [node.this, *node.expressions]
            side = next((u for u in (self._unit_of(a) for a in args) if u), unit or "number")
            items = v.word("list_sep").join(self.value(a, side)[0] for a in args)
            word = "greatest" if isinstance(node, exp.Greatest) else "least"
            if len(args) == 2:
                both = "与" if v.language == "zh" else " and "
                items = both.join(self.value(a, side)[0] for a in args)
            return v.word(word, items=items), side
        if isinstance(node, exp.Abs):
            text, side = self.value(node.this, unit)
            return v.word("abs", x=text), side
        if isinstance(node, exp.Round):
            text, side = self.value(node.this, unit)
            return v.word("round", x=text), side
        if isinstance(node, exp.Coalesce):
            args = [node.this, *node.expressions]
            if len(args) != 2:
                raise _Unknown("coalesce of more than two")
            text, side = self.value(args[0], unit)
            return v.word("coalesce", x=text, y=self.value(args[1], side)[0]), side
        raise _Unknown(type(node).__name__)

    def _operand(self, node: exp.Expr, unit: str | None) -> str:
        text, _ = self.value(node, unit)
        if isinstance(node, exp.Add | exp.Sub) or (
            isinstance(node, exp.Paren) and isinstance(node.this, exp.Add | exp.Sub)
        ):
            return f"({text})"
        return text

    def _product(self, node: exp.Mul, unit: str | None) -> tuple[str, str]:
        """`0.5 * x` (or a share threshold times x) reads "x的50%"; else "a × b"."""
        a, b = node.this, node.expression
        for share, other in ((a, b), (b, a)):
            share_unit = self._share_unit(share)
            if share_unit is not None and not _constant(other, self.v.params):
                text, side = self.value(other, unit)
                shown = self.value(share, share_unit)[0]
                return self.v.word("share_of", x=text, share=shown), side
        side = self._unit_of(a) or self._unit_of(b) or unit or "number"
        return f"{self._operand(a, side)} × {self._operand(b, None)}", side

    def _share_unit(self, node: exp.Expr) -> str | None:
        """`ratio` for a number literal or a ratio threshold (the share in `share * x`)."""
        if isinstance(node, exp.Literal) and node.is_number:
            return "ratio"
        if isinstance(node, exp.Column) and node.name in self.v.params:
            return "ratio" if self.v.params[node.name].unit == "ratio" else None
        return None


def _flat(node: exp.Expr, kind: type) -> list[exp.Expr]:
    """The operands of a chain of one connective: a AND b AND c -> [a, b, c]."""
    if isinstance(node, kind):
        return [*_flat(node.this, kind), *_flat(node.expression, kind)]
    inner = node.this if isinstance(node, exp.Paren) else None
    if isinstance(inner, exp.Expr) and isinstance(inner, kind):
        return _flat(inner, kind)
    return [node]


def _constant(node: exp.Expr, params: Mapping[str, Param] | None = None) -> bool:
    names = params or {}
    return all(c.name in names for c in node.find_all(exp.Column))


def _coalesce_zero(node: exp.Expr) -> exp.Expr | None:
    if (
        isinstance(node, exp.Coalesce)
        and len(node.expressions) == 1
        and _is_zero(node.expressions[0])
    ):
        return node.this
    return None


def _is_zero(node: exp.Expr) -> bool:
    return isinstance(node, exp.Literal) and node.is_number and Decimal(node.this) == 0


# -- a condition as its parts, with their truth (the 360's "why") -------------------------------


@dataclass(frozen=True)
class Part:
    text: str
    truth: bool | None


@dataclass(frozen=True)
class Spoken:
    """A condition in words: `joint` "any" (an OR), "all" (an AND) or "" (a single condition),
    and its parts, each with the customer's figures and whether it held."""

    joint: str
    heading: str
    parts: tuple[Part, ...]
    fallback: bool = False


def spoken(
    text: str,
    vocab: Vocabulary,
    truths: Mapping[str, bool | None],
    figures: Mapping[str, Any],
) -> Spoken:
    """The condition split at its top connective, each part in words with the customer's
    figures; `truths` and `figures` are keyed as `classify.explain.display` names nodes."""
    node = parse(text)
    if node is None:
        return Spoken("", "", (Part(text, truths.get(text)),), fallback=True)
    while isinstance(node, exp.Paren):
        node = node.this
    words = _Words(vocab, figure=lambda o, named: _figure(o, vocab, figures, named))
    try:
        ranged = words._range(_flat(node, exp.And)) if isinstance(node, exp.And) else None
        if ranged is not None:
            return Spoken("", "", (Part(ranged, truths.get(key(node))),))
        if isinstance(node, exp.Or | exp.And):
            kind = type(node)
            parts = tuple(Part(words.boolean(p), truths.get(key(p))) for p in _flat(node, kind))
            joint = "any" if kind is exp.Or else "all"
            return Spoken(joint, vocab.word(joint), parts)
        return Spoken("", "", (Part(words.boolean(node), truths.get(key(node))),))
    except Exception:
        return Spoken("", "", (Part(text, truths.get(text)),), fallback=True)


def _figure(node: exp.Expr, vocab: Vocabulary, figures: Mapping[str, Any], named: bool) -> str:
    """The customer's value of an operand; `named` (beside another) with its label."""
    name = key(node)
    if name not in figures:
        return ""
    label, unit = _Words(vocab).value(node)
    shown = measured(figures[name], unit, vocab.language)
    return f"{label} {shown}" if named else shown


def measured(value: Any, unit: str, language: str = "zh") -> str:
    """A customer's figure: amounts in 万/亿 元, ratios as %, days in 天."""
    if value is None:
        return "无数据" if language == "zh" else "no data"
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        return str(value)
    if unit == "yuan":
        return amount(value, language) + ("元" if language == "zh" else " yuan")
    if unit == "ratio":
        return pct(value)
    if unit == "days":
        return num(value, 0 if float(value).is_integer() else 1) + (
            "天" if language == "zh" else " days"
        )
    if unit == "flag":
        return business(value, "flag", language)
    return num(value, 0 if float(value).is_integer() else 2)


@dataclass(frozen=True)
class RuleWords:
    """One rule tried for a customer: its number, value, condition in words, whether it held."""

    number: int
    value: str
    truth: bool | None
    spoken: Spoken
    decided_by: tuple[int, ...]  # the numbers (1-based) of the parts of an OR that held

    @property
    def decided_marks(self) -> str:
        return "".join(MARKS[i - 1] if i <= len(MARKS) else f"{i}." for i in self.decided_by)


def explained_rules(explanation: Any, vocab: Vocabulary) -> list[RuleWords]:
    """The rules of a `classify.explain.Explanation` in words, with the customer's figures."""
    figures: dict[str, Any] = dict(explanation.indicators)
    out = []
    for rule in explanation.rules:
        for check in rule.checks:
            figures.update(dict(check.operands))
        truths = {c.condition: c.truth for c in rule.checks} | dict(rule.truths)
        said = spoken(rule.when, vocab, truths, figures)
        decided = tuple(i for i, p in enumerate(said.parts, 1) if p.truth is True)
        held = rule.truth is True and said.joint == "any"
        value = value_label(rule.value, vocab)
        out.append(RuleWords(rule.number, value, rule.truth, said, decided if held else ()))
    return out


def value_label(label: str, vocab: Vocabulary) -> str:
    """A rule's value as read: `<top_industry_3m>` (the customer's own value of a text
    indicator) reads 取客户的「主要买入行业」."""
    if not (label.startswith("<") and label.endswith(">")):
        return label
    name = label[1:-1]
    try:
        shown = vocab.column(name)[0]
    except _Unknown:
        return label
    if vocab.language == "en":
        return f"the customer's {shown}"
    return f"客户的「{shown}」"
