"""The brokers run steps: each part registers its own when imported here."""

from __future__ import annotations

from brokerlens.brokers.income import steps as income_steps
from brokerlens.brokers.kpi import steps as kpi_steps  # issue 19 part D
from brokerlens.brokers.ledger import steps as ledger_steps

__all__ = ["income_steps", "kpi_steps", "ledger_steps"]
