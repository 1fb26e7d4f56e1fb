"""The base indicators: what each one means (builtin.yaml) and the SQL models that compute them."""

from brokerlens.indicators.registry import Indicator, load_indicators

__all__ = ["Indicator", "load_indicators"]
