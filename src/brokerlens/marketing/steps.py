"""The marketing run steps: each part registers its own when imported here."""

from __future__ import annotations

from brokerlens.marketing.campaigns import steps as campaign_steps
from brokerlens.marketing.care import steps as care_steps
from brokerlens.marketing.worklist import steps as worklist_steps

__all__ = ["campaign_steps", "care_steps", "worklist_steps"]
