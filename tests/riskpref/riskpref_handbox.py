"""A hand-built brokerage for the risk preference tests: 8 SSE trading days 2025-03-25 ..
2025-04-03 (5 in Q1, 3 in Q2; 2025-04-04 is a holiday), every figure chosen so that each
feature can be worked out by hand.

Securities quote flat, except A_MAIN: close 10, 10, 10, 11, 12 on 03-25 .. 03-31, then 12.
Customers (every day unless said):
- CMIX: cash 10,000; A_MAIN 20,000, CHI 10,000, ETF 20,000, P_EQ 30,000, P_MM 10,000 (100,000).
  In April it holds BOND 90,000 instead (Q1 must not see it).
- CIPO: cash 50,000; applies for 50,000 of new shares on 03-26.
- CWAR: cash 20,000; buys 100 A_MAIN at 12.60 and 1,000 WAR at 0.50 on 03-31.
- CB: cash 10,000 and the B share BSH 40,000. CST: cash 20,000 and the ST stock ST 30,000.
- CVOL: cash 100,000, 110,000, 99,000, 119,000 (20,000 transferred in), 119,000 in Q1.
- CTINY: cash 500 (below the fit sample's 1,000). CNEW: opened 03-28, cash 10,000.
- CBF: cash 5,000; P_BF 45,000 (bond fund).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from brokerlens.market.calendar import trading_days
from support.handbuilt import HandInbox, money, row

DAYS = trading_days(dt.date(2025, 3, 25), dt.date(2025, 4, 3))
Q1_DAYS = [d for d in DAYS if d.month == 3]
A_MAIN, CHI, ST, BSH = "600036.SH", "300750.SZ", "600001.SH", "900901.SH"
ETF, BOND, WAR = "510300.SH", "019547.SH", "580999.SH"
SECURITIES = [
    (A_MAIN, "stock", "main", "false", "10.00"),
    (CHI, "stock", "chinext", "false", "20.00"),
    (ST, "stock", "main", "true", "3.00"),
    (BSH, "stock", "main", "false", "1.00"),
    (ETF, "etf", None, "false", "4.00"),
    (BOND, "bond", None, "false", "100.00"),
    (WAR, "warrant", None, "false", "0.50"),
]
A_CLOSES = ["10.00", "10.00", "10.00", "11.00", "12.00", "12.00", "12.00", "12.00"]
PRODUCTS = [
    ("P_EQ", "equity_fund", "R4"),
    ("P_MM", "money_market", "R1"),
    ("P_BF", "bond_fund", "R2"),
]
CUSTOMERS = ["CMIX", "CIPO", "CWAR", "CB", "CST", "CVOL", "CTINY", "CNEW", "CBF"]
NEW_OPEN = dt.date(2025, 3, 28)


def _customer(cid: str, **kw: Any) -> dict[str, str]:
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


def _account(cid: str, **kw: Any) -> dict[str, str]:
    values: dict[str, Any] = {
        "account_id": f"A_{cid}",
        "customer_id": cid,
        "account_type": "cash",
        "open_date": "2020-03-04",
        "status": "normal",
        **kw,
    }
    return row("accounts", **values)


def _reference(box: HandInbox) -> None:
    first = DAYS[0]
    box.add(
        first,
        "org_units",
        row("org_units", unit_id="HQ", unit_type="hq", name="总部", city="上海"),
        row("org_units", unit_id="B1", parent_id="HQ", unit_type="branch", name="营业部"),
    )
    early = [c for c in CUSTOMERS if c != "CNEW"]
    box.add(first, "customers", *(_customer(c) for c in early))
    box.add(first, "accounts", *(_account(c) for c in early))
    box.add(NEW_OPEN, "customers", _customer("CNEW", open_date=NEW_OPEN))
    box.add(NEW_OPEN, "accounts", _account("CNEW", open_date=NEW_OPEN))
    securities = [
        row(
            "securities",
            security_id=sid,
            name=sid,
            market=sid[-2:],
            security_type=kind,
            board=board,
            is_st=st,
            list_date="2010-01-04",
        )
        for sid, kind, board, st, _ in SECURITIES
    ]
    box.add(first, "securities", *securities)
    products = [
        row("products", product_id=p, name=p, product_type=t, risk_level=r, status="on_sale")
        for p, t, r in PRODUCTS
    ]
    box.add(first, "products", *products)


def _quotes(box: HandInbox) -> None:
    for i, day in enumerate(DAYS):
        for sid, *_, close in SECURITIES:
            if sid != A_MAIN:
                box.quote(day, sid, close)
        prev = A_CLOSES[max(i - 1, 0)]
        close = A_CLOSES[i]
        box.add(
            day,
            "quotes",
            row(
                "quotes",
                biz_date=day,
                security_id=A_MAIN,
                open=close,
                high=max(close, prev),
                low=min(close, prev),
                close=close,
                prev_close=prev,
                volume=1_000_000,
                amount=money(1_000_000 * float(close)),
            ),
        )
        box.index_quote(day, "000001.SH", "3000.00")


def _holdings(box: HandInbox) -> None:
    vol = {0: 100_000, 1: 110_000, 2: 99_000, 3: 119_000, 4: 119_000}
    for i, day in enumerate(DAYS):
        if day.month == 3:
            box.assets(day, "CMIX", cash=10_000, stock_value=30_000, fund_value=20_000,
                       product_value=40_000)  # fmt: skip
            box.position(day, "CMIX", "A_CMIX", A_MAIN, 2000, 20_000, 20_000)
            box.position(day, "CMIX", "A_CMIX", CHI, 500, 10_000, 10_000)
            box.position(day, "CMIX", "A_CMIX", ETF, 5000, 20_000, 20_000)
            box.product_holding(day, "CMIX", "P_EQ", 30_000, 30_000, 30_000)
            box.product_holding(day, "CMIX", "P_MM", 10_000, 10_000, 10_000)
        else:
            box.assets(day, "CMIX", cash=10_000, bond_value=90_000)
            box.position(day, "CMIX", "A_CMIX", BOND, 900, 90_000, 90_000)
        box.assets(day, "CIPO", cash=50_000)
        box.assets(day, "CWAR", cash=20_000)
        box.assets(day, "CB", cash=10_000, stock_value=40_000)
        box.position(day, "CB", "A_CB", BSH, 40_000, 40_000, 40_000)
        box.assets(day, "CST", cash=20_000, stock_value=30_000)
        box.position(day, "CST", "A_CST", ST, 10_000, 30_000, 30_000)
        box.assets(day, "CVOL", cash=vol.get(i, 119_000))
        box.assets(day, "CTINY", cash=500)
        if day >= NEW_OPEN:
            box.assets(day, "CNEW", cash=10_000)
        box.assets(day, "CBF", cash=5_000, product_value=45_000)
        box.product_holding(day, "CBF", "P_BF", 45_000, 45_000, 45_000)
    box.transfer(DAYS[3], "R1", "CVOL", "in", 20_000)


def _trades(box: HandInbox) -> None:
    box.trade(DAYS[1], "X1", "CIPO", "A_CIPO", A_MAIN, "buy", 5000, "10.00",
              trade_type="ipo_subscribe")  # fmt: skip
    box.trade(DAYS[4], "X2", "CWAR", "A_CWAR", A_MAIN, "buy", 100, "12.60")
    box.trade(DAYS[4], "X3", "CWAR", "A_CWAR", WAR, "buy", 1000, "0.50")
    # April: a big warrant trade that Q1 must not see
    box.trade(DAYS[6], "X4", "CWAR", "A_CWAR", WAR, "buy", 100_000, "0.50")


def build_inbox() -> HandInbox:
    box = HandInbox(DAYS)
    _reference(box)
    _quotes(box)
    _holdings(box)
    _trades(box)
    return box
