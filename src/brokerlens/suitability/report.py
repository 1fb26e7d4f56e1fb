"""The batch report: current holdings above the holder's class, by branch.

Holdings are the positions and product holdings of the latest date at or before `as_of`.
Securities are graded by type (`security_grades` in the rules), products by their risk level.
Professionals are left out (they match all); a holder without an assessment is listed with
every holding, and an expired assessment is said beside the class.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from brokerlens.errors import InvalidRequest
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
    # A kept report (`daily.py`) may hold the first rows only, with the totals kept beside.
    total: int | None = None
    branch_counts: list[BranchSummary] | None = None

    def count(self) -> int:
        return len(self.holdings) if self.total is None else self.total

    def branches(self) -> list[BranchSummary]:
        if self.branch_counts is not None:
            return self.branch_counts
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


# Holdings joined to their holder's facts (a relation `holder_facts`: customer_id, branch_id,
# investor_class, assessment_id, risk_class, expire_date, lowest_category), graded, and kept
# when above what the holder's class allows (or the holder has no assessment). Set-based: only
# the rows of the report reach Python, whatever the number of holdings.
ABOVE_SQL = f"""
WITH held AS ({HOLDINGS_SQL.replace("ORDER BY 1, 2, 3", "")}),
type_grades AS (
    SELECT unnest($types::VARCHAR[]) AS item_type, unnest($type_grades::VARCHAR[]) AS grade
),
ranks AS (SELECT unnest($grades::VARCHAR[]) AS grade, unnest($ranks::INTEGER[]) AS rank),
allowed AS (
    SELECT unnest($classes::VARCHAR[]) AS risk_class, unnest($allowed::VARCHAR[]) AS grade
),
graded AS (
    SELECT h.*, coalesce(h.grade, t.grade) AS held_grade
    FROM held h LEFT JOIN type_grades t ON h.grade IS NULL AND t.item_type = h.item_type
),
judged AS (
    SELECT f.branch_id, g.customer_id, f.risk_class, f.assessment_id IS NULL AS unassessed,
           coalesce(f.lowest_category, false) AS lowest,
           f.expire_date IS NOT NULL AND f.expire_date < $as_of AS expired, f.expire_date,
           CASE WHEN f.assessment_id IS NULL THEN NULL
                WHEN f.lowest_category THEN $lowest_max ELSE a.grade END AS allowed,
           g.kind, g.item_id, coalesce(g.name, g.item_id) AS name, g.held_grade AS grade,
           coalesce(g.market_value, 0) AS market_value
    FROM graded g
    JOIN holder_facts f ON f.customer_id = g.customer_id
    LEFT JOIN allowed a ON a.risk_class = f.risk_class
    WHERE g.held_grade IS NOT NULL AND f.investor_class IS DISTINCT FROM 'professional'
)
SELECT j.* FROM judged j
LEFT JOIN ranks rh ON rh.grade = j.grade
LEFT JOIN ranks ra ON ra.grade = j.allowed
WHERE j.unassessed OR rh.rank > ra.rank
ORDER BY j.branch_id NULLS FIRST, j.customer_id, j.kind, j.item_id
"""


def facts_relation(facts: dict[str, CustomerFacts]) -> pa.Table:
    """The holder facts the report reads, from facts computed in Python (the lake path)."""
    items = list(facts.values())
    return pa.table(
        {
            "customer_id": pa.array([f.customer_id for f in items], pa.string()),
            "branch_id": pa.array([f.branch_id for f in items], pa.string()),
            "investor_class": pa.array([f.investor_class for f in items], pa.string()),
            "assessment_id": pa.array(
                [f.assessment.assessment_id if f.assessment else None for f in items], pa.string()
            ),
            "risk_class": pa.array(
                [f.assessment.risk_class if f.assessment else None for f in items], pa.string()
            ),
            "expire_date": pa.array(
                [f.assessment.expire_date if f.assessment else None for f in items], pa.date32()
            ),
            "lowest_category": pa.array([bool(f.lowest_reasons) for f in items], pa.bool_()),
        }
    )


def holdings_above_class(
    conn: duckdb.DuckDBPyConnection,
    as_of: dt.date,
    facts: dict[str, CustomerFacts] | Path,
    rules: Rules,
) -> HoldingsReport:
    """The report from the holders' facts: computed ones, or the file a run kept (`daily.py`)."""
    if isinstance(facts, Path):
        source = conn.read_parquet(str(facts))
    else:
        source = conn.from_arrow(facts_relation(facts))
    conn.register("holder_facts", source)
    try:
        found = rows(conn, ABOVE_SQL, {"as_of": as_of, **_grading(conn, as_of, rules)})
    finally:
        conn.unregister("holder_facts")
    return HoldingsReport(as_of, [_holding(r) for r in found])


def _grading(conn: duckdb.DuckDBPyConnection, as_of: dt.date, rules: Rules) -> dict[str, Any]:
    """The grade of each security type, the rank of every grade text the holdings use (a
    product's risk level as delivered), and the highest grade each class matches."""
    levels = rows(
        conn,
        "SELECT DISTINCT pr.risk_level FROM product_holdings h JOIN products pr USING (product_id) "
        "WHERE h.biz_date = (SELECT max(biz_date) FROM product_holdings WHERE biz_date <= $as_of) "
        "AND pr.risk_level IS NOT NULL",
        {"as_of": as_of},
    )
    texts = {str(r["risk_level"]) for r in levels} | set(rules.security_grades.values())
    texts |= set(rules.matching.values()) | {rules.lowest_category_max_grade}
    ranked = {t: _rank(t) for t in sorted(texts)}
    known = {t: r for t, r in ranked.items() if r is not None}
    return {
        "types": list(rules.security_grades),
        "type_grades": list(rules.security_grades.values()),
        "grades": list(known),
        "ranks": list(known.values()),
        "classes": list(rules.matching),
        "allowed": list(rules.matching.values()),
        "lowest_max": rules.lowest_category_max_grade,
    }


def _rank(text: str) -> int | None:
    try:
        return grade_rank(text)
    except InvalidRequest:
        return None  # a level no rule knows: not graded, as before


def _holding(r: dict[str, Any]) -> Holding:
    grade, klass, allowed = r["grade"], r["risk_class"], r["allowed"]
    if r["unassessed"]:
        reason = f"无风险测评, 持有 {grade}"
    elif r["lowest"]:
        reason = f"{klass} 最低类别, 只可 {allowed}, 持有 {grade}"
    else:
        reason = f"{klass} 可匹配至 {allowed}, 持有 {grade}"
    if not r["unassessed"] and r["expired"]:
        reason += f" (测评已于 {r['expire_date']} 过期)"
    return Holding(
        r["branch_id"], r["customer_id"], klass, allowed, r["kind"], r["item_id"], r["name"],
        grade, float(r["market_value"]), reason,
    )  # fmt: skip
