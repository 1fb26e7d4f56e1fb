"""One indicator: what it means, and how it is computed (a shipped SQL model, or an expression)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

# The columns customer_indicators has before its indicators: no indicator may take these names.
KEY_COLUMNS = ("customer_id", "as_of_date", "branch_id", "status", "open_date")


# The themes the 360 groups indicators by, in the order it shows them; a shipped indicator's
# theme follows the SQL model computing it unless its entry names one (`theme:`), and an
# installation's own indicator may name one too (else it is in "other").
THEMES = ("assets", "commission", "trading", "returns", "holdings", "risk", "events", "other")
MODEL_THEMES = {
    "indicators_assets": "assets",
    "indicators_commission": "commission",
    "indicators_trading": "trading",
    "indicators_lots": "trading",
    "indicators_returns": "returns",
    "indicators_preference": "holdings",
    "indicators_holdings": "holdings",
    "indicators_risk": "risk",
    "indicators_events": "events",
    "indicators_rfm": "commission",
}
Theme = Literal["assets", "commission", "trading", "returns", "holdings", "risk", "events", "other"]


class Indicator(BaseModel):
    """An indicator of customer_indicators. A built-in one names the SQL model that computes it
    (`model`); a derived one is an `expression` over indicators defined before it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(pattern=r"^[a-z][a-z0-9_]{0,62}$")
    zh: str = Field(min_length=1)
    en: str = Field(min_length=1)
    meaning: str = Field(min_length=1)
    unit: str = Field(min_length=1)
    type: Literal["number", "text"] = "number"
    model: str | None = None
    expression: str | None = None
    theme: Theme | None = None

    @model_validator(mode="after")
    def _one_definition(self) -> Indicator:
        if (self.model is None) == (self.expression is None):
            raise ValueError("give exactly one of `model` (shipped SQL) and `expression`")
        return self

    @property
    def derived(self) -> bool:
        return self.expression is not None

    @property
    def group(self) -> str:
        """The theme the indicator is shown under (see THEMES)."""
        if self.theme is not None:
            return self.theme
        return MODEL_THEMES.get(self.model or "", "other")


class IndicatorFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    indicators: list[Indicator] = Field(default_factory=list)
