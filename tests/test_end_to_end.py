"""generate -> ingest -> sql on a small brokerage, as an operator would run it."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pyarrow.parquet as pq

from brokerlens.contract.manifest import read_manifest
from brokerlens.warehouse import run_query
from support.brokerage import Brokerage
from support.cli import brokerlens


def scalar(b: Brokerage, sql: str) -> object:
    return run_query(b.settings, sql).rows[0][0]


def test_every_delivered_row_is_in_the_lake(small_brokerage: Brokerage) -> None:
    delivered: dict[str, int] = {}
    for folder in sorted(p for p in small_brokerage.inbox.iterdir() if p.name[:2] == "20"):
        manifest = read_manifest(folder)
        assert manifest is not None
        for name, entry in manifest.feeds.items():
            delivered[name] = delivered.get(name, 0) + entry.rows
    for name in ("daily_assets", "positions", "trades", "fund_transfers", "quotes"):
        assert scalar(small_brokerage, f"select count(*) from {name}") == delivered[name], name
    history = scalar(small_brokerage, "select count(*) from customers_history")
    assert history == delivered["customers"]
    assert scalar(small_brokerage, "select count(*) from quarantine") == 0


def test_loaded_assets_reconcile_with_positions_and_products(small_brokerage: Brokerage) -> None:
    # Warrants and repo are valued in other_value; OTC products in product_value.
    unreconciled = scalar(
        small_brokerage,
        """
        with pos as (
            select p.biz_date, p.customer_id, sum(p.market_value) as value
            from positions p group by all
        ), prod as (
            select biz_date, customer_id, sum(market_value) as value
            from product_holdings group by all
        )
        select count(*) from daily_assets a
        left join pos using (biz_date, customer_id)
        left join prod using (biz_date, customer_id)
        where a.total_assets <> a.cash + a.stock_value + a.fund_value + a.bond_value
                               + a.product_value + a.other_value - a.liabilities
           or a.stock_value + a.fund_value + a.bond_value + a.other_value
              <> coalesce(pos.value, 0)
           or a.product_value <> coalesce(prod.value, 0)
        """,
    )
    assert unreconciled == 0


def test_reference_history_answers_as_of_a_date(small_brokerage: Brokerage) -> None:
    first = scalar(small_brokerage, "select min(biz_date) from daily_assets")
    assert isinstance(first, dt.date)
    on_first = scalar(
        small_brokerage,
        f"select count(*) from customers_history where valid_from <= date '{first}' "
        f"and (valid_to is null or valid_to > date '{first}')",
    )
    assert on_first == scalar(
        small_brokerage, f"select count(*) from daily_assets where biz_date = date '{first}'"
    )


def test_the_cli_round_trip(small_brokerage: Brokerage, tmp_path: Path) -> None:
    result = brokerlens(
        "sql",
        "select count(distinct biz_date) as days from daily_assets",
        "--format",
        "json",
        env={"BROKERLENS_HOME": str(small_brokerage.settings.home)},
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == [{"days": 12}]


def test_injected_bad_rows_are_exactly_what_is_quarantined(tmp_path: Path) -> None:
    """Every bad row the generator injected is quarantined at its line with its rule, and
    nothing else is."""
    from brokerlens.config import load_settings
    from brokerlens.generate import GenerateOptions, generate
    from brokerlens.ingest import ingest_inbox

    inbox = tmp_path / "inbox"
    generate(
        GenerateOptions(
            out=inbox, customers=3000, days=3, start=dt.date(2025, 3, 3), seed=5, bad_rows=0.003
        )
    )
    settings = load_settings(home=tmp_path / "home", quarantine_threshold=0.5)
    report = ingest_inbox(settings, inbox)
    assert report.exit_code == 1
    truth = pq.read_table(inbox / "_ground_truth" / "bad_rows.parquet").to_pylist()
    expected = {(str(r["biz_date"]), r["feed"], r["line"], r["rule"]) for r in truth}
    found = {
        (str(d), f, line, rule)
        for d, f, line, rule in run_query(
            settings, "select business_date, feed, line, rule from quarantine"
        ).rows
    }
    assert expected, "the generator injected no bad rows"
    assert found == expected
