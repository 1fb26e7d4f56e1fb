"""Suitability facts read from the lake with DuckDB (the warehouse's views), set-based.

One query gives every customer's (or the named customers') facts as of a business date: the
latest risk assessment delivered by then, total assets on the date, the mean over the last 20
loaded trading days (days before the account opened left out; a missing row counts as 0), the
first trade (not an IPO application) or holding seen, margin accounts and live service agreements.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from brokerlens.config import Settings
from brokerlens.engine.render import render
from brokerlens.engine.sqltext import ident
from brokerlens.errors import LakeError, NotFound
from brokerlens.suitability.daily import HOLDING, facts_sql, kept_query
from brokerlens.suitability.errors import AnswersError
from brokerlens.suitability.facts import Assessment, CustomerFacts, Target
from brokerlens.suitability.matching import product_horizon
from brokerlens.suitability.questionnaire import Definition, age_on, score_answers
from brokerlens.suitability.rules import Rules
from brokerlens.suitability.triggers import trigger_tables
from brokerlens.warehouse import open_warehouse

# The facts query's sources over the lake (the warehouse's are in `daily.py`): the last 20
# business dates with daily assets, and a day's assets or a trade (not an IPO application).
LAKE_DAYS = (
    "SELECT DISTINCT biz_date FROM daily_assets WHERE biz_date <= :as_of "
    "ORDER BY biz_date DESC LIMIT 20"
)
LAKE_ACTIVITY = f"""
SELECT customer_id, biz_date, total_assets, {HOLDING} AS active FROM daily_assets
WHERE customer_id IN (SELECT customer_id FROM facts_customers)
UNION ALL
SELECT customer_id, biz_date, NULL AS total_assets, true AS active FROM trades
WHERE trade_type <> 'ipo_subscribe' AND customer_id IN (SELECT customer_id FROM facts_customers)
"""


@contextmanager
def lake_connection(settings: Settings) -> Iterator[duckdb.DuckDBPyConnection]:
    conn = open_warehouse(settings)
    try:
        yield conn
    finally:
        conn.close()


def rows(conn: duckdb.DuckDBPyConnection, sql: str, params: dict[str, Any]) -> list[dict[str, Any]]:
    result = conn.execute(sql, params)
    names = [str(d[0]) for d in result.description or []]
    return [
        {n: float(v) if isinstance(v, Decimal) else v for n, v in zip(names, row, strict=True)}
        for row in result.fetchall()
    ]


def history_bounds(conn: duckdb.DuckDBPyConnection) -> tuple[dt.date, dt.date]:
    """The lake's first and last business dates with daily assets."""
    first, last = conn.execute("SELECT min(biz_date), max(biz_date) FROM daily_assets").fetchall()[
        0
    ]
    if first is None or last is None:
        raise LakeError(
            "the lake holds no daily_assets", hint="ingest a delivery with daily_assets"
        )
    return first, last


def resolve_as_of(conn: duckdb.DuckDBPyConnection, as_of: dt.date | None) -> dt.date:
    first, last = history_bounds(conn)
    if as_of is None:
        return last
    if as_of < first:
        raise LakeError(
            f"--as-of {as_of} is before the lake's first business date {first}",
            hint=f"give a date from {first} to {last}",
        )
    return as_of


def customer_facts(
    conn: duckdb.DuckDBPyConnection,
    as_of: dt.date,
    definitions: dict[str, Definition],
    customer_ids: list[str] | None = None,
    kept: Path | None = None,
) -> dict[str, CustomerFacts]:
    """Facts per customer (all, or the named ones) as of `as_of`: from the file `brokerlens
    run` kept for that date when there is one (`daily.py`), else from the lake."""
    if kept is not None:
        found = rows(conn, *kept_query(kept, customer_ids))
        return {r["customer_id"]: _facts(r, as_of, r["history_start"], definitions) for r in found}
    first, _ = history_bounds(conn)
    found = rows(conn, _lake_facts(conn, as_of, first, definitions, customer_ids), {})
    return {r["customer_id"]: _facts(r, as_of, first, definitions) for r in found}


