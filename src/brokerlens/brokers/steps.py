"""The brokers run steps: each part registers its own when imported here."""

from __future__ import annotations

from brokerlens.brokers.income import steps as income_steps  # noqa: F401  (registers)
from brokerlens.brokers.ledger import steps as ledger_steps

__all__ = ["ledger_steps"]
