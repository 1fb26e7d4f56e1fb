"""A hand-built brokerage for the churn tests: 50 SSE trading days from 2025-03-03, cash only.

Named customers (labels, with tests/churn/churn.yaml: outflow and return windows of 5 trading
days, outflow share 0.7, return share 0.5, minimum assets 10,000):
- H_CLOSED: its cash account is delivered `closed` on day 10 (close_date day 10): hard.
- H_TRANSFER: cash account `transferred_out` on day 12, no close_date: hard on day 12.
- H_DESIG: cash account `designation_cancelled`, delivered on day 15 (a Monday) with the
  Saturday before as close_date: moved to the next trading day, day 15.
- H_CUST: the customer's own status becomes `closed` on day 16: hard.
- H_MARGIN: its margin account is closed on day 10, the cash account stays: not churned.
- H_LATE: cash account closed on day 35 (after the point-in-time test's T).
- S_OUT: cash 100,000; 80,000 out on day 20, nothing back: soft on day 20.
- S_BACK: 80,000 out on day 20, 60,000 back on day 22 (>= half within 5 days): not churned.
- S_SMALL: cash 8,000, 7,000 out on day 20: below the minimum assets, not churned.
- S_LATE: 80,000 out on day 47: the 5-day return window passes the last day, not known yet.
- STAY: cash 100,000 all along.
Plus 40 generated customers G00..G39 (seeded): a third drain their cash in two steps before
leaving, the others move a little money and trade now and then; enough for the model to learn.
"""

from __future__ import annotations

import datetime as dt
import random

from brokerlens.market.calendar import trading_days
from support.handbuilt import HandInbox, row

DAYS = trading_days(dt.date(2025, 3, 3), dt.date(2025, 6, 30))[:50]
SECURITY = "600036.SH"
NAMED = [
    "H_CLOSED",
    "H_TRANSFER",
    "H_DESIG",
    "H_CUST",
    "H_MARGIN",
    "H_LATE",
    "S_OUT",
    "S_BACK",
    "S_SMALL",
    "S_LATE",
    "STAY",
]
GENERATED = [f"G{i:02d}" for i in range(40)]
DESIG_CLOSE = DAYS[15] - dt.timedelta(days=2)  # the Saturday before day 15 (checked below)


def customer(cid: str, **kw: object) -> dict[str, str]:
    values: dict[str, object] = {
        "customer_id": cid,
        "name": cid,
        "customer_type": "individual",
        "id_type": "id_card",
        "id_no": f"31010119800501{sum(map(ord, cid)):04d}",
        "birth_date": "1980-05-01",
        "branch_id": "B1",
        "open_date": "2020-03-04",
        "open_channel": "app",
        "investor_class": "ordinary",
        "status": "normal",
        **kw,
    }
    return row("customers", **values)


def account(cid: str, kind: str = "cash", **kw: object) -> dict[str, str]:
    values: dict[str, object] = {
        "account_id": f"A_{cid}_{kind}",
        "customer_id": cid,
        "account_type": kind,
        "open_date": "2020-03-04",
        "status": "normal",
        **kw,
    }
    return row("accounts", **values)


def build_inbox() -> HandInbox:
    assert DESIG_CLOSE not in DAYS and DAYS[14] < DESIG_CLOSE < DAYS[15]
    box = HandInbox(DAYS)
    first = DAYS[0]
    box.add(
        first,
        "org_units",
        row("org_units", unit_id="HQ", unit_type="hq", name="总部", city="上海"),
        row("org_units", unit_id="B1", parent_id="HQ", unit_type="branch", name="营业部"),
    )
    everyone = NAMED + GENERATED
    box.add(first, "customers", *(customer(c) for c in everyone))
    box.add(first, "accounts", *(account(c) for c in everyone), account("H_MARGIN", "margin"))
    box.add(
        first,
        "securities",
        row(
            "securities",
            security_id=SECURITY,
            name="招商银行",
            market="SH",
            security_type="stock",
            board="main",
            is_st="false",
            list_date="2002-04-09",
        ),
    )
    # hard churns, delivered as changed reference rows
    box.add(DAYS[10], "accounts", account("H_CLOSED", status="closed", close_date=DAYS[10]))
    box.add(DAYS[12], "accounts", account("H_TRANSFER", status="transferred_out"))
    box.add(
        DAYS[15],
        "accounts",
        account("H_DESIG", status="designation_cancelled", close_date=DESIG_CLOSE),
    )
    box.add(DAYS[16], "customers", customer("H_CUST", status="closed", close_date=DAYS[16]))
    box.add(
        DAYS[10], "accounts", account("H_MARGIN", "margin", status="closed", close_date=DAYS[10])
    )
    box.add(DAYS[35], "accounts", account("H_LATE", status="closed", close_date=DAYS[35]))

    flows: dict[str, dict[int, float]] = {c: {} for c in everyone}  # + in, - out
    start: dict[str, float] = {c: 100_000.0 for c in everyone}
    start["S_SMALL"] = 8_000.0
    flows["S_OUT"][20] = -80_000
    flows["S_BACK"][20] = -80_000
    flows["S_BACK"][22] = 60_000
    flows["S_SMALL"][20] = -7_000
    flows["S_LATE"][47] = -80_000
    rng = random.Random(20261129)
    trades: dict[str, list[int]] = {c: [] for c in everyone}
    for i, c in enumerate(GENERATED):
        start[c] = float(rng.randrange(30_000, 300_000, 1000))
        if i % 3 == 0:  # a leaver: trades less, then drains the cash in two steps
            leave = rng.randrange(22, 46)
            flows[c][leave - 3] = -round(start[c] * 0.3)
            flows[c][leave] = -round(start[c] * 0.65)
            trades[c] = [d for d in range(0, leave - 10, 7)]
        else:
            for d in rng.sample(range(1, 50), 3):
                flows[c][d] = float(rng.choice([-1, 1]) * rng.randrange(1000, 10_000, 500))
            trades[c] = sorted(rng.sample(range(50), 8))
    seq = 0
    for c in everyone:
        cash = start[c]
        for d, day in enumerate(DAYS):
            amount = flows[c].get(d)
            if amount:
                seq += 1
                box.transfer(day, f"T{seq:05d}", c, "in" if amount > 0 else "out", abs(amount))
                cash += amount
            if d in trades[c]:
                seq += 1
                box.trade(day, f"X{seq:05d}", c, f"A_{c}_cash", SECURITY, "buy", 100, "10.00")
            box.assets(day, c, cash=cash)
    for day in DAYS:
        box.quote(day, SECURITY, "10.00")
        box.index_quote(day, "000001.SH", "3000.00")
    return box
