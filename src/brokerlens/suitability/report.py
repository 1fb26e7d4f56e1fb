"""The batch report: current holdings above the holder's class, by branch.

Holdings are the positions and product holdings of the latest date at or before `as_of`.
Securities are graded by type (`security_grades` in the rules), products by their risk level.
Professionals are left out (they match all); a holder without an assessment is listed with
every holding, and an expired assessment is said beside the class.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from brokerlens.contract.feeds import FEEDS, LAKE_TYPES
from brokerlens.engine import Engine
from brokerlens.engine.render import Value, render
from brokerlens.engine.sqlfiles import load_sql
from brokerlens.engine.sqltext import ident, literal
from brokerlens.errors import InvalidRequest
from brokerlens.suitability.facts import CustomerFacts
from brokerlens.suitability.grades import grade_rank
from brokerlens.suitability.lake import rows
from brokerlens.suitability.rules import Rules
from brokerlens.warehouse.sources import LakeFiles


def feed_columns(feed: str) -> list[tuple[str, str]]:
    return [(c.name, LAKE_TYPES[c.type]) for c in FEEDS[feed].columns]


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
            BranchSummary(b, len({h.customer_id for h in hs}), len(hs), _exact_sum(hs))
            for b, hs in sorted(by.items(), key=lambda item: item[0] or "")
        ]


def _exact_sum(holdings: list[Holding]) -> float:
    """The market values' sum as the kept summary has it (summed in cents, then a float)."""
    return float(sum((Decimal(repr(h.market_value)) for h in holdings), Decimal(0)))


def holders(conn: duckdb.DuckDBPyConnection, as_of: dt.date) -> list[str]:
    """Customers holding anything on the report's date: the only ones whose facts it needs."""
    _lake_held(conn, as_of)
    found = rows(
        conn,
        "SELECT DISTINCT customer_id FROM (SELECT customer_id FROM held_positions "
        "WHERE market_value > 0 UNION ALL SELECT customer_id FROM held_products "
        "WHERE market_value > 0)",
        {},
    )
    return [r["customer_id"] for r in found]


# The latest date's holdings at or before T, as the holdings report reads them over the lake.
LAKE_HELD = {
    "held_positions": "SELECT * FROM positions "
    "WHERE biz_date = (SELECT max(biz_date) FROM positions WHERE biz_date <= :as_of)",
    "held_products": "SELECT * FROM product_holdings "
    "WHERE biz_date = (SELECT max(biz_date) FROM product_holdings WHERE biz_date <= :as_of)",
}
RISK_LEVELS = (
    "SELECT DISTINCT pr.risk_level FROM held_products h "
    "JOIN products pr ON pr.product_id = h.product_id WHERE pr.risk_level IS NOT NULL"
)


def _lake_held(conn: duckdb.DuckDBPyConnection, as_of: dt.date) -> None:
    for name, sql in LAKE_HELD.items():
        view = render(sql, params={"as_of": as_of})
        conn.execute(f"CREATE OR REPLACE TEMP VIEW {ident(name)} AS {view}")


# What the report reads of a holder's facts (the kept file has more columns).
HOLDER_COLUMNS = [
    ("customer_id", "VARCHAR"),
    ("branch_id", "VARCHAR"),
    ("investor_class", "VARCHAR"),
    ("assessment_id", "VARCHAR"),
    ("risk_class", "VARCHAR"),
    ("expire_date", "DATE"),
    ("lowest_category", "BOOLEAN"),
]


def above_sql() -> str:
    """Holdings joined to their holder's facts, graded, and kept when above what the holder's
    class allows (or the holder has no assessment): `sql/holdings_above_class.sql`. Set-based:
    only the rows of the report reach Python, whatever the number of holdings."""
    return load_sql("brokerlens.suitability", "holdings_above_class").sql


def holdings_above_class(
    conn: duckdb.DuckDBPyConnection,
    as_of: dt.date,
    facts: dict[str, CustomerFacts] | Path,
    rules: Rules,
) -> HoldingsReport:
    """The report over the lake (DuckDB) from the holders' facts: computed ones, or the file a
    run kept (`daily.py`). `brokerlens run` computes it on its engine instead
    (`holdings_on_engine`), with the same query."""
    if isinstance(facts, Path):
        source = conn.read_parquet(str(facts))
    else:
        source = conn.from_arrow(facts_relation(facts))
    conn.register("holder_facts", source)
    _lake_held(conn, as_of)
    levels = [r["risk_level"] for r in rows(conn, RISK_LEVELS, {})]
    for name, table in grading_tables(levels, rules).items():
        conn.register(name, table)
    try:
        found = rows(conn, render(above_sql(), params=_params(as_of, rules)), {})
    finally:
        conn.unregister("holder_facts")
    return HoldingsReport(as_of, [_holding(r) for r in found])