def _lake_facts(
    conn: duckdb.DuckDBPyConnection,
    as_of: dt.date,
    first: dt.date,
    definitions: dict[str, Definition],
    customer_ids: list[str] | None,
) -> str:
    """The facts query with its sources defined over the lake on `conn`."""
    answers, ages = trigger_tables(definitions)
    conn.register("lowest_answer_triggers", answers)
    conn.register("lowest_age_limits", ages)
    customers = "SELECT * FROM customers"
    if customer_ids is not None:
        conn.register("facts_ids", pa.table({"customer_id": pa.array(customer_ids, pa.string())}))
        customers += " WHERE customer_id IN (SELECT customer_id FROM facts_ids)"
    for name, sql in (
        ("facts_customers", customers),
        ("facts_days", LAKE_DAYS),
        ("facts_activity", LAKE_ACTIVITY),
    ):
        view = render(sql, params={"as_of": as_of} if ":as_of" in sql else None)
        conn.execute(f"CREATE OR REPLACE TEMP VIEW {ident(name)} AS {view}")
    return render(facts_sql(), params={"as_of": as_of, "history_start": first})


def one_customer(
    conn: duckdb.DuckDBPyConnection,
    as_of: dt.date,
    definitions: dict[str, Definition],
    customer_id: str,
    kept: Path | None = None,
) -> CustomerFacts:
    found = customer_facts(conn, as_of, definitions, [customer_id], kept)
    if customer_id not in found:
        raise NotFound(
            f"customer {customer_id!r} is not in the lake",
            hint="give a customer_id of the customers feed, e.g. C000000001",
        )
    return found[customer_id]


def _facts(
    r: dict[str, Any], as_of: dt.date, first: dt.date, definitions: dict[str, Definition]
) -> CustomerFacts:
    assessment = _assessment(r)
    n_days = int(r["n_days"] or 0)
    return CustomerFacts(
        customer_id=r["customer_id"],
        as_of=as_of,
        name=r["name"] or "",
        customer_type=r["customer_type"] or "individual",
        branch_id=r["branch_id"],
        birth_date=r["birth_date"],
        open_date=r["open_date"],
        investor_class=r["investor_class"] or "ordinary",
        assessment=assessment,
        lowest_reasons=lowest_reasons(assessment, r["birth_date"], definitions),
        total_assets=r["total_assets"],
        assets_20d=(r["sum_20d"] or 0.0) / n_days if n_days else None,
        assets_days=n_days,
        first_seen=r["first_seen"],
        history_start=first,
        margin_or_futures=bool(r["margin_or_futures"]),
        services=frozenset(r["services"] or ()),
    )


def parse_answers(text: str | None) -> dict[str, str]:
    if not text:
        return {}
    try:
        data = json.loads(text)
    except json.JSONDecodeError:
        raise AnswersError("answers are not a JSON object") from None
    if not isinstance(data, dict):
        raise AnswersError("answers are not a JSON object of question id -> option id")
    return {str(k): str(v) for k, v in data.items()}


def _assessment(r: dict[str, Any]) -> Assessment | None:
    if r["assessment_id"] is None:
        return None
    try:
        answers = parse_answers(r["answers"])
    except AnswersError:
        answers = {}
    varieties = json.loads(r["varieties"]) if r["varieties"] else []
    return Assessment(
        assessment_id=r["assessment_id"],
        version=r["questionnaire_version"] or "",
        assess_date=r["assess_date"],
        score=r["score"],
        risk_class=r["risk_class"],
        horizon=r["horizon"],
        varieties=tuple(str(v) for v in varieties) if isinstance(varieties, list) else (),
        expire_date=r["expire_date"],
        answers=answers,
    )


def lowest_reasons(
    assessment: Assessment | None, birth: dt.date | None, definitions: dict[str, Definition]
) -> tuple[str, ...]:
    """Why the answers place the investor in the lowest category (none if unscorable)."""
    if assessment is None or assessment.version not in definitions:
        return ()
    try:
        scored = score_answers(
            definitions[assessment.version],
            assessment.answers,
            age=age_on(birth, assessment.assess_date),
        )
    except AnswersError:
        return ()
    return scored.lowest_reasons


def product_target(conn: duckdb.DuckDBPyConnection, product_id: str, rules: Rules) -> Target:
    found = rows(
        conn,
        "SELECT product_id, name, product_type, risk_level, term_days FROM products "
        "WHERE product_id = $id",
        {"id": product_id},
    )
    if not found:
        raise NotFound(
            f"product {product_id!r} is not in the lake",
            hint="give a product_id of the products feed, or a permission: "
            + ", ".join(rules.permissions),
        )
    p = found[0]
    return Target(
        kind="product",
        target_id=p["product_id"],
        name=p["name"] or p["product_id"],
        grade=p["risk_level"],
        horizon=product_horizon(p["term_days"], rules),
        variety=p["product_type"],
    )
