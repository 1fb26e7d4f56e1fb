"""The run step "channels and timing" over the small generated brokerage (600 customers, 12
days from 2025-03-03): the funnel per channel equals a direct count over the lake's feeds, never
increases along the stages, and the timing file's weekday totals equal the trades' sums."""

from __future__ import annotations

import datetime as dt
import shutil
from collections import defaultdict
from decimal import Decimal

import duckdb
import pyarrow.parquet as pq
import pytest

from brokerlens.config import Settings, load_settings
from brokerlens.lake.catalog import read_catalog
from brokerlens.lake.layout import LakeLayout
from brokerlens.pipeline.single import run_single_step
from brokerlens.warehouse.layout import WarehouseLayout
from brokerlens.warehouse.views import create_views
from support.brokerage import Brokerage

AS_OF = dt.date(2025, 3, 18)
FIRST_DAY = dt.date(2025, 3, 3)
STAGES = ("opened", "funded", "traded", "active_3m", "active_12m")


@pytest.fixture(scope="module")
def ran(small_brokerage: Brokerage, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    home = tmp_path_factory.mktemp("channels") / "home"
    shutil.copytree(small_brokerage.settings.home, home)
    settings = load_settings(home=home)
    for step in ("customer_day", "channels and timing"):
        run_single_step(settings, step)
    return settings


@pytest.fixture(scope="module")
def lake(ran: Settings) -> duckdb.DuckDBPyConnection:
    layout = LakeLayout(ran.lake_dir)
    conn = duckdb.connect()
    create_views(conn, layout, read_catalog(layout))
    return conn


def test_the_funnel_per_channel_is_a_direct_count_over_the_lake(
    ran: Settings, lake: duckdb.DuckDBPyConnection
) -> None:
    rows = pq.read_table(WarehouseLayout(ran.warehouse_dir).channel_funnel_file(AS_OF)).to_pylist()
    kept: dict[str, list[int]] = defaultdict(lambda: [0] * 5)
    inflow: dict[str, int] = defaultdict(int)
    for r in rows:
        for i, stage in enumerate(STAGES):
            kept[r["open_channel"]][i] += r[stage]
        inflow[r["open_channel"]] += r["net_inflow_cents"]
        assert r["due_3m"] == 0 and r["due_12m"] == 0  # opened this month: nothing due yet
    direct = lake.execute(
        """
        WITH c AS (
            SELECT customer_id, open_channel FROM customers
            WHERE open_date >= ? AND open_date <= ?
        ),
        funded AS (
            SELECT customer_id FROM fund_transfers WHERE direction = 'in' AND amount > 0
            UNION SELECT customer_id FROM daily_assets WHERE total_assets > 0
        ),
        traded AS (SELECT DISTINCT customer_id FROM trades WHERE trade_type <> 'ipo_subscribe'),
        flows AS (
            SELECT customer_id,
                sum(CASE WHEN direction = 'in' THEN amount ELSE -amount END) AS net
            FROM fund_transfers GROUP BY customer_id
        )
        SELECT c.open_channel, count(*),
            count(f.customer_id),
            count(CASE WHEN f.customer_id IS NOT NULL THEN t.customer_id END),
            CAST(round(coalesce(sum(w.net), 0) * 100) AS BIGINT)
        FROM c
        LEFT JOIN funded f USING (customer_id)
        LEFT JOIN traded t USING (customer_id)
        LEFT JOIN flows w USING (customer_id)
        GROUP BY c.open_channel
        """,
        [FIRST_DAY, AS_OF],
    ).fetchall()
    assert direct, "the small brokerage opens accounts in its 12 days"
    assert {ch: kept[ch][:3] for ch in kept} == {ch: [n, f, t] for ch, n, f, t, _ in direct}
    assert dict(inflow) == {ch: net for ch, *_, net in direct}
    for counts in kept.values():
        assert counts == sorted(counts, reverse=True)


def test_the_weekday_totals_equal_the_sums_over_the_trades(
    ran: Settings, lake: duckdb.DuckDBPyConnection
) -> None:
    rows = pq.read_table(WarehouseLayout(ran.warehouse_dir).timing_file(AS_OF)).to_pylist()
    kept: dict[int, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for r in rows:
        k = kept[r["biz_date"].isoweekday()]
        k[0] += r["turnover_cents"]
        k[1] += r["trades"]
        k[2] += r["net_commission_cents"]
        k[3] += r["new_accounts"]
    direct = lake.execute(
        """
        SELECT isodow(biz_date),
            sum(CASE WHEN trade_type <> 'ipo_subscribe' THEN amount ELSE 0 END),
            count(CASE WHEN trade_type <> 'ipo_subscribe' THEN 1 END),
            sum(net_commission)
        FROM trades GROUP BY 1
        """
    ).fetchall()
    opened = dict(
        lake.execute(
            "SELECT isodow(open_date), count(*) FROM customers WHERE open_date >= ? "
            "AND open_date <= ? GROUP BY 1",
            [FIRST_DAY, AS_OF],
        ).fetchall()
    )
    assert len(direct) == 5  # Monday to Friday
    for weekday, turnover, trades, commission in direct:
        assert kept[weekday][:3] == [
            int(Decimal(turnover) * 100),
            trades,
            int(Decimal(commission) * 100),
        ]
        assert kept[weekday][3] == opened.get(weekday, 0)


def test_the_index_file_has_one_move_per_loaded_day(ran: Settings) -> None:
    index = pq.read_table(WarehouseLayout(ran.warehouse_dir).timing_index_file(AS_OF)).to_pylist()
    assert len(index) == 12
    assert {r["index_id"] for r in index} == {"000001.SH"}
    assert all(abs(r["change"] - (r["close"] / r["prev_close"] - 1)) < 1e-12 for r in index)


def test_a_second_run_builds_no_day_part_again(ran: Settings) -> None:
    _, outcome = run_single_step(ran, "channels and timing")
    assert "0 part(s) built" in outcome.result.note
