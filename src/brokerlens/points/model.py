"""Earning rules (积分规则) as typed data: what a rule is over, how many points a unit earns,
when the points expire and when the rule applies.

A rule's `kind` says what it counts, each with fixed, parameterised SQL (`sql/points_awards.sql`):

- `turnover`: every `unit` yuan of the day's trade amount (customer_day.trade_amount);
- `net_commission`: every `unit` yuan of the day's net commission (customer_day.net_commission);
- `monthly_assets`: a calendar month whose mean daily total assets (over the month's loaded
  business days) reached `min_amount` yuan; awarded on the first loaded day of the next month;
- `product_purchase`: each subscription or purchase order of a product (product_trades) of at
  least `min_amount` yuan;
- `anniversary`: each anniversary of the account's opening (customers.open_date), on the first
  loaded day on or after it;
- `risk_assessment`: each risk assessment first delivered that day whose assess_date lies within
  `within_days` days before it.

A rule id may have several versions; their validity (valid_from .. valid_to, both inclusive)
must not overlap, so that on any day at most one version of an id applies. An award keeps the
id and version it was made under.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

IDENT = r"^[a-z][a-z0-9_]*$"
RuleKind = Literal[
    "turnover",
    "net_commission",
    "monthly_assets",
    "product_purchase",
    "anniversary",
    "risk_assessment",
]
KINDS: tuple[RuleKind, ...] = (
    "turnover",
    "net_commission",
    "monthly_assets",
    "product_purchase",
    "anniversary",
    "risk_assessment",
)
# which kinds need which fields: a per-unit amount, a minimum amount
NEEDS_UNIT = frozenset({"turnover", "net_commission"})
NEEDS_MIN = frozenset({"monthly_assets"})
TAKES_MIN = frozenset({"monthly_assets", "product_purchase"})
TAKES_WITHIN = frozenset({"risk_assessment"})
MAX_POINTS = 10**9  # per unit, per cap: far above any real scheme, well inside BIGINT
MAX_YUAN = Decimal("1e12")


class PointsRule(BaseModel):
    """One version of an earning rule."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(pattern=IDENT, max_length=40)
    version: int = Field(ge=1, le=9999)
    zh: str = Field(min_length=1, max_length=60)
    en: str = Field(min_length=1, max_length=80)
    meaning_zh: str | None = Field(default=None, max_length=300)
    meaning_en: str | None = Field(default=None, max_length=300)
    kind: RuleKind
    points: int = Field(ge=1, le=MAX_POINTS, description="points per unit")
    unit: Decimal | None = Field(default=None, description="yuan per unit (turnover, commission)")
    min_amount: Decimal | None = Field(default=None, description="yuan (month's mean, an order)")
    within_days: int | None = Field(default=None, ge=0, le=3660)
    max_points: int | None = Field(default=None, ge=1, le=MAX_POINTS, description="a day's cap")
    expiry_months: int = Field(ge=1, le=120)
    valid_from: dt.date
    valid_to: dt.date | None = None  # the last day it applies; None: open-ended

    @model_validator(mode="after")
    def _fields_of_kind(self) -> PointsRule:
        for name in ("unit", "min_amount"):
            value = getattr(self, name)
            if value is None:
                continue
            if not value.is_finite() or value <= 0 or value > MAX_YUAN:
                raise ValueError(f"field `{name}`: a positive amount in yuan, at most 1e12")
            if value != value.quantize(Decimal("0.01")):
                raise ValueError(f"field `{name}`: at most two decimals (cents)")
        if self.kind in NEEDS_UNIT and self.unit is None:
            raise ValueError(f"field `unit`: a {self.kind} rule needs the yuan of one unit")
        if self.kind not in NEEDS_UNIT and self.unit is not None:
            raise ValueError(f"field `unit`: a {self.kind} rule counts no yuan per unit")
        if self.kind in NEEDS_MIN and self.min_amount is None:
            raise ValueError(f"field `min_amount`: a {self.kind} rule needs the level in yuan")
        if self.kind not in TAKES_MIN and self.min_amount is not None:
            raise ValueError(f"field `min_amount`: a {self.kind} rule has no minimum amount")
        if self.kind not in TAKES_WITHIN and self.within_days is not None:
            raise ValueError("field `within_days`: only a risk_assessment rule takes it")
        if self.valid_to is not None and self.valid_to < self.valid_from:
            raise ValueError("field `valid_to`: before valid_from")
        return self

    def applies_on(self, day: dt.date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)

    def name(self, language: str) -> str:
        return self.en if language == "en" else self.zh


class RulesFile(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    rules: list[PointsRule] = Field(min_length=1)
