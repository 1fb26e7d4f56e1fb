"""How urgent each alert is, for the inbox's order (issue 15; docs/alerts.md "Priority").

A weight per alert id, 1 (worth knowing) .. 5 (act today), read from the alert catalog
(shared/spec/catalog.md "Alerts"): money or the customer leaving now weighs most, then
regulatory duties with a deadline, then risks to the customer, then opportunities. An
installation's own alerts weigh `DEFAULT_SEVERITY`.

The inbox ranks a customer by priority = assets x severity, where severity is the sum of the
weights of the distinct alert types the customer has open (new or acknowledged) among the alerts
shown; a type firing on several dates counts once.
"""

from __future__ import annotations

SEVERITY: dict[str, int] = {
    "actual_churn": 5,  # an account closed or moved away today
    "potential_churn": 4,  # most of the assets moved out within 20 trading days
    "cash_emptied": 4,  # the account emptied today
    "open_complaint": 4,  # a complaint open beyond the deadline (regulatory)
    "fund_movement": 3,  # a large share of the assets moved in one day
    "heavy_loss": 3,  # a loss well behind the index: the customer may leave or complain
    "risk_mismatch": 3,  # trading beyond the assessed risk class (suitability)
    "assessment_expiring": 2,  # the risk assessment must be renewed
    "no_trade": 2,  # assets idle for a month
    "large_assets": 2,  # an opportunity: assets crossed the large-customer line
    "strong_profit": 1,  # an opportunity: a good moment to call
    "entitlement": 1,  # a dividend, rights issue or IPO allotment to mention
}
DEFAULT_SEVERITY = 2
OPEN_STATUSES = ("new", "acknowledged")


def severity(alert_id: str) -> int:
    """The alert's weight, 1..5 (an unknown alert: `DEFAULT_SEVERITY`)."""
    return SEVERITY.get(alert_id, DEFAULT_SEVERITY)
