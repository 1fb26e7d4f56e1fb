"""Errors of the classification catalog: a file, classification, rule or expression is refused."""

from __future__ import annotations

from brokerlens.errors import BrokerlensError, ConfigError


class CatalogError(ConfigError):
    """A catalog file is unusable. The message names the file, classification, rule and field."""


class UnknownName(BrokerlensError):
    """A customer, classification, date or version that does not exist was asked for."""
