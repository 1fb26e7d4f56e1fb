"""Errors of the indicator definitions and of the expression language over indicators."""

from __future__ import annotations

from brokerlens.errors import ConfigError


class ExpressionError(ConfigError):
    """An expression over indicators is refused. The message names where it was written (file,
    entry, field), what was refused and at which line and column."""


class IndicatorError(ConfigError):
    """An indicators file is unusable. The message names the file, the indicator and the field."""
