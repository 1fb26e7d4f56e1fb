"""Contacts and campaigns act on churn and purchases, in the feeds and in the ground truth; an
actions file fed back leaves every date before its first action byte-identical."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest
from gen_checks import generated

from brokerlens.generate import GenerateOptions, generate
from brokerlens.market import calendar

START = dt.date(2025, 1, 2)


def _days(n: int) -> list[dt.date]:
    return list(calendar.trading_days(START, dt.date(2025, 12, 31))[:n])


def _write(path: Path, rows: list[tuple[int, dt.date, str, str]]) -> Path:
    lines = ["customer_id,date,action,product_id"]
    lines += [f"C{c:09d},{d},{a},{p}" for c, d, a, p in rows]
    path.write_text("\n".join(lines) + "\n")
    return path


def _digest(out: Path) -> dict[str, str]:
    return {
        str(p.relative_to(out)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(out.rglob("*"))
        if p.is_file() and p.parts[-2][:2] == "20"
    }


def test_actions_leave_earlier_dates_identical_and_change_later_ones(tmp_path: Path) -> None:
    days = _days(8)
    pick = np.random.default_rng(1).choice(300, 120, replace=False).tolist()
    actions = _write(
        tmp_path / "actions.csv",
        [(c, days[4], "contact", "") for c in pick[:60]]
        + [(c, days[4], "campaign", "P00001") for c in pick[60:]],
    )
    opts = {"customers": 300, "days": 8, "seed": 3}
    generate(GenerateOptions(out=tmp_path / "base", **opts))  # type: ignore[arg-type]
    for name in ("a", "b"):
        generate(GenerateOptions(out=tmp_path / name, actions=actions, **opts))  # type: ignore[arg-type]
    base, a, b = (_digest(tmp_path / n) for n in ("base", "a", "b"))
    assert a == b  # deterministic with actions
    before = {k for k in base if k[:10] < days[4].isoformat()}
    assert len(before) > 20
    assert all(a[k] == base[k] for k in before)
    later = [k for k in base if k[:10] >= days[4].isoformat() and a.get(k) != base[k]]
    assert later  # the actions changed something from their date on
    fx = pd.read_parquet(tmp_path / "a" / "_ground_truth" / "effects.parquet")
    fed = fx[fx.source == "actions"]
    assert len(fed) == 120
    assert set(fed.date) == {days[4]}
    assert set(fed.source_id) == {f"actions.csv:{line}" for line in range(2, 122)}
    assert set(fed[fed.kind == "campaign"].product_id) == {"P00001"}
    marker = json.loads((tmp_path / "a" / "_generator.json").read_text())
    assert marker["actions"]["rows"] == 120
    assert marker["actions"]["sha256"] == hashlib.sha256(actions.read_bytes()).hexdigest()


def test_an_action_on_a_holiday_acts_from_the_next_trading_day(tmp_path: Path) -> None:
    days = _days(6)
    holiday = days[0] + dt.timedelta(days=1)
    while calendar.is_trading_day(holiday):
        holiday += dt.timedelta(days=1)
    actions = _write(tmp_path / "a.csv", [(5, holiday, "contact", "")])
    generate(GenerateOptions(out=tmp_path / "o", customers=50, days=6, actions=actions))
    fx = pd.read_parquet(tmp_path / "o" / "_ground_truth" / "effects.parquet")
    row = fx[fx.source == "actions"]
    assert row.date.tolist() == [next(d for d in days if d > holiday)]


def test_the_ground_truth_lists_each_reached_broker_contact_of_the_feed() -> None:
    out = generated(customers=3000, days=20)
    con = duckdb.connect()
    contacts = con.execute(
        f"select contact_id, customer_id, biz_date, channel, result from read_csv('{out}/20*/"
        "contacts.csv', header=true, all_varchar=true)"
    ).df()
    fx = pd.read_parquet(out / "_ground_truth" / "effects.parquet")
    assert set(fx.source) == {"generated"}
    effective = contacts[
        contacts.channel.isin(["phone", "visit", "wechat", "email"])
        & contacts.result.isin(["reached", "done"])
    ]
    assert len(effective) > 100
    assert sorted(fx.source_id) == sorted(effective.contact_id)
    joined = fx.merge(effective, left_on="source_id", right_on="contact_id")
    assert (joined.customer_id_x == joined.customer_id_y).all()
    assert (joined.date.astype(str) == joined.biz_date).all()
    live = fx[fx.applied]
    assert (live.p_buy_with >= live.p_buy_without).all()
    assert (live.p_churn_with <= live.p_churn_without).all()
    assert (live.p_buy_with > live.p_buy_without).mean() > 0.3


@pytest.fixture(scope="module")
def experiment(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """30,000 customers x 40 days; a random half contacted every 5 trading days from the
    first, another random half treated on day 10 by a campaign pushing P00001 (a best seller)."""
    n, d = 30_000, 40
    days = _days(d)
    rng = np.random.default_rng(5)
    contacted, pushed = rng.random(n) < 0.5, rng.random(n) < 0.5
    folder = tmp_path_factory.mktemp("effects")
    rows = [
        (int(c), days[k], "contact", "") for k in range(0, d, 5) for c in np.flatnonzero(contacted)
    ]
    rows += [(int(c), days[10], "campaign", "P00001") for c in np.flatnonzero(pushed)]
    actions = _write(folder / "actions.csv", rows)
    out = folder / "out"
    generate(GenerateOptions(out=out, customers=n, days=d, actions=actions))
    return {"out": out, "days": days, "contacted": contacted, "pushed": pushed}


def test_contacted_customers_churn_less(experiment: dict[str, object]) -> None:
    out, contacted = experiment["out"], experiment["contacted"]
    assert isinstance(out, Path) and isinstance(contacted, np.ndarray)
    truth = pd.read_parquet(out / "_ground_truth" / "customers.parquet")
    churned = truth.churn_date.notna().to_numpy()
    signalled = truth.signal_date.notna().to_numpy()
    rescued = truth.rescued_date.notna().to_numpy()
    # a random half: the same risk on average, so the difference is the contacts' doing
    assert churned[~contacted].sum() >= 40
    assert churned[contacted].mean() < 0.7 * churned[~contacted].mean()
    assert signalled[contacted].mean() < signalled[~contacted].mean()
    assert rescued[contacted].sum() > rescued[~contacted].sum()
    assert not (rescued & churned & (truth.churn_date <= truth.rescued_date).to_numpy()).any()


def test_a_campaign_raises_purchases_of_its_product_as_the_truth_says(
    experiment: dict[str, object],
) -> None:
    out, days, pushed = experiment["out"], experiment["days"], experiment["pushed"]
    assert isinstance(out, Path) and isinstance(days, list) and isinstance(pushed, np.ndarray)
    window = (days[10], days[20])  # the campaign's push lasts 10 trading days
    con = duckdb.connect()
    buyers = con.execute(
        f"select distinct customer_id from read_csv('{out}/20*/product_trades.csv', header=true)"
        " where product_id = 'P00001' and action in ('purchase', 'subscribe')"
        " and biz_date >= ? and biz_date < ?",
        list(window),
    ).df()
    bought = np.zeros(len(pushed), bool)
    bought[buyers.customer_id.str[1:].astype(int).to_numpy()] = True
    treated, holdout = bought[pushed].mean(), bought[~pushed].mean()
    measured = treated - holdout
    assert holdout > 0.001
    assert treated > 1.4 * holdout
    fx = pd.read_parquet(out / "_ground_truth" / "effects.parquet")
    campaign = fx[(fx.kind == "campaign") & fx.applied]
    oracle = float((campaign.p_product_with - campaign.p_product_without).mean())
    # the oracle's uplift of the campaign, from the odds recorded, is what the feeds show
    assert 0.5 * oracle < measured < 2 * oracle
