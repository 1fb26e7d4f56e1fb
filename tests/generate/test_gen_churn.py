# ruff: noqa: E501
"""Churn happens for reasons whose signals show in the feeds before the churn date."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd
import pytest
from gen_checks import generated


def _sql(out: Path) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    for feed in (
        "daily_assets",
        "fund_transfers",
        "contacts",
        "accounts",
        "customers",
        "trades",
        "index_quotes",
    ):
        con.execute(
            f"create table {feed} as select * from read_csv('{out}/20*/{feed}.csv', header=true,"
            " union_by_name=true, filename=true)"
        )
    con.execute(
        f"create table truth as select * from read_parquet('{out}/_ground_truth/customers.parquet')"
    )
    return con


@pytest.fixture(scope="module")
def churned() -> tuple[Path, pd.DataFrame, duckdb.DuckDBPyConnection]:
    out = generated(customers=6000, days=45)
    con = _sql(out)
    truth = con.execute("select * from truth where churn_date is not null").df()
    return out, truth, con


def test_churn_comes_weeks_after_its_signal(
    churned: tuple[Path, pd.DataFrame, duckdb.DuckDBPyConnection],
) -> None:
    _, truth, con = churned
    assert len(truth) >= 20
    assert set(truth.churn_kind) == {"hard", "soft"}
    assert set(truth.churn_cause) == {
        "underperformance",
        "no_service_contact",
        "cheaper_competitor",
    }
    days = (
        con.execute("select distinct biz_date from daily_assets order by 1").df().biz_date.tolist()
    )
    pos = {pd.Timestamp(d): i for i, d in enumerate(days)}
    gap = [
        pos[pd.Timestamp(r.churn_date)] - pos[pd.Timestamp(r.signal_date)]
        for r in truth.itertuples()
    ]
    assert min(gap) >= 10


def test_hard_churners_accounts_close_and_money_leaves_first(
    churned: tuple[Path, pd.DataFrame, duckdb.DuckDBPyConnection],
) -> None:
    _, _, con = churned
    rows = con.execute(
        """
        select t.customer_id, t.churn_date,
          (select count(*) from accounts a where a.customer_id = t.customer_id
             and a.status in ('closed', 'transferred_out', 'designation_cancelled')
             and a.close_date = t.churn_date) as closed_accounts,
          (select any_value(c.status) from customers c where c.customer_id = t.customer_id
             and cast(regexp_extract(c.filename, '(\\d{4}-\\d{2}-\\d{2})', 1) as date)
                 = t.churn_date) as status,
          (select count(*) from fund_transfers f where f.customer_id = t.customer_id and f.direction = 'out'
             and f.biz_date between t.signal_date and t.churn_date) as outs,
          (select count(*) from daily_assets d where d.customer_id = t.customer_id and d.biz_date > t.churn_date) as later,
          (select count(*) from trades x where x.customer_id = t.customer_id and x.biz_date > t.churn_date) as trades_later,
          (select max(total_assets) from daily_assets d where d.customer_id = t.customer_id and d.biz_date = t.signal_date) as at_signal
        from truth t where t.churn_kind = 'hard'
        """
    ).df()
    assert len(rows) > 5
    assert (rows.closed_accounts >= 1).all()
    assert (rows.status == "closed").all()
    assert (rows.later == 0).all() and (rows.trades_later == 0).all()
    assert (rows[rows.at_signal > 100].outs >= 1).all()


def test_churners_are_emptied_on_their_churn_date(
    churned: tuple[Path, pd.DataFrame, duckdb.DuckDBPyConnection],
) -> None:
    _, _, con = churned
    rows = con.execute(
        """
        select t.customer_id, t.churn_kind, d.available_cash,
               d.stock_value + d.fund_value + d.bond_value + d.product_value + d.other_value as invested
        from truth t join daily_assets d on d.customer_id = t.customer_id and d.biz_date = t.churn_date
        where t.churn_date is not null
        """
    ).df()
    assert len(rows) > 10
    assert (rows.available_cash == 0).all()
    assert (rows.invested == 0).all()


def test_signals_are_visible_before_churn(
    churned: tuple[Path, pd.DataFrame, duckdb.DuckDBPyConnection],
) -> None:
    _, _, con = churned
    quiet = con.execute(
        """select count(*) from contacts c join truth t using (customer_id)
           where t.churn_cause = 'no_service_contact' and c.biz_date <= t.churn_date"""
    ).fetchone()
    assert quiet == (0,)
    competitor = con.execute(
        """select count(*) filter (where outs = 0), count(*) from (
             select t.customer_id, (select count(*) from fund_transfers f where f.customer_id = t.customer_id
               and f.direction = 'out' and f.biz_date = t.signal_date) outs
             from truth t where t.churn_cause = 'cheaper_competitor' and t.churn_date is not null)"""
    ).fetchone()
    assert competitor is not None and competitor[1] > 0 and competitor[0] <= competitor[1] * 0.2
    # underperformers: their money-weighted return up to the signal lags the index
    lag = con.execute(
        """
        with days as (select biz_date, row_number() over (order by biz_date) - 1 as t
                      from (select distinct biz_date from daily_assets)),
        sig as (select tr.customer_id, s.t as st, greatest(s.t - s.t % 5 - 20, 0) as bt
                from truth tr join days s on s.biz_date = tr.signal_date
                where tr.churn_cause = 'underperformance' and tr.churn_date is not null),
        calc as (
          select sig.customer_id,
            (select total_assets from daily_assets d join days x using (biz_date) where d.customer_id = sig.customer_id and x.t = sig.st) as a1,
            (select total_assets from daily_assets d join days x using (biz_date) where d.customer_id = sig.customer_id and x.t = sig.bt) as a0,
            (select coalesce(sum(case when direction = 'in' then amount else -amount end), 0) from fund_transfers f join days x using (biz_date)
               where f.customer_id = sig.customer_id and x.t > sig.bt and x.t <= sig.st) as flow,
            (select close from index_quotes i join days x using (biz_date) where i.index_id = '000001.SH' and x.t = sig.st) as i1,
            (select close from index_quotes i join days x using (biz_date) where i.index_id = '000001.SH' and x.t = sig.bt) as i0
          from sig)
        select count(*) filter (where (a1 - a0 - flow) / a0 - (i1 / i0 - 1) < -0.08), count(*) from calc
        """
    ).fetchone()
    assert lag is not None and lag[1] > 0 and lag[0] == lag[1]
