"""The alert definitions as the threshold page explains them: each alert's meaning and its
thresholds' names, units and meanings (`param_info`), the same for built-in and added alerts.
No customer data; the thresholds in force and who may edit them are `access.alerts`'s."""

from __future__ import annotations

from brokerlens.alerts.model import AlertDefinition
from brokerlens.alerts.thresholds import load_alerts
from brokerlens.config import Settings


def alert_definitions(settings: Settings) -> dict[str, AlertDefinition]:
    """alert id -> its definition (with the defaults in force as `params`)."""
    return {d.id: d for d in load_alerts(settings).definitions}