def holdings_on_engine(
    engine: Engine, lake: LakeFiles, facts: Path, as_of: dt.date, rules: Rules, target: Path
) -> int:
    """`brokerlens run`'s holdings above class on its engine, from the facts it kept for T,
    written to `target` in the report's order; returns the rows."""
    for name, feed in (("held_positions", "positions"), ("held_products", "product_holdings")):
        files = lake.catalog.files_of(lake.layout, feed)
        latest = [p for day, p in files if day <= as_of and pq.ParquetFile(p).metadata.num_rows]
        engine.register_parquet(name, latest[-1:], feed_columns(feed))
    engine.register_parquet("holder_facts", [facts], HOLDER_COLUMNS)
    levels = engine.fetch(RISK_LEVELS).column("risk_level").to_pylist()
    for name, table in grading_tables(levels, rules).items():
        engine.register_table(name, table)
    return engine.write_parquet(above_sql(), target, _params(as_of, rules))


def _params(as_of: dt.date, rules: Rules) -> dict[str, Value]:
    return {"as_of": as_of, "lowest_max": rules.lowest_category_max_grade}


def grading_tables(risk_levels: list[Any], rules: Rules) -> dict[str, pa.Table]:
    """The grade of each security type, the rank of every grade text the holdings use (a
    product's risk level as delivered), and the highest grade each class matches."""
    texts = {str(level) for level in risk_levels} | set(rules.security_grades.values())
    texts |= set(rules.matching.values()) | {rules.lowest_category_max_grade}
    ranked = {t: _rank(t) for t in sorted(texts)}
    known = {t: r for t, r in ranked.items() if r is not None}
    return {
        "grade_types": pa.table(
            {
                "item_type": pa.array(list(rules.security_grades), pa.string()),
                "grade": pa.array(list(rules.security_grades.values()), pa.string()),
            }
        ),
        "grade_ranks": pa.table(
            {
                "grade": pa.array(list(known), pa.string()),
                "rank": pa.array(list(known.values()), pa.int32()),
            }
        ),
        "grade_allowed": pa.table(
            {
                "risk_class": pa.array(list(rules.matching), pa.string()),
                "grade": pa.array(list(rules.matching.values()), pa.string()),
            }
        ),
    }


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


def _rank(text: str) -> int | None:
    try:
        return grade_rank(text)
    except InvalidRequest:
        return None  # a level no rule knows: not graded, as before


def _holding(r: dict[str, Any]) -> Holding:
    return Holding(
        r["branch_id"], r["customer_id"], r["risk_class"], r["allowed"], r["kind"],
        r["item_id"], r["name"], r["grade"], float(r["market_value"]), r["reason"],
    )  # fmt: skip


# The kept report's columns (`Holding`'s, in its order) and its summary by branch
# (`HoldingsReport.branches()`), from the rows `holdings_on_engine` wrote: DuckDB reads them
# instead of a `Holding` each (2,000,000 rows above class at 3,000,000 customers).
HOLDING_COLUMNS = (
    "branch_id, customer_id, risk_class, allowed, kind, item_id, name, grade, "
    "CAST(market_value AS DOUBLE) AS market_value, reason"
)
HOLDINGS_ORDER = "branch_id NULLS FIRST, customer_id, kind, item_id"


def holdings_tables(conn: duckdb.DuckDBPyConnection, path: Path) -> tuple[pa.Table, pa.Table]:
    """The rows and the summary by branch of a report `holdings_on_engine` wrote."""
    source = f"read_parquet({literal(str(path))})"
    held = conn.sql(
        f"SELECT {HOLDING_COLUMNS} FROM {source} ORDER BY {HOLDINGS_ORDER}"
    ).to_arrow_table()
    summary = conn.sql(
        "SELECT branch_id, count(DISTINCT customer_id) AS customers, count(*) AS holdings, "
        f"CAST(sum(market_value) AS DOUBLE) AS market_value FROM {source} "
        "GROUP BY branch_id ORDER BY coalesce(branch_id, ''), branch_id NULLS FIRST"
    ).to_arrow_table()
    return held, summary
