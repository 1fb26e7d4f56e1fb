"""The batch report: current holdings above the holder's class, by branch.

Holdings are the positions and product holdings of the latest date at or before `as_of`.
Securities are graded by type (`security_grades` in the rules), products by their risk level.
Professionals are left out (they match all); a holder without an assessment is listed with
every holding, and an expired assessment is said beside the class.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import duckdb

from brokerlens.suitability.facts import CustomerFacts
from brokerlens.suitability.grades import grade_rank
from brokerlens.suitability.lake import rows
from brokerlens.suitability.rules import Rules

HOLDINGS_SQL = """
SELECT p.customer_id, 'security' AS kind, p.security_id AS item_id, s.name,
       s.security_type AS item_type, NULL AS grade, p.market_value
FROM positions p LEFT JOIN securities s USING (security_id)
WHERE p.biz_date = (SELECT max(biz_date) FROM positions WHERE biz_date <= $as_of)
  AND p.market_value > 0
UNION ALL
SELECT h.customer_id, 'product', h.product_id, pr.name, pr.product_type, pr.risk_level,
       h.market_value
FROM product_holdings h LEFT JOIN products pr USING (product_id)
WHERE h.biz_date = (SELECT max(biz_date) FROM product_holdings WHERE biz_date <= $as_of)
  AND h.market_value > 0
ORDER BY 1, 2, 3
"""


@dataclass(frozen=True)
class Holding:
    branch_id: str | None
    customer_id: str
    risk_class: str | None
    allowed: str | None  # the highest grade the holder matches
    kind: str  # security, product
    item_id: str
    name: str
    grade: str
    market_value: float
    reason: str


@dataclass(frozen=True)
class BranchSummary:
    branch_id: str | None
    customers: int
    holdings: int
    market_value: float


@dataclass(frozen=True)
class HoldingsReport:
    as_of: dt.date
    holdings: list[Holding]

    def branches(self) -> list[BranchSummary]:
        by: dict[str | None, list[Holding]] = {}
        for h in self.holdings:
            by.setdefault(h.branch_id, []).append(h)
        return [
            BranchSummary(
                b, len({h.customer_id for h in hs}), len(hs), sum(h.market_value for h in hs)
            )
            for b, hs in sorted(by.items(), key=lambda item: item[0] or "")
        ]


def holders(conn: duckdb.DuckDBPyConnection, as_of: dt.date) -> list[str]:
    """Customers holding anything on the report's date: the only ones whose facts it needs."""
    found = rows(conn, f"SELECT DISTINCT customer_id FROM ({HOLDINGS_SQL})", {"as_of": as_of})
    return [r["customer_id"] for r in found]


def holdings_above_class(
    conn: duckdb.DuckDBPyConnection,
    as_of: dt.date,
    facts: dict[str, CustomerFacts],
    rules: Rules,
) -> HoldingsReport:
    found = []
    for r in rows(conn, HOLDINGS_SQL, {"as_of": as_of}):
        customer = facts.get(r["customer_id"])
        if customer is None or customer.professional:
            continue
        holding = _above(r, customer, rules)
        if holding is not None:
            found.append(holding)
    found.sort(key=lambda h: (h.branch_id or "", h.customer_id, h.kind, h.item_id))
    return HoldingsReport(as_of, found)


def _above(r: dict[str, Any], customer: CustomerFacts, rules: Rules) -> Holding | None:
    grade = r["grade"] or rules.security_grades.get(r["item_type"] or "")
    if grade is None:
        return None
    assessment = customer.assessment
    if assessment is None:
        klass, allowed, reason = None, None, f"无风险测评, 持有 {grade}"
    else:
        klass = assessment.risk_class
        allowed = rules.matching[klass]
        reason = f"{klass} 可匹配至 {allowed}, 持有 {grade}"
        if customer.lowest_reasons:
            allowed = rules.lowest_category_max_grade
            reason = f"{klass} 最低类别, 只可 {allowed}, 持有 {grade}"
        if customer.assessment_state == "expired":
            reason += f" (测评已于 {assessment.expire_date} 过期)"
        if grade_rank(grade) <= grade_rank(allowed):
            return None
    return Holding(
        customer.branch_id, customer.customer_id, klass, allowed, r["kind"], r["item_id"],
        r["name"] or r["item_id"], grade, float(r["market_value"] or 0.0), reason,
    )  # fmt: skip
