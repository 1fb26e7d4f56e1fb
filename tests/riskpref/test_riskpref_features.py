"""seed 002's features on hand-built customers (riskpref_handbox.py), each worked out by hand.

Q1 2025 as of 2025-03-31: the 3-month window starts 2025-01-01 and is clipped to the 5 loaded
March days; the 12-month style window likewise. April's rows must not count.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Any

import pytest
from riskpref_handbox import CUSTOMERS, DAYS, build_inbox

from brokerlens.config import Settings, load_settings
from brokerlens.ingest import ingest_inbox
from brokerlens.riskpref.features import FEATURES, compute_features
from brokerlens.riskpref.quarter import Quarter, quarter_windows


@dataclass
class Lake:
    settings: Settings
    q1: dict[str, dict[str, Any]]


@pytest.fixture(scope="module")
def lake(tmp_path_factory: pytest.TempPathFactory) -> Lake:
    root = tmp_path_factory.mktemp("riskpref_hand")
    settings = load_settings(home=root / "home")
    report = ingest_inbox(settings, build_inbox().write(root / "inbox"))
    assert report.exit_code == 0, [x.reason for x in report.dates if x.reason]
    windows = quarter_windows(Quarter(2025, 1), list(DAYS), partial=False)
    table = compute_features(settings, windows)
    return Lake(settings, {r["customer_id"]: r for r in table.to_pylist()})


def approx(value: float) -> Any:
    return pytest.approx(value, rel=1e-9, abs=1e-12)


def zero_except(row: dict[str, Any], **expected: float) -> None:
    """Every product feature is 0 but the ones given, which equal their hand values."""
    for feature in FEATURES:
        if feature.group != "product":
            continue
        assert row[feature.name] == approx(expected.get(feature.name, 0.0)), feature.name


def test_windows_of_q1() -> None:
    w = quarter_windows(Quarter(2025, 1), list(DAYS), partial=False)
    assert (w.as_of, w.start_3m, w.start_12m) == (
        dt.date(2025, 3, 31),
        dt.date(2025, 1, 1),
        dt.date(2024, 4, 1),
    )
    assert w.days == tuple(d for d in DAYS if d.month == 3)


def test_every_customer_scored(lake: Lake) -> None:
    assert sorted(lake.q1) == sorted(CUSTOMERS)


def test_mixed_holdings_shares_of_assets_and_of_market_value(lake: Lake) -> None:
    mix = lake.q1["CMIX"]
    assert mix["avg_assets_3m"] == approx(100_000)
    assert mix["market_value_share"] == approx(0.9)
    zero_except(
        mix,
        a_share_assets=0.3,  # A_MAIN 20,000 + ChiNext 10,000 of 100,000
        chinext_assets=0.1,
        exchange_fund_assets=0.2,
        equity_fund_assets=0.3,
        money_fund_assets=0.1,
        cash_assets=0.1,
        a_share_mv=30 / 90,
        chinext_mv=10 / 90,
        exchange_fund_mv=20 / 90,
        equity_fund_mv=30 / 90,
        money_fund_mv=10 / 90,
    )  # April's bonds are not seen
    assert mix["style_a_position"] == approx(0.3)
    assert mix["style_a_turnover"] == approx(0.0)
    assert mix["timing_prev_close"] is None


def test_ipo_subscription_counts_three_times(lake: Lake) -> None:
    ipo = lake.q1["CIPO"]
    # 3 x 50,000 over 5 days x 50,000; no market value, so all of it
    zero_except(ipo, ipo_assets=3 * 50_000 / (5 * 50_000), ipo_mv=1.0, cash_assets=1.0)
    assert ipo["timing_ma5"] is None  # an IPO application is not a buy on the market


def test_warrant_trade_share_timing_and_turnover(lake: Lake) -> None:
    war = lake.q1["CWAR"]
    # 1,000 x 0.50 of 1,260 + 500 traded on 03-31; April's 50,000 is not seen
    zero_except(war, warrant_trade_share=500 / 1760, cash_assets=1.0)
    # A_MAIN bought at 12.60: previous close 11; the closes before 03-31 are 10, 10, 10, 11
    # (the history starts 03-25). The warrant bought at its flat price does not count.
    assert war["timing_prev_close"] == approx(12.6 / 11 - 1)
    assert war["timing_buys"] == 2
    for ma in ("timing_ma5", "timing_ma10", "timing_ma20"):
        assert war[ma] == approx(12.6 / 10.25 - 1)
    # A-share turnover: 1,260 over 5 days x 20,000 of assets, x 250
    assert war["style_a_turnover"] == approx(1260 / (5 * 20_000) * 250)


def test_b_share_st_and_bond_fund(lake: Lake) -> None:
    zero_except(lake.q1["CB"], b_share_assets=0.8, b_share_mv=1.0, cash_assets=0.2)
    zero_except(
        lake.q1["CST"], st_assets=0.6, a_share_assets=0.6, st_mv=1.0, a_share_mv=1.0,
        cash_assets=0.4,
    )  # fmt: skip
    zero_except(lake.q1["CBF"], bond_fund_assets=0.9, bond_fund_mv=1.0, cash_assets=0.1)


def test_return_volatility_nets_transfers(lake: Lake) -> None:
    # daily returns +10%, -10%, 0 (the 20,000 rise was a transfer in), 0
    expected = math.sqrt((0.1**2 + 0.1**2) / 3)
    assert lake.q1["CVOL"]["style_volatility"] == approx(expected)


def test_avg_assets_from_the_open_date(lake: Lake) -> None:
    assert lake.q1["CNEW"]["avg_assets_3m"] == approx(10_000)  # 2 days since opening
    assert lake.q1["CTINY"]["avg_assets_3m"] == approx(500)


# issue 20: the absolute scale's measures, over the 12 months (here the 5 loaded days). Grades
# of riskpref/scale.yaml: A and B shares R3, ChiNext R4, ST and warrants R5, exchange funds R3,
# IPO subscription R2; OTC products their own risk_level: P_EQ R4, P_MM R1, P_BF R2.
def test_held_grade_weights_what_is_held_by_value(lake: Lake) -> None:
    # A_MAIN 20,000 x R3, CHI 10,000 x R4, ETF 20,000 x R3, P_EQ 30,000 x R4, P_MM 10,000 x R1
    assert lake.q1["CMIX"]["held_grade"] == approx((60 + 40 + 60 + 120 + 10) / 90)
    assert lake.q1["CB"]["held_grade"] == approx(3.0)
    assert lake.q1["CST"]["held_grade"] == approx(5.0)
    assert lake.q1["CBF"]["held_grade"] == approx(2.0)
    assert lake.q1["CIPO"]["held_grade"] == approx(2.0)  # only the IPO subscription
    assert lake.q1["CVOL"]["held_grade"] is None  # cash only: nothing graded
    assert lake.q1["CB"]["invested"] == approx(0.8) and lake.q1["CVOL"]["invested"] == 0
    assert lake.q1["CMIX"]["exchange_share"] == approx(50 / 90)  # P_EQ, P_MM are OTC


def test_turnover_and_drawdown(lake: Lake) -> None:
    war = lake.q1["CWAR"]
    # all trades, 1,760, over 5 days x 20,000 of assets, x 250
    assert war["turnover"] == approx(1760 / (5 * 20_000) * 250)
    assert war["leverage"] == 0 and war["margin_trade_share"] == 0
    # CVOL: +10% then -10% (the transfer in is not a return): 1.1 -> 0.99, a 10% fall
    assert lake.q1["CVOL"]["max_drawdown"] == approx(0.1)
    assert lake.q1["CB"]["max_drawdown"] == approx(0.0)
