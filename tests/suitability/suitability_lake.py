"""A hand-built lake for suitability: 23 SSE trading days 2025-02-05 .. 2025-03-07 (T), so the
20-day window is 2025-02-10 .. T. Every figure a test reads is set here:

- CMID: 412,300.40 on every day, a C4 (all C answers, 70 points), first trade on 2025-02-07,
  holds P_EQ (R4) and P_PRIV (R5, above C4); a margin agreement.
- CNEW: opened 2025-02-24 (the 11th-last day), 600,000 from then: mean over 10 days.
- CGAP: 800,000 on 10 of the 20 days, no row on the others (counted as 0): mean 400,000.
- CBAD: delivered 55 points / C3 though the answers (all B) give 40 / C3: a planted score
  disagreement; and its expire_date is a day short of two years. Holds P_EQ (R4 > C3).
- COLD: assessed 2023-03-01, expired 2025-03-01; holds P_EQ. CSOON: expires 2025-03-20.
- CPRO: professional, holds P_PRIV. CLOW: answered q7=A (no tolerance for any loss) and was
  delivered as C2: the lowest category. CNONE: never assessed.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from brokerlens.config import Settings, load_settings
from brokerlens.ingest import ingest_inbox
from brokerlens.market.calendar import trading_days
from support.handbuilt import HandInbox, row

DAYS = trading_days(dt.date(2025, 2, 5), dt.date(2025, 3, 7))
FIRST, T = DAYS[0], DAYS[-1]
WINDOW = DAYS[-20:]


def _answers(options: str) -> str:
    return json.dumps({f"q{i + 1}": o for i, o in enumerate(options)})


def _assessment(
    aid: str, cid: str, day: str, options: str, score: float, klass: str, **kw: Any
) -> dict[str, str]:
    horizon = {"A": "short", "B": "medium"}.get(options[2], "long")
    start = dt.date.fromisoformat(day)
    values: dict[str, Any] = {
        "assessment_id": aid,
        "customer_id": cid,
        "assess_date": day,
        "questionnaire_version": "V2024.1" if start.year >= 2024 else "V2021.2",
        "answers": _answers(options),
        "score": score,
        "risk_class": klass,
        "horizon": horizon,
        "varieties": json.dumps(["money_market", "bond_fund", "hybrid_fund", "equity_fund"]),
        "expire_date": start.replace(year=start.year + 2).isoformat(),
        **kw,
    }
    return row("risk_assessments", **values)


def build() -> HandInbox:
    box = HandInbox(DAYS)
    box.add(
        FIRST,
        "org_units",
        row("org_units", unit_id="HQ", unit_type="hq", name="总部"),
        row("org_units", unit_id="B1", parent_id="HQ", unit_type="branch", name="一部"),
        row("org_units", unit_id="B2", parent_id="HQ", unit_type="branch", name="二部"),
    )

    def customer(cid: str, branch: str = "B1", **kw: Any) -> dict[str, str]:
        values: dict[str, Any] = {
            "customer_id": cid, "name": cid, "customer_type": "individual", "id_type": "id_card",
            "id_no": f"3101011990010{len(cid):05d}", "birth_date": "1980-05-01",
            "branch_id": branch, "open_date": "2015-03-04", "open_channel": "app",
            "investor_class": "ordinary", "status": "normal", **kw,
        }  # fmt: skip
        return row("customers", **values)

    box.add(
        FIRST,
        "customers",
        customer("CMID"),
        customer("CNEW", open_date="2025-02-24"),
        customer("CGAP"),
        customer("CBAD", "B2"),
        customer("COLD", "B2"),
        customer("CSOON", "B2"),
        customer("CPRO", investor_class="professional"),
        customer("CLOW"),
        customer("CNONE", "B2"),
    )
    box.add(
        FIRST,
        "accounts",
        *[
            row("accounts", account_id=f"A{c}", customer_id=c, account_type="cash",
                open_date="2015-03-04", status="normal")
            for c in ("CMID", "CNEW", "CGAP", "CBAD", "COLD", "CSOON", "CPRO", "CLOW", "CNONE")
        ],
    )  # fmt: skip
    box.add(
        FIRST,
        "securities",
        row("securities", security_id="600036.SH", name="招商银行", market="SH",
            security_type="stock", board="main", industry="银行", is_st="false",
            list_date="2002-04-09"),
    )  # fmt: skip
    box.add(
        FIRST,
        "products",
        row("products", product_id="P_EQ", name="股票基金", product_type="equity_fund",
            risk_level="R4", status="on_sale", fee_rate="0.015"),
        row("products", product_id="P_PRIV", name="私募基金", product_type="private_fund",
            risk_level="R5", status="on_sale", term_days="730", fee_rate="0.01"),
        row("products", product_id="P_MM", name="货币基金", product_type="money_market",
            risk_level="R1", status="on_sale", fee_rate="0.003"),
    )  # fmt: skip
    box.add(
        FIRST,
        "risk_assessments",
        _assessment("Q1", "CMID", "2024-06-03", "CCCCCCCCCC", 70, "C4"),
        _assessment("Q2", "CBAD", "2024-06-03", "BBBBBBBBBB", 55, "C3", expire_date="2026-06-02"),
        _assessment("Q3", "COLD", "2023-03-01", "DDDDDDDDDD", 100, "C5"),
        _assessment("Q4", "CSOON", "2023-03-20", "CCCCCCCCCC", 70, "C4"),
        _assessment("Q5", "CPRO", "2024-06-03", "BBBBBBBBBB", 40, "C3"),
        _assessment("Q6", "CLOW", "2024-06-03", "BBBBBBABBB", 37, "C2"),
        _assessment("Q7", "CNEW", "2025-02-24", "CCCCCCCCCC", 70, "C4"),
        _assessment("Q8", "CGAP", "2024-06-03", "CCCCCCCCCC", 70, "C4"),
    )
    box.add(
        FIRST,
        "service_agreements",
        row("service_agreements", agreement_id="G1", customer_id="CMID", service="margin",
            sign_date="2024-01-02"),
    )  # fmt: skip
    for i, day in enumerate(DAYS):
        box.assets(day, "CMID", cash=412_300.40)
        if day >= dt.date(2025, 2, 24):
            box.assets(day, "CNEW", cash=600_000)
        if day in WINDOW and WINDOW.index(day) % 2 == 0:
            box.assets(day, "CGAP", cash=800_000)
        for cid in ("CBAD", "COLD", "CSOON", "CPRO", "CLOW", "CNONE"):
            box.assets(day, cid, cash=10_000)
        if i == 2:
            box.trade(day, "T1", "CMID", "ACMID", "600036.SH", "buy", 100, "10.00")
    box.product_holding(T, "CMID", "P_EQ", 1000, 20_000, 20_000)
    box.product_holding(T, "CMID", "P_PRIV", 1000, 1_000_000, 1_000_000)
    box.product_holding(T, "CBAD", "P_EQ", 1000, 5_000, 5_000)
    box.product_holding(T, "COLD", "P_EQ", 1000, 7_000, 7_000)
    box.product_holding(T, "CPRO", "P_PRIV", 1000, 2_000_000, 2_000_000)
    box.product_holding(T, "CLOW", "P_MM", 1000, 1_000, 1_000)
    return box


def load(root: Path) -> Settings:
    inbox = build().write(root / "inbox")
    settings = load_settings(home=root / "home")
    report = ingest_inbox(settings, inbox)
    assert report.exit_code == 0, [d.reason for d in report.dates if d.reason]
    return settings
