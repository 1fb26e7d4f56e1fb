"""A hand-built lake for the activation rules, loaded with gaps (`allow_gap`) so that a few
dates span more than three years:

Days: A = 2022-03-01, B = 2023-06-01, then 2025-03-03 .. 2025-03-07 = T. With the default
3 years the no-trade window starts 2022-03-08 (after A, so the whole window is loaded); with 1
year it starts 2024-03-08 (after B).

Customers (opened 2019-01-02 in branch B1 unless said; assets are given on every day):
- CSRC: status dormant in the source, cash 5,000 -> dormant (source_status).
- COLD: traded on A (net commission 500) holding 300,000 in stock then; cash 50 since B; served
  by S1, reached by phone on 2025-03-05, opened by referral -> dormant (no_trade_window).
- CMID: traded on B holding 200,000; cash 50 at T; 5,000 transferred in on 2025-03-04 -> empty
  (emptied) with 3 years, dormant with 1 year.
- CEDGE: never traded, cash exactly 100 -> dormant (the cash test is inclusive).
- COVER: never traded, cash 100.01 -> not dormant; empty (never_funded).
- CSEC: never traded, cash 0 but a bond worth 1 -> not dormant (holds securities); empty.
- CTHOU: assets exactly 1,000 -> empty; CTHOU2: 1,000.01 -> not a candidate. Both trade on T.
- CNEW30: opened 2025-02-05 (T - 30 days), nothing -> empty; CNEW29: opened 2025-02-06 -> none.
- CRICH (1,000,000), CCLOSED (closed), CFROZEN (frozen): not candidates.
- CB2: like CEDGE in branch B2 (for the branch filter).
"""

from __future__ import annotations

import datetime as dt

from brokerlens.market.calendar import trading_days
from support.handbuilt import HandInbox, row

A, B = dt.date(2022, 3, 1), dt.date(2023, 6, 1)
RECENT = trading_days(dt.date(2025, 3, 3), dt.date(2025, 3, 7))
T = RECENT[-1]
DAYS = [A, B, *RECENT]
OPENED = "2019-01-02"
SECURITY = "600000.SH"

# customer -> (status, branch, open_date, channel, cash at T, bond at T)
CUSTOMERS: dict[str, tuple[str, str, str, str, float, float]] = {
    "CSRC": ("dormant", "B1", OPENED, "app", 5_000, 0),
    "COLD": ("normal", "B1", OPENED, "referral", 50, 0),
    "CMID": ("normal", "B1", OPENED, "app", 50, 0),
    "CEDGE": ("normal", "B1", OPENED, "online", 100, 0),
    "COVER": ("normal", "B1", OPENED, "online", 100.01, 0),
    "CSEC": ("normal", "B1", OPENED, "online", 0, 1),
    "CTHOU": ("normal", "B1", OPENED, "online", 1_000, 0),
    "CTHOU2": ("normal", "B1", OPENED, "online", 1_000.01, 0),
    "CNEW30": ("normal", "B1", "2025-02-05", "app", 0, 0),
    "CNEW29": ("normal", "B1", "2025-02-06", "app", 0, 0),
    "CRICH": ("normal", "B1", OPENED, "branch", 1_000_000, 0),
    "CCLOSED": ("closed", "B1", OPENED, "branch", 0, 0),
    "CFROZEN": ("frozen", "B1", OPENED, "branch", 0, 0),
    "CB2": ("normal", "B2", OPENED, "online", 100, 0),
}


def _reference(box: HandInbox, first: dt.date) -> None:
    box.add(
        first,
        "org_units",
        row("org_units", unit_id="HQ", unit_type="hq", name="总部", city="上海"),
        row("org_units", unit_id="R1", parent_id="HQ", unit_type="region", name="分公司"),
        row("org_units", unit_id="B1", parent_id="R1", unit_type="branch", name="营业部一"),
        row("org_units", unit_id="B2", parent_id="R1", unit_type="branch", name="营业部二"),
    )
    box.add(
        first,
        "staff",
        row(
            "staff",
            staff_id="S1",
            name="李雷",
            unit_id="B1",
            position="broker",
            hire_date="2018-01-02",
        ),
    )
    box.add(
        first,
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
    customers, accounts = [], []
    for i, (cid, (status, branch, opened, channel, _, _)) in enumerate(CUSTOMERS.items()):
        customers.append(
            row(
                "customers",
                customer_id=cid,
                name=f"客户{cid}",
                customer_type="individual",
                id_type="id_card",
                id_no=f"3101011980050500{i:02d}",
                gender="M",
                birth_date="1980-05-05",
                phone=f"138000000{i:02d}",
                branch_id=branch,
                open_date=opened,
                open_channel=channel,
                investor_class="ordinary",
                status=status,
                close_date="2024-01-02" if status == "closed" else None,
            )
        )
        accounts.append(
            row(
                "accounts",
                account_id=f"A{cid}",
                customer_id=cid,
                account_type="cash",
                open_date=opened,
                status="closed" if status == "closed" else "normal",
            )
        )
    box.add(first, "customers", *customers)
    box.add(first, "accounts", *accounts)
    box.add(
        first,
        "relationships",
        row(
            "relationships",
            customer_id="COLD",
            staff_id="S1",
            role="servicer",
            start_date="2019-01-02",
            share_pct=100,
        ),
    )


def build_box(days: list[dt.date] | None = None) -> HandInbox:
    """The lake above over `days` (all of DAYS by default; the reference on the first)."""
    days = days or DAYS
    box = HandInbox(days)
    _reference(box, days[0])
    for day in days:
        box.quote(day, SECURITY, "10.00")
        for cid, (_, _, opened, _, cash, bond) in CUSTOMERS.items():
            if dt.date.fromisoformat(opened) > day:
                continue
            if cid == "COLD" and day == A:
                box.assets(day, cid, cash=1_000, stock_value=300_000)
            elif cid == "CMID" and day in (A, B):
                box.assets(day, cid, cash=1_000, stock_value=200_000)
            else:
                box.assets(day, cid, cash=cash, bond_value=bond)
    if A in days:
        box.trade(A, "TR1", "COLD", "ACOLD", SECURITY, "buy", 100, "10.00", net_commission="500.00")
    if B in days:
        box.trade(B, "TR2", "CMID", "ACMID", SECURITY, "buy", 100, "10.00", net_commission="20.00")
    for n, cid in enumerate(("CTHOU", "CTHOU2")):
        box.trade(days[-1], f"TR{3 + n}", cid, f"A{cid}", SECURITY, "buy", 1, "10.00")
    contact_day = dt.date(2025, 3, 5)
    if contact_day in days:
        box.add(
            contact_day,
            "contacts",
            row(
                "contacts",
                biz_date=contact_day,
                contact_id="K1",
                customer_id="COLD",
                staff_id="S1",
                channel="phone",
                purpose="care",
                result="reached",
                duration_s=60,
            ),
        )
    inflow_day = dt.date(2025, 3, 4)
    if inflow_day in days:
        box.transfer(inflow_day, "F1", "CMID", "in", 5_000)
    return box
