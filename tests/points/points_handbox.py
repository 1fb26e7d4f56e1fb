"""A hand-built lake for the points step: four business days across a month's end, and the
awards each earning rule makes on each of them, worked out by hand.

Days: 2025-03-27 (the first loaded day), 03-28, 03-31, 04-01. The installation's rules file
replaces the shipped `turnover` by version 1 (1 point per 10,000 yuan, at most 500 a day,
through 03-30) and version 2 (2 points per 10,000 yuan from 03-31); every other rule is
shipped (commission 1 per 10 yuan, product purchase 20 per order of 1,000 yuan or more, the
month's mean assets 100,000 -> 50, anniversary 100, a risk assessment 30).

Customers (branch B1; opened 2019-06-10 unless said):
- CT: buys 25,000 yuan on 03-27 (net commission 35.50) -> turnover v1 2, commission 3; again
  25,000 on 03-31 (net commission 9.99) -> turnover v2 4, no commission (999 cents < 1,000).
- CBIG: buys 6,000,000 yuan on 03-28 -> 600 units, capped at 500.
- CP: on 03-31 a subscription of 1,000.00 (counts), a purchase of 999.99 and a redemption of
  5,000 (do not) -> 20; on 04-01 purchases of 2,000 and 3,000 -> 40 (2 orders, 5,000 yuan).
- CM: 150,000 yuan of assets every March day -> on 04-01 the month 2025-03: 50.
- CM2: 100,000 / 100,000 / 99,999.97 -> mean 99,999.99: nothing.
- CM3: 300,000 on 03-31 only -> mean over 3 loaded days 100,000.00: 50 (the level included).
- CA: opened 2020-03-29, a Saturday -> anniversary on 03-31 (ref 2025): 100.
- CA2: opened 2024-03-28 -> on 03-28: 100. CA3: opened 2025-03-27 -> no anniversary yet.
- CR: assessment Q1 assessed 2024-01-02, delivered 03-27 (too old); Q2 assessed 03-30,
  delivered 03-31 -> 30 (ref Q2); Q1 delivered again on 03-31 -> nothing (not new).
- CX: closed, buys 100,000 on 03-27 -> nothing.
- CB2: branch B2, buys 10,000 on 03-27 -> turnover 1 at B2.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from brokerlens.config import Settings
from brokerlens.market.calendar import trading_days
from brokerlens.points.rules import additions_path
from support.handbuilt import HandInbox, row

DAYS = trading_days(dt.date(2025, 3, 27), dt.date(2025, 4, 1))
D1, D2, D3, D4 = DAYS
SECURITY = "600000.SH"
PRODUCT = "P1"
OPENED = "2019-06-10"
CUSTOMERS: dict[str, dict[str, Any]] = {
    "CT": {},
    "CBIG": {},
    "CP": {},
    "CM": {},
    "CM2": {},
    "CM3": {},
    "CA": {"open_date": "2020-03-29"},
    "CA2": {"open_date": "2024-03-28"},
    "CA3": {"open_date": "2025-03-27"},
    "CR": {},
    "CX": {"status": "closed", "close_date": "2025-03-01"},
    "CB2": {"branch_id": "B2"},
}
RULES = """rules:
  - id: turnover
    version: 1
    zh: 交易积分
    en: Trading points
    kind: turnover
    unit: 10000
    points: 1
    max_points: 500
    expiry_months: 24
    valid_from: 2020-01-01
    valid_to: 2025-03-30
  - id: turnover
    version: 2
    zh: 交易积分
    en: Trading points
    kind: turnover
    unit: 10000
    points: 2
    max_points: 500
    expiry_months: 12
    valid_from: 2025-03-31
