"""The source feed contract: what the brokerage's systems deliver every business day."""

from brokerlens.contract.feeds import FACT_FEEDS, FEEDS, LOAD_ORDER, REFERENCE_FEEDS, feed

__all__ = ["FACT_FEEDS", "FEEDS", "LOAD_ORDER", "REFERENCE_FEEDS", "feed"]
