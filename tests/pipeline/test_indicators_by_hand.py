"""Every base indicator of builtin.yaml on hand-built customers, each value worked out by hand.

The lake holds the 14 SSE trading days 2024-12-23 .. 2025-01-10 (7 in December, 7 in January;
2025-01-01 is a holiday). T = 2025-01-10, so for every customer:
- the 3-, 6- and 12-month windows start before the history and are clipped to it: means run over
  the 14 loaded days (from the open date), returns run from the close of 2024-12-23 (the first
  loaded day) to T, 18 calendar days;
- year to date = the 7 January days; last year = the 7 December days (2024-12-23 .. 31);
- the last full month is December 2024 (31 days = 31/7 weeks), of which 7 days are loaded; its
  profit runs from the close of 2024-12-23 to the close of 2024-12-31, so its trade amount is
  that of 2024-12-24 .. 31;
- holding days are counted up to 2024-12-31;
- the index 000001.SH closes at 3000 on 2024-12-23, 3100 on the days between and 3150 on T, so
  index_return_3m = index_return_6m = 3150 / 3000 - 1 = 0.05 for everyone.

The lake is loaded in two steps (through T1 = 2025-01-07, then the rest) with a run as of T1 in
between, so the last test can check that T1's indicators do not change when later dates arrive.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from brokerlens.config import Settings, load_settings
from brokerlens.ingest import ingest_inbox
from brokerlens.market.calendar import trading_days
from brokerlens.pipeline.run import run_pipeline
from brokerlens.warehouse import run_query
from support.handbuilt import HandInbox, read_by_customer, row

DAYS = trading_days(dt.date(2024, 12, 23), dt.date(2025, 1, 10))
FIRST, T1, T = DAYS[0], dt.date(2025, 1, 7), DAYS[-1]
DEC = [d for d in DAYS if d.month == 12]
JAN = [d for d in DAYS if d.month == 1]


def d(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


# Securities: (id, name, market, type, board, industry). Shenwan names compare by code point:
# 电子 (U+7535) < 银行 (U+94F6), 主板 (U+4E3B) < 创业板 (U+521B).
STOCK_A = "600036.SH"  # main board, 银行
STOCK_B = "300750.SZ"  # ChiNext, 电子
STOCK_C = "600276.SH"  # main board, 医药生物 (held by CHOLD from before the history)
STOCK_E = "301999.SZ"  # ChiNext, 电子 (only ever an IPO application)
STOCK_F = "688981.SH"  # STAR, 电子
ETF = "510300.SH"
BOND = "019547.SH"
WARRANT = "580999.SH"
SECURITIES = [
    (STOCK_A, "招商银行", "SH", "stock", "main", "银行", "10.00"),
    (STOCK_B, "宁德时代", "SZ", "stock", "chinext", "电子", "22.00"),
    (STOCK_C, "恒瑞医药", "SH", "stock", "main", "医药生物", "10.00"),
    (STOCK_E, "新股", "SZ", "stock", "chinext", "电子", "5.00"),
    (STOCK_F, "中芯国际", "SH", "stock", "star", "电子", "50.00"),
    (ETF, "沪深300ETF", "SH", "etf", None, None, "4.00"),
    (BOND, "国债", "SH", "bond", None, None, "100.00"),
    (WARRANT, "权证", "SH", "warrant", None, None, "0.50"),
]
P_MM, P_EQ, P_AM = "P_MM", "P_EQ", "P_AM"

CUSTOMERS = [
    "CBIG",  # 1,000,000.00 every day
    "CJUST",  # 999,999.99 every day
    "CIDLE",  # 50,000 every day, never trades
    "CZERO",  # open, but no row at all
    "CNEW",  # opened on the business day before T
    "CCLOSED",  # closed on 2025-01-03, no rows after
    "CRET",  # a transfer in: modified Dietz
    "CTRADE",  # the trader
    "CHOLD",  # holdings on T of every class, held through an ex-date
    "CSTAR",  # one STAR-board buy in January
]


def build_inbox() -> HandInbox:
    box = HandInbox(DAYS)

    # -- reference feeds, on the first date ------------------------------------------------
    box.add(
        FIRST,
        "org_units",
        row("org_units", unit_id="HQ", unit_type="hq", name="总部", city="上海"),
        row("org_units", unit_id="B1", parent_id="HQ", unit_type="branch", name="营业部"),
    )
    box.add(
        FIRST,
        "staff",
        row(
            "staff",
            staff_id="S1",
            name="张三",
            unit_id="B1",
            position="broker",
            hire_date="2020-01-02",
        ),
    )

    def customer(cid: str, **kw: Any) -> dict[str, str]:
        values: dict[str, Any] = {
            "customer_id": cid,
            "name": cid,
            "customer_type": "individual",
            "id_type": "id_card",
            "id_no": f"31010119900101{len(cid):04d}",
            "branch_id": "B1",
            "open_date": "2020-03-04",
            "open_channel": "app",
            "investor_class": "ordinary",
            "status": "normal",
            **kw,
        }
        return row("customers", **values)

    def account(cid: str, **kw: Any) -> dict[str, str]:
        values: dict[str, Any] = {
            "account_id": f"A_{cid}",
            "customer_id": cid,
            "account_type": "cash",
            "open_date": "2020-03-04",
            "status": "normal",
            **kw,
        }
        return row("accounts", **values)

    early = [c for c in CUSTOMERS if c != "CNEW"]
    box.add(FIRST, "customers", *(customer(c) for c in early))
    box.add(FIRST, "accounts", *(account(c) for c in early))
    box.add(
        FIRST,
        "securities",
        *(
            row(
                "securities",
                security_id=sid,
                name=name,
                market=market,
                security_type=kind,
                board=board,
                industry=industry,
                is_st="false",
                list_date="2010-01-04",
            )
            for sid, name, market, kind, board, industry, _ in SECURITIES
        ),
    )
    box.add(
        FIRST,
        "products",
        *(
            row(
                "products",
                product_id=pid,
                name=pid,
                product_type=kind,
                risk_level=risk,
                status="on_sale",
                fee_rate="0.01",
            )
            for pid, kind, risk in (
                (P_MM, "money_market", "R1"),
                (P_EQ, "equity_fund", "R4"),
                (P_AM, "asset_mgmt", "R3"),
            )
        ),
    )
    # CNEW opens on 2025-01-09 and is delivered that day; CCLOSED's closing arrives on 01-06.
    opened = d("2025-01-09")
    box.add(opened, "customers", customer("CNEW", open_date=opened))
    box.add(opened, "accounts", account("CNEW", open_date=opened))
    closed = d("2025-01-03")
    box.add(d("2025-01-06"), "customers", customer("CCLOSED", status="closed", close_date=closed))
    box.add(d("2025-01-06"), "accounts", account("CCLOSED", status="closed", close_date=closed))

    # -- market data on every date ---------------------------------------------------------
    for day in DAYS:
        for sid, *_, close in SECURITIES:
            box.quote(day, sid, close)
        index_close = {FIRST: "3000.00", T: "3150.00"}.get(day, "3100.00")
        box.index_quote(day, "000001.SH", index_close)
    # Announced on 01-02: B and C go ex on 01-08 (both held then), A on 01-09 (all sold by then).
    box.corporate_action(d("2025-01-02"), STOCK_B, d("2025-01-08"), "cash_dividend", "0.5")
    box.corporate_action(d("2025-01-02"), STOCK_C, d("2025-01-08"), "cash_dividend", "0.2")
    box.corporate_action(d("2025-01-02"), STOCK_A, d("2025-01-09"), "cash_dividend", "0.3")

    # -- daily assets --------------------------------------------------------------------------
    for day in DAYS:
        box.assets(day, "CBIG", cash=1_000_000)
        box.assets(day, "CJUST", cash=999_999.99)
        box.assets(day, "CIDLE", cash=50_000)
        box.assets(day, "CSTAR", cash=60_000)
        if day <= closed:
            box.assets(day, "CCLOSED", cash=30_000)
        if day >= opened:
            box.assets(day, "CNEW", cash=10_000 if day == opened else 20_000)
        # CRET: 100,000 up to 12-30, 50,000 transferred in on 12-31, 160,000 on T.
        ret = 100_000 if day < d("2024-12-31") else 150_000 if day < T else 160_000
        box.assets(day, "CRET", cash=ret)
        # CTRADE: 200,000 up to 12-30, then 203,040 (its cash; trades are not reconciled here).
        box.assets(day, "CTRADE", cash=200_000 if day < d("2024-12-31") else 203_040)
        # CHOLD: the same holdings every day, 100,000 in all.
        box.assets(
            day,
            "CHOLD",
            cash=46_500,
            stock_value=10_000,
            fund_value=8_000,
            bond_value=10_000,
            product_value=25_000,
            other_value=500,
        )
        box.position(day, "CHOLD", "A_CHOLD", STOCK_C, 1000, 8_000, 10_000)
        box.position(day, "CHOLD", "A_CHOLD", ETF, 2000, 7_000, 8_000)
        box.position(day, "CHOLD", "A_CHOLD", BOND, 100, 9_900, 10_000)
        box.position(day, "CHOLD", "A_CHOLD", WARRANT, 1000, 400, 500)
        box.product_holding(day, "CHOLD", P_EQ, 10_000, 20_000, 15_000)
        box.product_holding(day, "CHOLD", P_AM, 5_000, 5_000, 5_000)
    box.transfer(d("2024-12-31"), "R01", "CRET", "in", 50_000)

    # -- the trader (and the STAR buyer) ------------------------------------------------------
    # (day, trade id, customer, security, side, quantity, price, net commission, type)
    trades = [
        ("2024-12-24", "X01", "CTRADE", STOCK_A, "buy", 1000, "10.00", "5.00", "normal"),
        ("2024-12-25", "X02", "CTRADE", STOCK_E, "buy", 500, "5.00", "0.00", "ipo_subscribe"),
        ("2024-12-26", "X03", "CTRADE", STOCK_A, "buy", 1000, "12.00", "5.00", "normal"),
        ("2024-12-27", "X04", "CTRADE", STOCK_B, "buy", 1000, "22.00", "5.00", "normal"),
        ("2024-12-30", "X05", "CTRADE", STOCK_A, "sell", 1500, "11.20", "5.00", "normal"),
        ("2025-01-02", "X06", "CTRADE", ETF, "buy", 1000, "4.00", "3.00", "normal"),
        ("2025-01-03", "X07", "CTRADE", BOND, "buy", 100, "100.00", "3.00", "normal"),
        ("2025-01-06", "X08", "CTRADE", WARRANT, "buy", 1000, "0.50", "3.00", "normal"),
        ("2025-01-07", "X09", "CTRADE", STOCK_A, "sell", 500, "15.00", "3.00", "normal"),
        ("2025-01-06", "S01", "CSTAR", STOCK_F, "buy", 200, "50.00", "8.00", "normal"),
    ]
    for day_text, tid, cid, sid, side, qty, price, net, kind in trades:
        box.trade(
            d(day_text), tid, cid, f"A_{cid}", sid, side, qty, price,
            net_commission=net, trade_type=kind,
        )  # fmt: skip
    box.product_trade(d("2024-12-24"), "O01", "CTRADE", P_MM, "subscribe", 5_000, 5_000)
    box.product_trade(d("2025-01-08"), "O02", "CTRADE", P_AM, "purchase", 3_000, 3_000)
    return box


@dataclass
class Lake:
    settings: Settings
    at_t: dict[str, dict[str, Any]]
    profile_t: dict[str, dict[str, Any]]
    t1_before: Any  # the T1 indicators table computed before the later dates were loaded
    seconds: float = 0.0


def _ingest(settings: Settings, inbox: Path) -> None:
    report = ingest_inbox(settings, inbox)
    assert report.exit_code == 0, [x.reason for x in report.dates if x.reason]


@pytest.fixture(scope="module")
def lake(tmp_path_factory: pytest.TempPathFactory) -> Lake:
    root = tmp_path_factory.mktemp("handbuilt")
    box = build_inbox()
    settings = load_settings(home=root / "home")
    _ingest(settings, box.write(root / "inbox1", [x for x in DAYS if x <= T1]))
    run_pipeline(settings, as_of=T1)
    t1_file = settings.warehouse_dir / "indicators" / f"{T1}.parquet"
    t1_before = pq.read_table(t1_file)
    _ingest(settings, box.write(root / "inbox2", [x for x in DAYS if x > T1]))
    run_pipeline(settings, as_of=T)
    run_pipeline(settings, as_of=T1)  # again, now that later dates are loaded
    return Lake(
        settings,
        read_by_customer(settings.warehouse_dir / "indicators" / f"{T}.parquet"),
        read_by_customer(settings.warehouse_dir / "profile" / f"{T}.parquet"),
        t1_before,
    )


def approx(value: float) -> Any:
    return pytest.approx(value, rel=1e-9, abs=1e-9)


def test_everything_loaded_and_every_customer_computed(lake: Lake) -> None:
    quarantined = run_query(lake.settings, "select count(*) from quarantine").rows[0][0]
    assert quarantined == 0
    assert sorted(lake.at_t) == sorted(CUSTOMERS)
    assert {r["as_of_date"] for r in lake.at_t.values()} == {T}


# -- assets and service level -----------------------------------------------------------------


def test_service_level_boundary_at_one_million(lake: Lake) -> None:
    big, just = lake.at_t["CBIG"], lake.at_t["CJUST"]
    assert big["total_assets_t"] == approx(1_000_000)
    assert big["available_cash_t"] == approx(1_000_000)
    assert big["avg_assets_3m"] == approx(1_000_000)
    assert big["avg_assets_ytd"] == approx(1_000_000)
    assert big["avg_assets_last_year"] == approx(1_000_000)
    assert lake.profile_t["CBIG"]["service_level"] == "金手指"
    assert lake.profile_t["CBIG"]["asset_bucket_current"] == "100万–200万"
    # greatest(last year, ytd) = 1,000,000 >= 500,000 and no commission -> 核心B
    assert lake.profile_t["CBIG"]["customer_tier"] == "核心B"
    assert just["total_assets_t"] == approx(999_999.99)
    assert lake.profile_t["CJUST"]["service_level"] == "金算盘"
    assert lake.profile_t["CJUST"]["asset_bucket_current"] == "50万–100万"


def test_customer_opened_the_day_before_t(lake: Lake) -> None:
    new = lake.at_t["CNEW"]
    assert new["open_date"] == d("2025-01-09")
    assert new["total_assets_t"] == approx(20_000)
    # 10,000 on 01-09 and 20,000 on 01-10; the 12 loaded days before opening do not count.
    assert new["avg_assets_3m"] == approx((10_000 + 20_000) / 2)
    assert new["avg_assets_ytd"] == approx(15_000)
    # Not open on any day of last year: no mean at all.
    assert new["avg_assets_last_year"] is None


def test_closed_customer_counts_days_after_closing_as_zero(lake: Lake) -> None:
    gone = lake.at_t["CCLOSED"]
    assert gone["status"] == "closed"
    assert gone["total_assets_t"] == 0
    assert gone["available_cash_t"] == 0
    # 30,000 on the 9 days 12-23 .. 01-03, nothing on the 5 days 01-06 .. 01-10.
    assert gone["avg_assets_3m"] == approx(9 * 30_000 / 14)
    assert gone["avg_assets_ytd"] == approx(2 * 30_000 / 7)  # 01-02 and 01-03 of 7
    assert gone["avg_assets_last_year"] == approx(30_000)


def test_customer_with_no_rows_at_all(lake: Lake) -> None:
    zero, prof = lake.at_t["CZERO"], lake.profile_t["CZERO"]
    assert zero["total_assets_t"] == 0
    assert zero["avg_assets_3m"] == 0
    # No assets to turn over or to earn on: turnover and returns are not defined.
    assert zero["monthly_turnover"] is None
    assert zero["return_3m"] is None
    assert zero["return_6m"] is None
    assert zero["profit_ytd_rate"] is None
    assert zero["holdings_risk"] is None
    assert prof["activity"] == "无交易型"
    assert prof["profitability"] == "较弱"
    assert prof["holdings_risk_score"] == "无持仓"
    assert prof["service_level"] == "金钥匙"


def test_customer_without_trades(lake: Lake) -> None:
    idle, prof = lake.at_t["CIDLE"], lake.profile_t["CIDLE"]
    for name in (
        "buy_amount_stock_3m",
        "buy_amount_fund_3m",
        "buy_amount_bond_3m",
        "buy_amount_warrant_3m",
        "buy_amount_other_3m",
        "buy_amount_total_3m",
        "trades_per_month",
        "trades_per_week",
        "net_commission_ytd",
        "net_commission_12m",
        "commission_share_12m",
        "profitable_sells_6m",
    ):
        assert idle[name] == 0, name
    assert idle["monthly_turnover"] == 0  # 0 traded / 50,000 mean assets
    for name in (
        "avg_holding_days_stock",
        "avg_holding_days_fund",
        "avg_buy_price",
        "profit_per_turnover",  # no trade amount last month
        "small_gain_sell_share_6m",
        "big_gain_sell_share_6m",
        "ex_right_held_share_6m",
        "top_industry_3m",
        "top_industry_share_3m",
        "top_board_3m",
        "top_board_share_3m",
        "hot_stock_share_t",
        "top_fund_share_t",
        "commission_growth_12m",
    ):
        assert idle[name] is None, name
    assert idle["return_3m"] == 0  # 50,000 -> 50,000, no flows
    assert idle["holdings_risk"] == approx(1.0)  # all cash
    assert prof["stock_habit"] == "无交易"
    assert prof["fund_habit"] == "无持有"
    assert prof["product_preference"] == "无交易"
    assert prof["industry_preference"] == "无交易"
    assert prof["board_preference"] == "无交易"
    assert prof["activity"] == "无交易型"
    assert prof["stock_character"] == "其他"
    assert prof["investment_purpose"] == "其他"
    assert prof["holdings_risk_score"] == "低"
    assert prof["year_result"] == "亏"


# -- returns -----------------------------------------------------------------------------------


def test_modified_dietz_return(lake: Lake) -> None:
    ret = lake.at_t["CRET"]
    # Period: close of 12-23 (100,000) to close of T (160,000), 18 days. 50,000 in on 12-31,
    # weighted by the share of the period still to run after it: (01-10 - 12-31) / 18 = 10/18.
    expected = (160_000 - 100_000 - 50_000) / (100_000 + 50_000 * 10 / 18)
    assert expected == pytest.approx(0.0782608696)
    assert ret["return_3m"] == approx(expected)
    assert ret["return_6m"] == approx(expected)  # the 6-month window is clipped the same way
    assert ret["index_return_3m"] == approx(3150 / 3000 - 1)
    assert ret["index_return_6m"] == approx(0.05)
    # 6 days x 100,000 + 7 days x 150,000 + 160,000 on T, over 14 days.
    assert ret["avg_assets_3m"] == approx(1_810_000 / 14)
    # Year to date: from the close of 12-31 (150,000, the transfer is before) to 160,000 on T,
    # over the January mean (6 x 150,000 + 160,000) / 7.
    assert ret["profit_ytd_rate"] == approx(10_000 / (1_060_000 / 7))
    # Last month: 100,000 -> 150,000 with 50,000 in is no profit, and there was no trading.
    assert ret["profit_per_turnover"] is None
    # Excess 0.0783 - 0.05 in (0, 0.20].
    assert lake.profile_t["CRET"]["profitability"] == "较强"
    assert lake.profile_t["CRET"]["year_result"] == "赢"


# -- the trader --------------------------------------------------------------------------------


def test_trader_commission(lake: Lake) -> None:
    tr = lake.at_t["CTRADE"]
    assert tr["net_commission_last_year"] == approx(20)  # X01, X03, X04, X05 at 5 (X02: 0)
    assert tr["net_commission_ytd"] == approx(12)  # X06 .. X09 at 3
    assert tr["net_commission_12m"] == approx(32)
    assert tr["net_commission_prev_12m"] == 0
    assert tr["commission_growth_12m"] is None  # nothing in the earlier 12 months
    assert tr["commission_growth_amount_12m"] == approx(32)
    # The firm earned 32 + 8 (CSTAR's S01).
    assert tr["commission_share_12m"] == approx(32 / 40)
    assert lake.at_t["CSTAR"]["commission_share_12m"] == approx(8 / 40)
    assert lake.at_t["CSTAR"]["net_commission_last_year"] == 0


def test_trader_frequency_lifetime_commission_and_rfm(lake: Lake) -> None:
    tr, star = lake.at_t["CTRADE"], lake.at_t["CSTAR"]
    assert tr["trades_12m"] == 8  # X01, X03 .. X09; the IPO application X02 is not a trade
    assert star["trades_12m"] == 1  # S01
    assert tr["net_commission_lifetime"] == approx(32)  # every trade since the lake began
    assert star["net_commission_lifetime"] == approx(8)
    # Ranked among the traders: more trades, more commission and a later last trade (X09 on
    # 01-07, S01 on 01-06) never score lower.
    assert tr["rfm_f_score"] > star["rfm_f_score"]
    assert tr["rfm_m_score"] > star["rfm_m_score"]
    assert tr["rfm_r_score"] >= star["rfm_r_score"]
    idle = lake.at_t["CIDLE"]
    assert (idle["trades_12m"], idle["net_commission_lifetime"]) == (0, 0)
    assert (idle["rfm_r_score"], idle["rfm_f_score"], idle["rfm_m_score"]) == (1, 1, 1)
    assert lake.profile_t["CIDLE"]["rfm_segment"] == "近12月无交易"


def test_trader_buys_by_class(lake: Lake) -> None:
    tr = lake.at_t["CTRADE"]
    # Stock: X01 10,000 + X03 12,000 + X04 22,000; the IPO application X02 is not a buy.
    assert tr["buy_amount_stock_3m"] == approx(44_000)
    # Fund: the ETF X06 4,000 + the money-market subscription O01 5,000.
    assert tr["buy_amount_fund_3m"] == approx(9_000)
    assert tr["buy_amount_bond_3m"] == approx(10_000)  # X07
    assert tr["buy_amount_warrant_3m"] == approx(500)  # X08
    assert tr["buy_amount_other_3m"] == approx(3_000)  # O02, asset management
    assert tr["buy_amount_total_3m"] == approx(66_500)
    # Mean stock buy price: 44,000 / 3,000 shares.
    assert tr["avg_buy_price"] == approx(44_000 / 3_000)
    assert lake.profile_t["CTRADE"]["product_preference"] == "股票型"  # 44,000 / 66,500 > 0.5


def test_trader_last_full_month(lake: Lake) -> None:
    tr = lake.at_t["CTRADE"]
    # December: X01, X03, X04, X05 (X02 is an IPO application, O01 an OTC order).
    assert tr["trades_per_month"] == 4
    assert tr["trades_per_week"] == approx(4 / (31 / 7))
    # 60,800 traded over a mean of (6 x 200,000 + 203,040) / 7 loaded December days.
    assert tr["monthly_turnover"] == approx(60_800 / (1_403_040 / 7))
    # Profit 12-23 -> 12-31 is 203,040 - 200,000 = 3,040 on the 60,800 traded 12-24 .. 12-31.
    assert tr["profit_per_turnover"] == approx(3_040 / 60_800)
    assert tr["return_3m"] == approx(3_040 / 200_000)
    assert tr["profit_ytd_rate"] == 0  # 203,040 on 12-31 and on T
    prof = lake.profile_t["CTRADE"]
    assert prof["activity"] == "不活跃型"  # 0.30
    assert prof["stock_habit"] == "波段"  # holding 4.6 days, 4 trades
    assert prof["fund_habit"] == "短线"
    assert prof["year_result"] == "亏"


def test_trader_fifo_lots(lake: Lake) -> None:
    tr = lake.at_t["CTRADE"]
    # Lots: A1 1,000 @ 10 on 12-24, A2 1,000 @ 12 on 12-26, B 1,000 @ 22 on 12-27.
    # X05 sells 1,500 A on 12-30: all of A1 (6 days) and 500 of A2 (4 days); the other 500 of
    # A2 is still held at the end of December (5 days), as is B (4 days). X09 (01-07) is after.
    # Cost-weighted: (10 x 1000 x 6 + 12 x (500 x 4 + 500 x 5) + 22 x 1000 x 4) / 44,000.
    assert tr["avg_holding_days_stock"] == approx((60_000 + 54_000 + 88_000) / 44_000)
    # Funds: O01 5,000 units @ 1 held 12-24 -> 12-31; the ETF X06 is bought after December.
    assert tr["avg_holding_days_fund"] == approx(7)
    # X05: 16,800 for a FIFO cost of 10,000 + 6,000 -> +5%; X09: 7,500 for 500 x 12 -> +25%.
    assert tr["profitable_sells_6m"] == 2
    assert tr["small_gain_sell_share_6m"] == approx(0.5)
    assert tr["big_gain_sell_share_6m"] == approx(0.5)
    # Held in the window: A and B. B went ex on 01-08 while held; A went ex on 01-09 after the
    # last A was sold on 01-07, so it does not count.
    assert tr["ex_right_held_share_6m"] == approx(0.5)
    assert lake.profile_t["CTRADE"]["investment_purpose"] == "股利配股"


def test_trader_industry_and_board(lake: Lake) -> None:
    tr, prof = lake.at_t["CTRADE"], lake.profile_t["CTRADE"]
    # 银行 (A) 22,000 and 电子 (B) 22,000: a tie, the first name by code point wins, and half
    # is not more than half. The IPO application of E (电子, ChiNext) does not count.
    assert tr["top_industry_3m"] == "电子"
    assert tr["top_industry_share_3m"] == approx(0.5)
    assert tr["top_board_3m"] == "主板"
    assert tr["top_board_share_3m"] == approx(0.5)
    assert prof["industry_preference"] == "混合型"
    assert prof["board_preference"] == "混合型"


def test_star_board_buyer(lake: Lake) -> None:
    star, prof = lake.at_t["CSTAR"], lake.profile_t["CSTAR"]
    assert star["buy_amount_stock_3m"] == approx(10_000)
    assert star["top_industry_3m"] == "电子"
    assert star["top_industry_share_3m"] == approx(1.0)
    assert star["top_board_3m"] == "科创板"
    assert star["top_board_share_3m"] == approx(1.0)
    assert prof["industry_preference"] == "电子"
    assert prof["board_preference"] == "科创板"
    # Bought in January: no lot by the end of December, no December trades.
    assert star["avg_holding_days_stock"] is None
    assert star["trades_per_month"] == 0
    assert prof["stock_habit"] == "无交易"
    # F held in the window, without an ex-date.
    assert star["ex_right_held_share_6m"] == 0
    assert star["avg_buy_price"] == approx(50)


# -- holdings ----------------------------------------------------------------------------------


def test_holdings_on_t(lake: Lake) -> None:
    hold, prof = lake.at_t["CHOLD"], lake.profile_t["CHOLD"]
    # With fewer than 50 stocks quoted, every stock is "hot": the only stock held, C, is too.
    assert hold["hot_stock_share_t"] == approx(1.0)
    # P_EQ is the only fund product held anywhere, so in the top 10; P_AM is not a fund.
    assert hold["top_fund_share_t"] == approx(1.0)
    # Of 100,000: stock 10,000 x 4 + warrant 500 x 5 + ETF 8,000 x 3 + bond 10,000 x 2
    #   + P_EQ (R4) 20,000 x 4 + P_AM (R3) 5,000 x 3 + cash 46,500 x 1 = 228,000.
    assert hold["holdings_risk"] == approx(2.28)
    assert prof["holdings_risk_score"] == "中低"
    assert prof["stock_character"] == "追随者"
    assert prof["fund_character"] == "追随者"


def test_holdings_from_before_the_history(lake: Lake) -> None:
    hold = lake.at_t["CHOLD"]
    # Held on the first loaded day without a buy: opening lots dated 12-23 at average cost,
    # held to 12-31 = 8 days (stock C; funds: the ETF and P_EQ).
    assert hold["avg_holding_days_stock"] == approx(8)
    assert hold["avg_holding_days_fund"] == approx(8)
    # C went ex on 01-08 while held: all of the one stock held.
    assert hold["ex_right_held_share_6m"] == approx(1.0)
    assert hold["profitable_sells_6m"] == 0
    assert lake.profile_t["CHOLD"]["investment_purpose"] == "股利配股"


# -- as of an earlier date -------------------------------------------------------------------


def test_indicators_as_of_t1_do_not_change_when_later_dates_arrive(lake: Lake) -> None:
    again = pq.read_table(lake.settings.warehouse_dir / "indicators" / f"{T1}.parquet")
    before = lake.t1_before.sort_by("customer_id").to_pylist()
    after = again.sort_by("customer_id").to_pylist()
    assert after == before
    at_t1 = {r["customer_id"]: r for r in before}
    assert "CNEW" not in at_t1  # opened after T1
    # The trader as of T1: X09 sold on T1 itself, the last full month is still December.
    tr = at_t1["CTRADE"]
    assert tr["profitable_sells_6m"] == 2
    assert tr["trades_per_month"] == 4
    assert tr["buy_amount_other_3m"] == 0  # O02 is on 01-08
    assert tr["index_return_3m"] == approx(3100 / 3000 - 1)
    # B went ex on 01-08, after T1: nothing held went ex yet.
    assert tr["ex_right_held_share_6m"] == 0
