"""Errors of the KPI schemes: a scheme file, position, metric or rule that is refused."""

from __future__ import annotations

from brokerlens.errors import ConfigError


class SchemeError(ConfigError):
    """A KPI scheme file is unusable. The message names the file, the position, the metric and
    the field."""
