"""Alerts (客户定位): conditions over indicators with per-branch thresholds (issue 6 section 1).

Definitions: the shipped `default_alerts.yaml` plus an installation's `<home>/alerts/alerts.yaml`
(one loader, one check). Thresholds: defaults, edited defaults and branch overrides, versioned
under `<home>/alerts/thresholds/`. `brokerlens run` writes `<warehouse>/alerts/<T>.parquet`
(`evaluate_alerts`); `brokerlens publish` loads it into the store's `alerts` table.
"""

from brokerlens.alerts.errors import AlertError
from brokerlens.alerts.evaluate import alerts_file, evaluate_alerts, read_alerts
from brokerlens.alerts.model import AlertDefinition
from brokerlens.alerts.preview import ThresholdPreview, preview_thresholds
from brokerlens.alerts.thresholds import (
    AlertSet,
    load_alerts,
    save_thresholds,
    threshold_history,
    thresholds_for,
)

__all__ = [
    "AlertDefinition",
    "AlertError",
    "AlertSet",
    "ThresholdPreview",
    "alerts_file",
    "evaluate_alerts",
    "load_alerts",
    "preview_thresholds",
    "read_alerts",
    "save_thresholds",
    "threshold_history",
    "thresholds_for",
]
