"""One line of the model-quality table (issue 20): a measure beside its baseline and oracle.

Each evaluator (riskpref, churn, alerts) turns its figures into lines with `quality_lines`;
`brokerlens bench --suite quality` prints them for two seeds in one table. A number without
its baseline says nothing, so a line carries the simple baseline and, where the generator can
give it, the oracle (its own propensity) beside the model's value.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True)
class QualityLine:
    area: str  # "riskpref", "churn", "alerts"
    measure: str  # what is measured, e.g. "ROC AUC (model)"
    value: float | None  # the model's (or the alert's) figure
    baseline: float | None = None  # the simple baseline on the same rows
    oracle: float | None = None  # the generator's own propensity on the same rows
    target: str = ""  # the target as text, e.g. ">= 0.7" or "<= oracle - 0.03"
    met: bool | None = None  # None: no target, or not measurable here

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def at_least(value: float | None, bound: float) -> bool | None:
    return None if value is None else value >= bound


def at_most(value: float | None, bound: float) -> bool | None:
    return None if value is None else value <= bound
