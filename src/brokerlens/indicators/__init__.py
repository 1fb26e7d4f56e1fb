"""The indicators: what each one means (the shipped builtin.yaml and an installation's additions),
the expression language over them, and the SELECT computing the derived ones.

Modules flow model (one indicator) -> lexical, expression (checked expressions) -> registry
(the files) -> derived (the SQL of the derived indicators)."""

from brokerlens.indicators.derived import derived_select
from brokerlens.indicators.errors import ExpressionError, IndicatorError
from brokerlens.indicators.expression import check_condition, check_value
from brokerlens.indicators.model import KEY_COLUMNS, Indicator
from brokerlens.indicators.registry import (
    Indicators,
    additions_path,
    builtin_indicators,
    load_indicators,
    parse_indicators,
)

__all__ = [
    "KEY_COLUMNS",
    "ExpressionError",
    "Indicator",
    "IndicatorError",
    "Indicators",
    "additions_path",
    "builtin_indicators",
    "check_condition",
    "check_value",
    "derived_select",
    "load_indicators",
    "parse_indicators",
]
