"""Rule conditions: the expression language over indicators (`brokerlens.indicators.expression`),
its refusals raised as CatalogErrors that name the file, classification, rule and field."""

from __future__ import annotations

from collections.abc import Collection, Mapping

from sqlglot import exp

from brokerlens.classify.errors import CatalogError
from brokerlens.indicators import ExpressionError, Indicator
from brokerlens.indicators import check_condition as check_expression


def check_condition(
    text: str, indicators: Mapping[str, Indicator], where: str, numbers: Collection[str] = ()
) -> exp.Expr:
    """The checked, engine-safe boolean expression for a rule's `when`, or a CatalogError."""
    try:
        return check_expression(text, indicators, where, numbers)
    except ExpressionError as exc:
        raise CatalogError(exc.message, hint=exc.hint) from None