"""
ISO = dt.date.fromisoformat
# (day, customer, rule, version, ref, amount, units, points, expires_on)
EXPECTED = [
    (D1, "CB2", "turnover", 1, None, "10000.00", 1, 1, "2027-03-27"),
    (D1, "CT", "commission", 1, None, "35.50", 3, 3, "2027-03-27"),
    (D1, "CT", "turnover", 1, None, "25000.00", 2, 2, "2027-03-27"),
    (D2, "CA2", "anniversary", 1, "2025", None, 1, 100, "2027-03-28"),
    (D2, "CBIG", "turnover", 1, None, "6000000.00", 600, 500, "2027-03-28"),
    (D3, "CA", "anniversary", 1, "2025", None, 1, 100, "2027-03-31"),
    (D3, "CP", "product_purchase", 1, None, "1000.00", 1, 20, "2027-03-31"),
    (D3, "CR", "risk_assessment", 1, "Q2", None, 1, 30, "2027-03-31"),
    (D3, "CT", "turnover", 2, None, "25000.00", 2, 4, "2026-03-31"),
    (D4, "CM", "assets_month", 1, "2025-03", "150000.00", 1, 50, "2027-04-01"),
    (D4, "CM3", "assets_month", 1, "2025-03", "100000.00", 1, 50, "2027-04-01"),
    (D4, "CP", "product_purchase", 1, None, "5000.00", 2, 40, "2027-04-01"),
]


def _assessment(aid: str, cid: str, assessed: str, score: int) -> dict[str, str]:
    return row(
        "risk_assessments",
        assessment_id=aid,
        customer_id=cid,
        assess_date=assessed,
        questionnaire_version="V2024.1",
        answers=json.dumps({"q1": "A"}),
        score=score,
        risk_class="C3",
        horizon="medium",
        varieties=json.dumps(["money_market"]),
        expire_date="2027-01-01",
    )


def _reference(box: HandInbox) -> None:
    box.add(
        D1,
        "org_units",
        row("org_units", unit_id="HQ", unit_type="hq", name="总部"),
        row("org_units", unit_id="B1", parent_id="HQ", unit_type="branch", name="一部"),
        row("org_units", unit_id="B2", parent_id="HQ", unit_type="branch", name="二部"),
    )
    customers, accounts = [], []
    for n, (cid, extra) in enumerate(CUSTOMERS.items()):
        values: dict[str, Any] = {
            "customer_id": cid,
            "name": f"客户{cid}",
            "customer_type": "individual",
            "id_type": "id_card",
            "id_no": f"3101011980050500{n:02d}",
            "branch_id": "B1",
            "open_date": OPENED,
            "open_channel": "app",
            "investor_class": "ordinary",
            "status": "normal",
            **extra,
        }
        customers.append(row("customers", **values))
        opened = values["open_date"]
        status = "closed" if values["status"] == "closed" else "normal"
        accounts.append(
            row(
                "accounts",
                account_id=f"A{cid}",
                customer_id=cid,
                account_type="cash",
                open_date=opened,
                status=status,
            )
        )
    box.add(D1, "customers", *customers)
    box.add(D1, "accounts", *accounts)
    box.add(
        D1,
        "securities",
        row(
            "securities",
            security_id=SECURITY,
            name="浦发银行",
            market="SH",
            security_type="stock",
            board="main",
            industry="银行",
            is_st="false",
            list_date="1999-11-10",
        ),
    )
    box.add(
        D1,
        "products",
        row(
            "products",
            product_id=PRODUCT,
            name="货币基金",
            product_type="money_market",
            risk_level="R1",
            status="on_sale",
            fee_rate="0.00",
        ),
    )


def build_box() -> HandInbox:
    box = HandInbox(DAYS)
    _reference(box)
    for day in DAYS:
        box.quote(day, SECURITY, "10.00")
        for cid in ("CT", "CBIG", "CP", "CA", "CA2", "CR", "CX", "CB2"):
            box.assets(day, cid, cash=1_000)
        if day != D3:
            box.assets(day, "CM2", cash=100_000)
        else:
            box.assets(day, "CM2", cash=99_999.97)
        box.assets(day, "CM", cash=150_000)
        if day == D3:
            box.assets(day, "CM3", cash=300_000)
        if day >= dt.date(2025, 3, 27):
            box.assets(day, "CA3", cash=10)
    box.trade(D1, "T1", "CT", "ACT", SECURITY, "buy", 2_500, "10.00", net_commission="35.50")
    box.trade(D3, "T2", "CT", "ACT", SECURITY, "buy", 2_500, "10.00", net_commission="9.99")
    box.trade(D2, "T3", "CBIG", "ACBIG", SECURITY, "buy", 600_000, "10.00")
    box.trade(D1, "T4", "CX", "ACX", SECURITY, "buy", 10_000, "10.00", net_commission="50.00")
    box.trade(D1, "T5", "CB2", "ACB2", SECURITY, "buy", 1_000, "10.00")
    box.product_trade(D3, "O1", "CP", PRODUCT, "subscribe", 1_000, 1_000)
    box.product_trade(D3, "O2", "CP", PRODUCT, "purchase", 999.99, 999.99)
    box.product_trade(D3, "O3", "CP", PRODUCT, "redeem", 5_000, 5_000)
    box.product_trade(D4, "O4", "CP", PRODUCT, "purchase", 2_000, 2_000)
    box.product_trade(D4, "O5", "CP", PRODUCT, "purchase", 3_000, 3_000)
    box.add(D1, "risk_assessments", _assessment("Q1", "CR", "2024-01-02", 50))
    box.add(
        D3,
        "risk_assessments",
        _assessment("Q2", "CR", "2025-03-30", 60),
        _assessment("Q1", "CR", "2025-03-31", 55),
    )
    return box


def write_rules(settings: Settings) -> Path:
    path = additions_path(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(RULES, "utf-8")
    return path


def expected_rows(day: dt.date) -> list[dict[str, Any]]:
    from decimal import Decimal

    return [
        {
            "entry_date": d,
            "customer_id": cid,
            "branch_id": "B2" if cid == "CB2" else "B1",
            "rule_id": rule,
            "rule_version": version,
            "ref": ref,
            "amount": None if amount is None else Decimal(amount),
            "units": units,
            "points": points,
            "expires_on": ISO(lapses),
        }
        for d, cid, rule, version, ref, amount, units, points, lapses in EXPECTED
        if d == day
    ]
