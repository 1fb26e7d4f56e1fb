"""Errors of care: a rules file is refused (the message names the file, rule and field)."""

from __future__ import annotations

from brokerlens.errors import ConfigError


class CareError(ConfigError):
    """A care rules file is unusable; the message names the file, the rule and the field."""
