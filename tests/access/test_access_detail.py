"""The 360's lake facts and the assets curve on the small brokerage's loaded lake, checked
against plain queries over the warehouse views (every date)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from brokerlens.access.detail import RECENT_TRADES, assets_history, customer_facts
from brokerlens.warehouse.query import open_warehouse
from support.brokerage import Brokerage

pytestmark = pytest.mark.slow


def _one(conn: Any, sql: str, params: list[Any] | None = None) -> Any:
    return conn.execute(sql, params or []).fetchall()


@pytest.fixture(scope="module")
def lake(small_brokerage: Brokerage) -> tuple[Any, dt.date, str]:
    conn = open_warehouse(small_brokerage.settings)
    (as_of,) = _one(conn, "SELECT max(biz_date) FROM daily_assets")[0]
    # The customer with the most trades who also holds positions on the last date.
    ((customer,),) = _one(
        conn,
        "SELECT t.customer_id FROM trades t JOIN positions p ON p.customer_id = t.customer_id "
        "AND p.biz_date = ? GROUP BY t.customer_id ORDER BY count(*) DESC, 1 LIMIT 1",
        [as_of],
    )
    return conn, as_of, customer


def test_facts_match_the_warehouse(
    small_brokerage: Brokerage, lake: tuple[Any, dt.date, str]
) -> None:
    conn, as_of, customer = lake
    facts = customer_facts(small_brokerage.settings, customer, as_of)
    positions = _one(
        conn,
        "SELECT security_id, market_value FROM positions WHERE customer_id = ? AND biz_date = ?",
        [customer, as_of],
    )
    assert sorted((p["security_id"], p["market_value"]) for p in facts.positions) == sorted(
        (s, float(v)) for s, v in positions
    )
    assert all(p["security_name"] for p in facts.positions)
    trades = _one(
        conn,
        "SELECT trade_id FROM trades WHERE customer_id = ? AND biz_date <= ? "
        "ORDER BY biz_date DESC, trade_time DESC, trade_id DESC LIMIT ?",
        [customer, as_of, RECENT_TRADES],
    )
    assert [t["trade_id"] for t in facts.recent_trades] == [t for (t,) in trades]
    transfers = _one(
        conn,
        "SELECT count(*) FROM fund_transfers WHERE customer_id = ? AND biz_date <= ? "
        "AND biz_date > ?",
        [customer, as_of, as_of - dt.timedelta(days=90)],
    )
    assert len(facts.transfers) == transfers[0][0]
    holdings = _one(
        conn,
        "SELECT count(*) FROM product_holdings WHERE customer_id = ? AND biz_date = ?",
        [customer, as_of],
    )
    assert len(facts.product_holdings) == holdings[0][0]
    contacts = _one(
        conn,
        "SELECT count(*) FROM contacts WHERE customer_id = ? AND biz_date > ?",
        [customer, as_of - dt.timedelta(days=90)],
    )
    assert len(facts.contacts) == contacts[0][0]
    latest = _one(
        conn,
        "SELECT assessment_id FROM risk_assessments WHERE customer_id = ? AND assess_date <= ? "
        "ORDER BY assess_date DESC, assessment_id DESC LIMIT 1",
        [customer, as_of],
    )
    got = facts.risk_assessment
    assert (got["assessment_id"] if got else None) == (latest[0][0] if latest else None)
    agreements = _one(
        conn, "SELECT count(*) FROM service_agreements WHERE customer_id = ?", [customer]
    )
    assert len(facts.agreements) == agreements[0][0]


def test_unknown_customer_has_no_facts(
    small_brokerage: Brokerage, lake: tuple[Any, dt.date, str]
) -> None:
    _, as_of, _ = lake
    facts = customer_facts(small_brokerage.settings, "no-such' OR 1=1 --", as_of)
    assert facts.positions == [] and facts.recent_trades == []
    assert facts.risk_assessment is None


def test_assets_curve_with_the_index(
    small_brokerage: Brokerage, lake: tuple[Any, dt.date, str]
) -> None:
    conn, as_of, customer = lake
    points = assets_history(small_brokerage.settings, customer, as_of)
    expected = _one(
        conn,
        "SELECT a.biz_date, a.total_assets, i.close FROM daily_assets a LEFT JOIN index_quotes i "
        "ON i.biz_date = a.biz_date AND i.index_id = '000300.SH' "
        "WHERE a.customer_id = ? ORDER BY a.biz_date",
        [customer],
    )
    assert [(p.biz_date, p.total_assets, p.index_close) for p in points] == [
        (d, float(t), float(c) if c is not None else None) for d, t, c in expected
    ]
    assert len(points) == 12 and all(p.index_close is not None for p in points)
    # Only the dates up to the as-of date, and at most `dates` of them.
    short = assets_history(small_brokerage.settings, customer, points[5].biz_date, dates=3)
    assert [p.biz_date for p in short] == [p.biz_date for p in points[3:6]]
