"""Errors of the alerts: a definitions file, a condition or a threshold is refused."""

from __future__ import annotations

from brokerlens.classify.errors import CatalogError


class AlertError(CatalogError):
    """An alert definition or threshold is unusable; the message names the file, alert and field
    or the threshold parameter."""
