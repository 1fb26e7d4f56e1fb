"""The business analysis run steps: each part registers its own when imported here."""

from __future__ import annotations

from brokerlens.analysis.channels import steps as channels_steps
from brokerlens.analysis.metrics import steps as metrics_steps
from brokerlens.analysis.reports import steps as reports_steps

__all__ = ["channels_steps", "metrics_steps", "reports_steps"]
