"""The typed KPI scheme file: per position, metrics with a weight and a scoring rule.

- `linear`: score = value / target x 100, at least 0 and at most `cap` x 100 (`cap` 1: the
  target scores 100 and more earns nothing more; 1.2: up to 120).
- `thresholds`: steps `{at, score}` with `at` ascending: the score of the highest step the
  value reaches, 0 below the first.
A scheme's weights add up to 100; a staff member's total is sum(weight x score) / 100.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from brokerlens.brokers.kpi.metrics import METRICS

POSITIONS = ("broker", "advisor", "team_lead", "branch_manager", "service", "hq_marketing")
MAX_CAP = Decimal(3)
MAX_SCORE = Decimal(300)


class Step(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    at: Decimal
    score: Decimal = Field(ge=0, le=MAX_SCORE)


class MetricRule(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    metric: str
    weight: Decimal = Field(gt=0, le=100)
    rule: Literal["linear", "thresholds"] = "linear"
    target: Decimal | None = Field(default=None, gt=0)
    cap: Decimal = Field(default=Decimal(1), ge=1, le=MAX_CAP)
    thresholds: tuple[Step, ...] = ()

    @model_validator(mode="after")
    def _coherent(self) -> MetricRule:
        if self.metric not in METRICS:
            raise ValueError(
                f"unknown metric {self.metric!r}; one of: {', '.join(sorted(METRICS))}"
            )
        if self.rule == "linear":
            if self.target is None:
                raise ValueError("a linear rule needs `target` (the value that scores 100)")
            if self.thresholds:
                raise ValueError("a linear rule takes no `thresholds` (use rule: thresholds)")
        else:
            if not self.thresholds:
                raise ValueError("a thresholds rule needs `thresholds`: a list of {at, score}")
            ats = [s.at for s in self.thresholds]
            if ats != sorted(ats) or len(set(ats)) != len(ats):
                raise ValueError("`thresholds` must be in ascending order of `at`, each once")
        return self


class Scheme(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    position: str
    name_zh: str = Field(min_length=1, max_length=100)
    name_en: str = Field(min_length=1, max_length=100)
    metrics: tuple[MetricRule, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _coherent(self) -> Scheme:
        if self.position not in POSITIONS:
            raise ValueError(f"unknown position {self.position!r}; one of: {', '.join(POSITIONS)}")
        ids = [m.metric for m in self.metrics]
        twice = sorted({i for i in ids if ids.count(i) > 1})
        if twice:
            raise ValueError(f"metric {twice[0]!r} appears twice")
        total = sum((m.weight for m in self.metrics), Decimal(0))
        if total != 100:
            raise ValueError(f"the weights add up to {total}, they must add up to 100")
        return self

    def label(self, language: str) -> str:
        return self.name_en if language == "en" else self.name_zh


class SchemeFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    schemes: tuple[Scheme, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _one_per_position(self) -> SchemeFile:
        positions = [s.position for s in self.schemes]
        twice = sorted({p for p in positions if positions.count(p) > 1})
        if twice:
            raise ValueError(f"position {twice[0]!r} has two schemes; one scheme per position")
        return self

    def for_position(self, position: str | None) -> Scheme | None:
        return next((s for s in self.schemes if s.position == position), None)
