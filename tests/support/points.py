"""Points in the test brokerages: the shipped earning rules lapsing after 120 months (not 24),
so that the small brokerage's 2025 awards still count on the day a test runs (balances are
worked out as of today), years from now."""

from __future__ import annotations

from brokerlens.config import Settings
from brokerlens.points.rules import additions_path, shipped_text

LONG_LIVED_MONTHS = 120


def long_lived_points(settings: Settings) -> None:
    """Write the installation's rules file: the shipped rules with a 120-month expiry."""
    path = additions_path(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    text = shipped_text().replace("expiry_months: 24", f"expiry_months: {LONG_LIVED_MONTHS}")
    path.write_text(text, "utf-8")
