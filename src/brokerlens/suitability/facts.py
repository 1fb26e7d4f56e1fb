"""What suitability knows of a customer and of what is offered: plain values, no I/O.

`lake.py` reads them from the lake; tests build them by hand. Experience is a range: the lake
may start after the customer's first trade, so what the data shows is a lower bound (from the
first trade or position seen) and an upper bound (from the account's opening).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from brokerlens.suitability.questionnaire import age_on


def months_between(start: dt.date, end: dt.date) -> int:
    """Whole calendar months from start to end (0 when end is before start)."""
    months = (end.year - start.year) * 12 + end.month - start.month - (end.day < start.day)
    return max(months, 0)


@dataclass(frozen=True)
class Assessment:
    assessment_id: str
    version: str
    assess_date: dt.date
    score: float | None
    risk_class: str
    horizon: str | None
    varieties: tuple[str, ...]
    expire_date: dt.date | None
    answers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class CustomerFacts:
    customer_id: str
    as_of: dt.date
    name: str = ""
    customer_type: str = "individual"
    branch_id: str | None = None
    birth_date: dt.date | None = None
    open_date: dt.date | None = None
    investor_class: str = "ordinary"  # as the source system records it
    assessment: Assessment | None = None
    lowest_reasons: tuple[str, ...] = ()  # from the assessment's answers (see rescore)
    total_assets: float | None = None  # on as_of
    assets_20d: float | None = None  # mean daily total assets over the last 20 trading days
    assets_days: int = 0  # how many of those 20 days the lake holds
    first_seen: dt.date | None = None  # first trade or position in the lake
    history_start: dt.date | None = None  # the lake's first business date
    margin_or_futures: bool = False  # a margin account or agreement
    services: frozenset[str] = frozenset()  # live service agreements

    @property
    def age(self) -> int | None:
        return age_on(self.birth_date, self.as_of)

    @property
    def professional(self) -> bool:
        return self.investor_class == "professional"

    @property
    def assessment_state(self) -> str:
        """valid, expired or missing, as of `as_of`."""
        if self.assessment is None:
            return "missing"
        expire = self.assessment.expire_date
        return "expired" if expire is not None and expire < self.as_of else "valid"

    def experience_months(self) -> tuple[int, int]:
        """(at least, at most) months of investing the data can show."""
        low = 0 if self.first_seen is None else months_between(self.first_seen, self.as_of)
        exact = self.open_date is not None and (
            self.history_start is None or self.open_date >= self.history_start
        )
        if exact or self.open_date is None:
            return low, low
        return low, max(low, months_between(self.open_date, self.as_of))

    def experience_text(self) -> str:
        low, high = self.experience_months()
        seen = f"首笔交易/持仓 {self.first_seen}" if self.first_seen else "数据中无交易或持仓"
        if low == high:
            return f"投资经验 {low} 个月 ({seen})"
        return (
            f"投资经验 {low}-{high} 个月 ({seen}, 数据起点 {self.history_start}, "
            f"开户 {self.open_date})"
        )


@dataclass(frozen=True)
class Target:
    """A product, service or business permission a customer is checked against."""

    kind: str  # product, permission
    target_id: str
    name: str
    grade: str  # R1..R5
    horizon: str | None = None  # what it asks for; None = no requirement
    variety: str | None = None  # a product_type; None = not compared (permissions)
