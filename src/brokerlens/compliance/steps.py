"""The compliance run steps: each part registers its own when imported here."""

from __future__ import annotations

from brokerlens.compliance.callbacks import steps as callback_steps
from brokerlens.compliance.complaints import steps as complaint_steps

__all__ = ["callback_steps", "complaint_steps"]
