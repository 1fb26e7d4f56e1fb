"""Whatever the seed, the generated feeds satisfy the contract and reconcile."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import gen_checks as checks
from gen_checks import generated
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from brokerlens.contract.feeds import FEEDS
from brokerlens.generate import GenerateOptions, generate


@settings(
    max_examples=4, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(seed=st.integers(0, 2**32 - 1), customers=st.integers(1, 300), days=st.integers(1, 7))
def test_any_seed_satisfies_the_contract(
    tmp_path: Path, seed: int, customers: int, days: int
) -> None:
    out = tmp_path / f"s{seed}_{customers}_{days}"
    generate(GenerateOptions(out=out, customers=customers, days=days, seed=seed))
    data = checks.check_contract(out)
    assert len(data) == days
    checks.check_reconciliations(data)
    checks.check_market(data)
    checks.check_trading_rules(data)


def test_a_longer_run_satisfies_every_rule() -> None:
    out = generated(customers=1500, days=25)
    data = checks.check_contract(out)
    checks.check_reconciliations(data)
    checks.check_market(data)
    checks.check_trading_rules(data)


def test_layout_manifest_and_snapshots() -> None:
    out = generated()
    dates = checks.date_dirs(out)
    assert [p.name for p in dates][:2] == ["2025-01-02", "2025-01-03"]
    assert sorted(p.name for p in out.iterdir() if p.name[:2] != "20") == [
        "_generator.json",
        "_generator_state",
        "_ground_truth",
    ]
    first = dates[0]
    for name, spec in FEEDS.items():
        if spec.is_reference:
            assert (first / f"{name}.csv").exists(), name
    for folder in dates:
        manifest = json.loads((folder / "_manifest.json").read_text())
        assert manifest["business_date"] == folder.name
        files = {p.stem for p in folder.glob("*.csv")}
        assert set(manifest["feeds"]) == files
        for name, entry in manifest["feeds"].items():
            text = (folder / f"{name}.csv").read_bytes()
            assert text.count(b"\n") == entry["rows"] + 1
    # later days deliver only changes: far fewer customers than the snapshot
    later = checks.read(dates[-1], "customers")
    snapshot = checks.read(first, "customers")
    assert snapshot is not None
    assert later is None or len(later) < len(snapshot) / 5


def test_realism_basics() -> None:
    data = checks.load(generated(customers=1500, days=25))
    first = data["2025-01-02"]
    secs = first["securities"]
    assert set(secs.security_type) == {
        "stock",
        "etf",
        "lof",
        "closed_fund",
        "bond",
        "convertible",
        "warrant",
        "repo",
    }
    stocks = secs[secs.security_type == "stock"]
    assert set(stocks.board) == {"main", "chinext", "star", "bse"}
    assert stocks.industry.nunique() == 31
    assert (stocks[stocks.is_st == "true"].name.str.contains("ST")).all()
    assert stocks.security_id.str.startswith(("900", "200")).sum() > 0
    products = first["products"]
    assert products.product_type.nunique() == 11
    mm = products[products.product_type == "money_market"]
    assert set(mm.risk_level) == {"R1"}
    assert set(first["index_quotes"].index_id) == {"000001.SH", "000300.SH", "399006.SZ"}
    trades = __import__("pandas").concat([d["trades"] for d in data.values() if "trades" in d])
    assert {"normal", "ipo_subscribe", "ipo_allot", "margin_buy"} <= set(trades.trade_type)
    assert (trades.commission.astype(float) >= 5).sum() > 0
    normal = trades[trades.trade_type == "normal"]
    assert (normal.commission.astype(float) >= 5.0).all()
    assert (trades.net_commission.astype(float) <= trades.commission.astype(float)).all()
    sells = normal[normal.side == "sell"].join(secs.set_index("security_id"), on="security_id")
    st_sells = sells[sells.security_type == "stock"]
    duty = (st_sells.amount.astype(float) * 0.0005).round(2)
    assert ((duty - st_sells.stamp_duty.astype(float)).abs() <= 0.011).all()
    assets = first["daily_assets"].total_assets.astype(float)
    assert (assets > 1_000_000).sum() > 0 and (assets < 10_000).sum() > len(assets) * 0.1
    assert any("corporate_actions" in d for d in data.values())
    assert any("complaints" in d for d in data.values())
    ra = first["risk_assessments"]
    cut = ra.score.astype(float).map(lambda x: f"C{min(int(x // 20) + 1, 5)}")
    assert (cut == ra.risk_class).all()
    exp = ra.assess_date.map(dt.date.fromisoformat).map(
        lambda d: (
            d.replace(year=d.year + 2)
            if not (d.month == 2 and d.day == 29)
            else dt.date(d.year + 2, 3, 1)
        )
    )
    assert (exp.astype(str) == ra.expire_date).all()
    assert (ra.expire_date < "2025-01-02").sum() > 0  # some expired questionnaires
    staff = first["staff"]
    assert set(staff.position) == {
        "broker",
        "advisor",
        "team_lead",
        "branch_manager",
        "service",
        "hq_marketing",
    }
    units = first["org_units"]
    assert set(units.unit_type) == {"hq", "region", "branch", "team"}
    rel = first["relationships"]
    shares = rel.assign(s=rel.share_pct.astype(float)).groupby(["customer_id", "role"]).s.sum()
    assert (shares == 100).all()


def test_index_follows_constituents() -> None:
    data = checks.load(generated(customers=1500, days=25))
    secs = data["2025-01-02"]["securities"]
    chinext = set(secs[(secs.board == "chinext")].security_id)
    for day in list(data.values())[1:3]:
        q = day["quotes"][day["quotes"].security_id.isin(chinext)]
        iq = day["index_quotes"].set_index("index_id")
        up = (q.close.astype(float) > q.prev_close.astype(float)).mean()
        idx_up = float(iq.loc["399006.SZ", "close"]) > float(iq.loc["399006.SZ", "prev_close"])
        assert (up > 0.5) == idx_up or 0.4 < up < 0.6
