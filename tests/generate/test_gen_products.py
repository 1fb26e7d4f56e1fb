"""Products have a history since launch; purchases have reasons; the oracle is in the truth."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from brokerlens.generate import GenerateOptions, generate
from brokerlens.generate.options import GROUND_TRUTH_DIR

FIRST = dt.date(2025, 1, 2)


@pytest.fixture(scope="module")
def brokerage(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("products") / "out"
    generate(GenerateOptions(out=out, customers=4000, days=120, seed=11))
    return out


def feed(out: Path, name: str) -> pd.DataFrame:
    parts = [pd.read_csv(p, dtype=str) for p in sorted(out.glob(f"20*/{name}.csv"))]
    return pd.concat(parts, ignore_index=True)


@pytest.fixture(scope="module")
def frames(brokerage: Path) -> dict[str, pd.DataFrame]:
    products = feed(brokerage, "products").drop_duplicates("product_id", keep="last")
    products["risk"] = products.risk_level.str[1].astype(int)
    products["term"] = pd.to_numeric(products.term_days)
    trades = feed(brokerage, "product_trades")
    for col in ("amount", "fee"):
        trades[col] = trades[col].astype(float)
    nav = pd.concat([feed(brokerage, "product_nav_backfill"), feed(brokerage, "product_nav")])
    nav["acc_nav"] = nav.acc_nav.astype(float)
    truth = pd.read_parquet(brokerage / GROUND_TRUTH_DIR / "customers.parquet")
    return {"products": products, "trades": trades, "nav": nav, "truth": truth}


def test_nav_history_since_launch_is_delivered_once_and_plausible(
    brokerage: Path, frames: dict[str, pd.DataFrame]
) -> None:
    folders = sorted(p.parent.name for p in brokerage.glob("20*/product_nav_backfill.csv"))
    assert folders == [FIRST.isoformat()]
    back = feed(brokerage, "product_nav_backfill")
    assert (back.biz_date < FIRST.isoformat()).all()
    assert back.biz_date.min() >= "2020-01-01"  # at most five years back
    products = frames["products"].set_index("product_id")
    span = back.groupby("product_id").biz_date.agg(["min", "max"])
    launch = products.launch_date.reindex(span.index)
    assert (span["min"] >= launch).all()  # nothing before launch
    old = launch[launch <= "2021-12-31"].index
    long = pd.to_datetime(span.loc[old, "max"]) - pd.to_datetime(span.loc[old, "min"])
    assert len(old) >= 10 and (long.dt.days >= 3 * 365 - 10).all()
    # products launched inside the window have no history before it
    fresh = products[products.launch_date > FIRST.isoformat()].index
    assert len(fresh) and not back.product_id.isin(fresh).any()
    # money market: ~2%/yr without a wobble; equity funds: ~20-25%/yr volatility, drawdowns
    nav = frames["nav"].sort_values("biz_date")
    kind = products.product_type
    stats = {}
    for pid, s in nav.groupby("product_id").acc_nav:
        r = np.log(s.to_numpy()).__array__()
        d = np.diff(r)
        if len(d) > 250:
            dd = (s / s.cummax() - 1).min()
            stats[pid] = (kind[pid], d.mean() * 250, d.std() * np.sqrt(250), dd)
    table = pd.DataFrame(stats, index=["type", "ret", "vol", "mdd"]).T
    mm = table[table.type == "money_market"]
    assert mm.ret.between(0.012, 0.035).all() and (mm.vol < 0.01).all()
    assert (mm.mdd > -0.001).all()
    eq = table[table.type == "equity_fund"]
    assert eq.vol.astype(float).median() > 0.13 and eq.vol.astype(float).median() < 0.35
    assert eq.mdd.astype(float).median() < -0.15
    bond = table[table.type == "bond_fund"]
    assert bond.vol.astype(float).median() < 0.05


def test_equity_funds_move_with_the_csi_300(
    brokerage: Path, frames: dict[str, pd.DataFrame]
) -> None:
    index = feed(brokerage, "index_quotes")
    csi = index[index.index_id == "000300.SH"].set_index("biz_date").close.astype(float)
    csi_ret = csi.pct_change().dropna()
    products = frames["products"].set_index("product_id")
    daily = feed(brokerage, "product_nav")
    daily["nav"] = daily.nav.astype(float)
    corr = []
    for pid in products[products.product_type.isin(["equity_fund", "index_fund"])].index:
        s = daily[daily.product_id == pid].set_index("biz_date").nav.pct_change().dropna()
        both = pd.concat([s, csi_ret], axis=1, join="inner")
        if len(both) > 60:
            corr.append(both.corr().iloc[0, 1])
    assert len(corr) > 10 and np.median(corr) > 0.6


def purchases(frames: dict[str, pd.DataFrame]) -> pd.DataFrame:
    t = frames["trades"]
    buys = t[t.action.isin(["purchase", "subscribe"])]
    buys = buys.join(frames["products"].set_index("product_id"), on="product_id")
    return buys.join(frames["truth"].set_index("customer_id"), on="customer_id")


def test_customers_buy_products_that_match_their_risk_appetite(
    frames: dict[str, pd.DataFrame],
) -> None:
    buys = purchases(frames)
    # within the bond & money group the choice alone decides: cautious customers buy money
    # market (R1) funds more, bolder ones bond (R2) funds
    low = buys[buys.product_type.isin(["money_market", "bond_fund"])]
    by_appetite = low.groupby("true_risk_appetite").risk.mean()
    assert by_appetite.loc[by_appetite.index >= 3].min() > by_appetite.loc[1] + 0.15
    # within equity-like funds: appetite 4-5 buy more R4 than appetite 2-3
    eq = buys[buys.product_type.isin(["hybrid_fund", "equity_fund", "index_fund"])]
    high = (eq[eq.true_risk_appetite >= 4].risk >= 4).mean()
    mid = (eq[eq.true_risk_appetite <= 3].risk >= 4).mean()
    assert high > mid + 0.15


def test_flows_follow_the_last_months_returns(frames: dict[str, pd.DataFrame]) -> None:
    nav = frames["nav"].pivot_table(index="biz_date", columns="product_id", values="acc_nav")
    trail = nav / nav.shift(60) - 1
    products = frames["products"].set_index("product_id")
    groups = {
        "equity": ["hybrid_fund", "equity_fund", "index_fund"],
        "bond": ["bond_fund"],
    }
    buys = purchases(frames)
    dates = list(nav.index)
    above = []
    for types in groups.values():
        members = products[products.product_type.isin(types)].index
        g = buys[buys.product_id.isin(members)]
        for day, rows in g.groupby("biz_date"):
            i = dates.index(day)
            ranks = trail.iloc[i - 1][members].dropna().rank(pct=True)
            above += list(ranks.reindex(rows.product_id).dropna() > 0.5)
    assert len(above) > 1000
    assert np.mean(above) > 0.6  # better-performing products take most of the flows


def test_money_freed_by_a_maturity_is_reinvested(frames: dict[str, pd.DataFrame]) -> None:
    t = frames["trades"]
    termed = frames["products"][frames["products"].term.notna()].product_id
    paid = t[(t.action == "redeem") & t.product_id.isin(termed) & (t.fee == 0)]
    assert paid.customer_id.nunique() > 20
    buys = t[t.action.isin(["purchase", "subscribe"])]
    bought = set(zip(buys.biz_date, buys.customer_id, strict=True))
    pairs = set(zip(paid.biz_date, paid.customer_id, strict=True))
    again = np.mean([p in bought for p in pairs])
    others = t[(t.action == "redeem") & ~t.product_id.isin(termed)]
    other_pairs = set(zip(others.biz_date, others.customer_id, strict=True)) - pairs
    base = np.mean([p in bought for p in other_pairs])
    assert again > 0.4 and again > 4 * base


def test_loyalty_to_a_manager(frames: dict[str, pd.DataFrame]) -> None:
    buys = purchases(frames).sort_values("biz_date")
    seen: dict[str, set[str]] = {}
    same, chance = [], []
    share = buys.manager.value_counts(normalize=True)  # the chance of a repeat by popularity
    for cust, manager in zip(buys.customer_id, buys.manager, strict=True):
        before = seen.setdefault(cust, set())
        if before:
            same.append(manager in before)
            chance.append(share[list(before)].sum())
        before.add(manager)
    assert len(same) > 300
    assert np.mean(same) > np.mean(chance) + 0.1


def test_the_oracle_propensity_is_in_the_ground_truth_and_fits_the_purchases(
    brokerage: Path, frames: dict[str, pd.DataFrame]
) -> None:
    oracle = pd.read_parquet(brokerage / GROUND_TRUTH_DIR / "product_propensity.parquet")
    assert list(oracle.columns) == ["as_of_date", "customer_id", "product_id", "propensity"]
    assert oracle.propensity.between(0, 1).all()
    assert oracle.as_of_date.nunique() == 6  # every 20 trading days of 120
    assert oracle.groupby(["as_of_date", "customer_id"]).size().max() <= 20
    buys = purchases(frames)
    days = sorted(frames["trades"].biz_date.unique())
    future = []
    for as_of in sorted(oracle.as_of_date.unique()):
        key = as_of.isoformat()
        nxt = [d for d in days if d > key][:20]
        got = buys[buys.biz_date.isin(nxt)][["customer_id", "product_id"]].drop_duplicates()
        future.append(got.assign(as_of_date=as_of, bought=True))
    merged = oracle.merge(
        pd.concat(future), on=["as_of_date", "customer_id", "product_id"], how="left"
    )
    bought = merged.bought.notna()
    assert bought.sum() > 300
    assert merged.propensity[bought].mean() > 3 * merged.propensity[~bought].mean()


def test_products_and_oracle_are_deterministic(tmp_path: Path) -> None:
    def digest(out: Path) -> list[str]:
        files = [
            *sorted(out.glob("20*/product_nav_backfill.csv")),
            out / GROUND_TRUTH_DIR / "product_propensity.parquet",
        ]
        return [hashlib.sha256(p.read_bytes()).hexdigest() for p in files]

    for name in ("a", "b"):
        generate(GenerateOptions(out=tmp_path / name, customers=200, days=3, seed=5))
    assert digest(tmp_path / "a") == digest(tmp_path / "b")
    assert len(digest(tmp_path / "a")) == 2
