"""Views over the lake: latest and history of reference feeds, as-of queries, facts, logs."""

from __future__ import annotations

from pathlib import Path

import pytest

from brokerlens.config import Settings
from brokerlens.ingest import ingest_inbox
from brokerlens.warehouse import as_of_sql, open_warehouse, reference_as_of
from support.factories import (
    D1,
    D2,
    D3,
    fact_date,
    make_complaint,
    make_customer,
    query,
    reference_date,
    settings_for,
    write_feed,
)


@pytest.fixture
def lake(tmp_path: Path) -> Settings:
    """C1 normal on D1, dormant on D2, closed on D3; complaint Q1 opened D2 and closed D3."""
    inbox = tmp_path / "inbox"
    reference_date(inbox, D1)
    fact_date(inbox, D1)
    d2 = inbox / D2.isoformat()
    write_feed(d2, "customers", [make_customer("C1", status="dormant")])
    write_feed(d2, "complaints", [make_complaint("Q1"), make_complaint("Q2")])
    d3 = inbox / D3.isoformat()
    write_feed(d3, "customers", [make_customer("C1", status="closed", close_date="2025-01-06")])
    write_feed(d3, "complaints", [make_complaint("Q1", status="closed", close_date="2025-01-06")])
    settings = settings_for(tmp_path / "home")
    assert ingest_inbox(settings, inbox).exit_code == 0
    return settings


def test_reference_view_is_the_latest_version(lake: Settings) -> None:
    rows = query(lake, "select customer_id, status, valid_from from customers order by 1")
    assert rows == [("C1", "closed", D3), ("C2", "normal", D1), ("C3", "normal", D1)]


def test_history_has_validity_intervals(lake: Settings) -> None:
    rows = query(
        lake,
        "select status, valid_from, valid_to from customers_history "
        "where customer_id = 'C1' order by valid_from",
    )
    assert rows == [("normal", D1, D2), ("dormant", D2, D3), ("closed", D3, None)]


def test_reference_as_of_a_date(lake: Settings) -> None:
    conn = open_warehouse(lake, lock_down=False)
    try:
        on = {
            day: reference_as_of(conn, "customers", day)
            .filter("customer_id = 'C1'")
            .project("status")
            .fetchall()
            for day in (D1, D2, D3)
        }
    finally:
        conn.close()
    assert on == {D1: [("normal",)], D2: [("dormant",)], D3: [("closed",)]}
    sql = f"select count(*) from ({as_of_sql('customers', D2)})"
    assert query(lake, sql) == [(3,)]


def test_as_of_refuses_daily_facts() -> None:
    with pytest.raises(ValueError, match="daily fact"):
        as_of_sql("trades", D1)


def test_complaints_latest_and_history(lake: Settings) -> None:
    latest = query(lake, "select complaint_id, status from complaints order by 1")
    assert latest == [("Q1", "closed"), ("Q2", "open")]
    assert query(lake, "select count(*) from complaints_history") == [(3,)]


def test_fact_views_union_the_dates_with_lake_types(lake: Settings) -> None:
    assert query(lake, "select count(*), count(distinct biz_date) from daily_assets") == [(3, 1)]
    types = dict(query(lake, "select column_name, column_type from (describe trades)"))
    assert types["amount"] == "DECIMAL(18,2)" and types["price"] == "DECIMAL(18,4)"
    assert types["quantity"] == "BIGINT" and types["trade_time"] == "TIMESTAMP"
    assert types["biz_date"] == "DATE"


def test_feeds_never_delivered_are_empty_typed_views(lake: Settings) -> None:
    assert query(lake, "select count(*) from product_nav") == [(0,)]
    assert query(lake, "select count(*) from risk_assessments_history") == [(0,)]
    types = dict(query(lake, "select column_name, column_type from (describe product_nav)"))
    assert types["nav"] == "DOUBLE"


def test_ingest_log_and_quarantine_views(lake: Settings) -> None:
    log = query(lake, "select business_date, status, rows_loaded from ingest_log order by 1")
    assert log == [(D1, "loaded", 17), (D2, "loaded", 3), (D3, "loaded", 2)]
    assert query(lake, "select count(*) from quarantine") == [(0,)]
    feeds = query(
        lake, "select feeds->>'$.customers.loaded' from ingest_log order by business_date"
    )
    assert feeds[0] == ("3",)
