"""Errors of customer points: an earning rules file or one of its rules is refused."""

from __future__ import annotations

from brokerlens.errors import ConfigError


class PointsRuleError(ConfigError):
    """An earning rules file is unusable. The message names the file, the rule (and version)
    and the field."""
