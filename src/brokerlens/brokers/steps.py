"""The brokers run steps: each part registers its own when imported here."""

from __future__ import annotations

from brokerlens.brokers.book import steps as book_steps  # part E
from brokerlens.brokers.ledger import steps as ledger_steps
from brokerlens.brokers.risk import steps as risk_steps  # part E

__all__ = ["ledger_steps"]
__all__ += ["book_steps", "risk_steps"]  # part E
