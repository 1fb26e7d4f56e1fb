"""Classifications -> SQLGlot trees: one `CASE WHEN ... THEN 'value' ... ELSE 'default' END` each.

Trees are built from nodes (labels as string literals), never from pasted text, and render to
DuckDB and Spark alike. `why` and `preview` evaluate these same trees, so they cannot disagree
with the profile.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from sqlglot import exp

from brokerlens.classify.buckets import rules_of
from brokerlens.classify.errors import CatalogError
from brokerlens.classify.expression import check_condition
from brokerlens.classify.model import Catalog, Classification, Rule
from brokerlens.indicators import Indicator, Indicators, builtin_indicators


@dataclass(frozen=True)
class CompiledRule:
    number: int  # 1-based, as a person counts the rules
    rule: Rule
    condition: exp.Expr  # includes the non-NULL guard of a value_from rule
    value: exp.Expr


@dataclass(frozen=True)
class CompiledClassification:
    classification: Classification
    rules: tuple[CompiledRule, ...]

    @property
    def id(self) -> str:
        return self.classification.id

    def case(self) -> exp.Case:
        ifs = [exp.If(this=r.condition.copy(), true=r.value.copy()) for r in self.rules]
        return exp.Case(ifs=ifs, default=exp.Literal.string(self.classification.default))


def compile_classification(
    item: Classification, indicators: Mapping[str, Indicator] | None = None, file: str = "catalog"
) -> CompiledClassification:
    indicators = indicators if indicators is not None else builtin_indicators()
    if item.id in indicators:
        raise CatalogError(
            f"{file}: classification {item.id!r}, field `id`: {item.id!r} is an indicator id"
        )
    _check_bucket_indicator(item, indicators, file)
    compiled = []
    for number, rule in enumerate(rules_of(item), start=1):
        where = f"{file}: classification {item.id!r}, rule {number}"
        condition = check_condition(rule.when, indicators, f"{where}, field `when`")
        value: exp.Expr = exp.Literal.string(rule.value or "")
        if rule.value_from is not None:
            value = _text_column(rule.value_from, indicators, f"{where}, field `value_from`")
            condition = exp.and_(condition, exp.Not(this=exp.Is(this=value, expression=exp.Null())))
        compiled.append(CompiledRule(number, rule, condition, value))
    return CompiledClassification(item, tuple(compiled))


def compile_catalog(
    catalog: Catalog, file: str = "catalog", indicators: Indicators | None = None
) -> list[CompiledClassification]:
    """Every classification compiled over `indicators` (the installation's, from
    `load_indicators(settings)`; the shipped ones when None)."""
    indicators = indicators if indicators is not None else builtin_indicators()
    return [compile_classification(item, indicators, file) for item in catalog.classifications]


def profile_select(
    catalog: Catalog, source: str = "customer_indicators", indicators: Indicators | None = None
) -> exp.Select:
    """Every column of `source` plus one column per classification, named by its id."""
    compiled = compile_catalog(catalog, indicators=indicators)
    columns = [exp.alias_(c.case(), c.id, quoted=True) for c in compiled]
    return exp.select(exp.Star(), *columns).from_(exp.to_table(source, dialect="duckdb"))


def _text_column(name: str, indicators: Mapping[str, Indicator], where: str) -> exp.Column:
    indicator = indicators.get(name)
    if indicator is None or indicator.type != "text":
        raise CatalogError(f"{where}: {name!r} is not a text indicator id")
    return exp.column(name, quoted=True)


def _check_bucket_indicator(
    item: Classification, indicators: Mapping[str, Indicator], file: str
) -> None:
    if item.buckets is None:
        return
    indicator = indicators.get(item.buckets.indicator)
    if indicator is None or indicator.type != "number":
        raise CatalogError(
            f"{file}: classification {item.id!r}, field `buckets.indicator`: "
            f"{item.buckets.indicator!r} is not a number indicator id"
        )
