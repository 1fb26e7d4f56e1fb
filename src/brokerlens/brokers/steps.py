"""The brokers run steps: each part registers its own when imported here."""

from __future__ import annotations

from brokerlens.brokers.book import steps as book_steps
from brokerlens.brokers.income import steps as income_steps
from brokerlens.brokers.kpi import steps as kpi_steps
from brokerlens.brokers.ledger import steps as ledger_steps
from brokerlens.brokers.risk import steps as risk_steps

__all__ = ["book_steps", "income_steps", "kpi_steps", "ledger_steps", "risk_steps"]
