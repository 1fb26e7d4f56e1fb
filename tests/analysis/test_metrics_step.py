"""The run step "business metrics" on the small brokerage: the figures a manager reads on a
dashboard agree with the lake, add up across the org tree and its cuts, and say "no
comparison" where the lake lacks the history."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from brokerlens.config import Settings
from brokerlens.engine.sqltext import literal
from brokerlens.lake.catalog import read_catalog
from brokerlens.lake.layout import LakeLayout
from brokerlens.warehouse.layout import WarehouseLayout
from brokerlens.warehouse.served import kept_dates, kept_file, newest_date
from brokerlens.warehouse.views import create_computed_views, create_views

ADDITIVE = ("customers", "new_accounts", "turnover", "net_commission", "net_inflow", "total_assets")


def _lake(settings: Settings) -> duckdb.DuckDBPyConnection:
    conn = duckdb.connect()
    layout = LakeLayout(settings.lake_dir)
    create_views(conn, layout, read_catalog(layout))
    create_computed_views(conn, WarehouseLayout(settings.warehouse_dir))
    return conn


def _t(settings: Settings) -> dt.date:
    found = newest_date(settings, "metrics")
    assert found is not None
    return found


def _metrics(settings: Settings) -> Path:
    path = kept_file(settings, "metrics", _t(settings))
    assert path is not None
    return path


def _value(conn: duckdb.DuckDBPyConnection, path: Path, where: str) -> Decimal:
    row = conn.sql(f"SELECT value FROM read_parquet({literal(str(path))}) WHERE {where}").fetchall()
    assert len(row) == 1, where
    return row[0][0]


def test_the_day_turnover_and_customers_of_the_brokerage_equal_the_lake(analysed: Settings) -> None:
    conn, path, t = _lake(analysed), _metrics(analysed), _t(analysed)
    hq = "level = 'hq' AND dimension = '' AND period = 'day'"
    day = literal(t.isoformat())
    trades = conn.sql(
        "SELECT CAST(sum(amount) AS DECIMAL(38, 2)), CAST(sum(net_commission) AS DECIMAL(38, 2)) "
        f"FROM trades WHERE biz_date = {day} AND trade_type <> 'ipo_subscribe'"
    ).fetchall()[0]
    assert trades is not None and trades[0] > 0
    assert _value(conn, path, f"{hq} AND metric = 'turnover'") == trades[0]
    open_now = conn.sql(
        f"SELECT count(*) FROM customers WHERE open_date <= {day} "
        f"AND (close_date IS NULL OR close_date > {day})"
    ).fetchall()[0]
    assert open_now is not None
    assert _value(conn, path, f"{hq} AND metric = 'customers'") == open_now[0]
    # a rate is its two sums divided
    active = _value(conn, path, f"{hq} AND metric = 'active_customers'")
    rate = _value(conn, path, f"{hq} AND metric = 'active_rate'")
    assert abs(float(rate) - float(active) / open_now[0]) < 1e-6


@pytest.mark.parametrize("metric", ADDITIVE)
def test_the_brokerage_is_the_sum_of_its_branches_and_of_each_cut(
    analysed: Settings, metric: str
) -> None:
    path = literal(str(_metrics(analysed)))
    rows = duckdb.sql(
        f"SELECT period, level, dimension, sum(numerator) FROM read_parquet({path}) "
        f"WHERE metric = {literal(metric)} AND level IN ('hq', 'branch') "
        "GROUP BY ALL ORDER BY ALL"
    ).fetchall()
    by = {(p, lv, d): v for p, lv, d, v in rows}
    periods = {p for p, _, _ in by}
    assert {"day", "month", "year"} <= periods
    for period in periods:
        whole = by[(period, "hq", "")]
        assert by[(period, "branch", "")] == whole, (metric, period)
        for dim in ("tier", "channel", "customer_type", "age_band"):
            assert by[(period, "hq", dim)] == whole, (metric, period, dim)


def test_a_comparison_needs_the_whole_period_in_the_lake(analysed: Settings) -> None:
    """The small brokerage starts on 2025-03-03: the previous day and last week to the same
    weekday are compared, last month's same period and last year's are not (they would be a
    partial month, not the month)."""
    path = literal(str(_metrics(analysed)))
    found = duckdb.sql(f"SELECT DISTINCT period FROM read_parquet({path})").fetchall()
    periods = {p for (p,) in found}
    assert periods == {"day", "day_prev", "week", "week_prev", "month", "year"}


def test_the_daily_trend_adds_up_to_the_day_figures(analysed: Settings) -> None:
    t = _t(analysed)
    months = kept_dates(analysed, "metric_trend")
    assert months and months[-1] == t.replace(day=1)
    trend = kept_file(analysed, "metric_trend", months[-1])
    assert trend is not None
    got = duckdb.sql(
        "SELECT sum(turnover) FROM read_parquet(?) WHERE level = 'branch' AND biz_date = ?",
        params=[str(trend), t],
    ).fetchall()[0]
    conn = _lake(analysed)
    assert got is not None
    hq = "level = 'hq' AND dimension = '' AND period = 'day' AND metric = 'turnover'"
    assert got[0] == _value(conn, _metrics(analysed), hq)
    loaded = duckdb.sql(
        "SELECT count(DISTINCT biz_date) FROM read_parquet(?)", params=[str(trend)]
    ).fetchall()[0]
    assert loaded is not None and loaded[0] == len(
        [
            d
            for d in read_catalog(LakeLayout(analysed.lake_dir)).dates
            if d.replace(day=1) == months[-1]
        ]
    )


def test_brokerlens_sql_shows_metrics_daily(analysed: Settings) -> None:
    conn = _lake(analysed)
    rows = conn.sql(
        "SELECT metric, value FROM metrics_daily WHERE level = 'hq' AND metric = 'customers'"
    ).fetchall()
    assert len(rows) == 1 and rows[0][1] > 0
