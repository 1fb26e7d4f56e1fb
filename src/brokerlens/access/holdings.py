"""A customer's holdings for the 360: per row the cost, market value, unrealised P&L and its
return, exact totals (summed as decimals), and each holding's risk grade against what the
customer's class allows (suitability: `brokerlens.suitability`, domain.md section 1).

The customer is already known in scope (the 360 checked it); the suitability facts are read as
of the same served date. A professional investor (as treated, after any approved request) is
not matched on risk grade: the holdings carry no flag and the view says so.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from brokerlens.config import Settings
from brokerlens.errors import InvalidRequest, LakeError, NotFound
from brokerlens.suitability.grades import grade_rank
from brokerlens.suitability.rules import Rules, load_rules
from brokerlens.suitability.service import customer_view

CENT = Decimal("0.01")


@dataclass(frozen=True)
class HeldRow:
    """One position or product holding."""

    item_id: str
    name: str | None
    item_type: str | None
    quantity: Any
    cost: Decimal | None
    market_value: Decimal | None
    pnl: Decimal | None  # market value less cost
    ret: float | None  # pnl / cost
    grade: str | None  # R1..R5: the product's delivered level, else by security type
    above: bool  # above what the customer's class allows (ordinary investors only)


@dataclass(frozen=True)
class HeldTable:
    rows: list[HeldRow]
    cost: Decimal
    market_value: Decimal
    pnl: Decimal
    ret: float | None

    @property
    def above(self) -> int:
        return sum(1 for r in self.rows if r.above)


@dataclass(frozen=True)
class Holdings:
    positions: HeldTable
    products: HeldTable
    professional: bool
    risk_class: str | None  # the class holdings are matched against (C1 for the lowest category)
    allowed: str | None  # the highest grade that class matches
    assessed: bool  # a valid assessment to match against
    graded: bool  # False when the suitability facts could not be read


def _decimal(value: Any) -> Decimal | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        return Decimal(str(value)).quantize(CENT)
    except ArithmeticError:
        return None


def _rank(grade: str | None) -> int | None:
    if not grade:
        return None
    try:
        return grade_rank(grade)
    except InvalidRequest:
        return None  # a level no rule knows: not graded


def _table(rows: list[dict[str, Any]], kind: str, limit: int | None) -> HeldTable:
    out = []
    for r in rows:
        cost, value = _decimal(r.get("cost_amount")), _decimal(r.get("market_value"))
        pnl = value - cost if cost is not None and value is not None else None
        ret = float(pnl / cost) if pnl is not None and cost else None
        if kind == "product":
            item, name, item_type, quantity = (
                r.get("product_id"),
                r.get("product_name"),
                r.get("product_type"),
                r.get("units"),
            )
            grade = r.get("risk_level")
        else:
            item, name, item_type, quantity = (
                r.get("security_id"),
                r.get("security_name"),
                r.get("security_type"),
                r.get("quantity"),
            )
            grade = r.get("grade")
        rank = _rank(grade)
        above = rank is not None and limit is not None and rank > limit
        out.append(
            HeldRow(str(item), name, item_type, quantity, cost, value, pnl, ret, grade, above)
        )
    cost_total = sum((r.cost for r in out if r.cost is not None), Decimal(0))
    value_total = sum((r.market_value for r in out if r.market_value is not None), Decimal(0))
    pnl_total = sum((r.pnl for r in out if r.pnl is not None), Decimal(0))
    costed = sum((r.cost for r in out if r.pnl is not None and r.cost), Decimal(0))
    ret = float(pnl_total / costed) if costed else None
    return HeldTable(out, cost_total, value_total, pnl_total, ret)


def customer_holdings(
    settings: Settings,
    customer_id: str,
    as_of: dt.date,
    positions: list[dict[str, Any]],
    products: list[dict[str, Any]],
) -> Holdings:
    """The 360's holdings tables, graded against the customer's class as of `as_of`."""
    rules = load_rules(settings)
    try:
        view = customer_view(settings, customer_id, as_of)
    except (NotFound, LakeError):
        view = None
    graded_positions = [
        {**p, "grade": rules.security_grades.get(str(p.get("security_type")))} for p in positions
    ]
    if view is None:
        return Holdings(
            _table(graded_positions, "security", None),
            _table(products, "product", None),
            professional=False,
            risk_class=None,
            allowed=None,
            assessed=False,
            graded=False,
        )
    facts = view.facts
    klass, allowed = _allowed(facts, rules)
    assessed = allowed is not None
    # an ordinary investor without a valid assessment matches nothing: every graded holding shows
    limit = None if facts.professional else (_rank(allowed) if assessed else 0)
    return Holdings(
        _table(graded_positions, "security", limit),
        _table(products, "product", limit),
        professional=facts.professional,
        risk_class=klass,
        allowed=allowed,
        assessed=assessed,
        graded=True,
    )


def _allowed(facts: Any, rules: Rules) -> tuple[str | None, str | None]:
    """The class the holdings are matched against and the highest grade it allows (None, None
    without a valid assessment)."""
    assessment = facts.assessment
    if assessment is None or facts.assessment_state == "expired":
        return None, None
    if facts.lowest_reasons:
        return "C1", rules.lowest_category_max_grade
    return assessment.risk_class, rules.matching.get(assessment.risk_class)
