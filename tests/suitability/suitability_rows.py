"""Hand-made suitability facts: a customer as the rules see it, stating only what a test needs."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Any

from brokerlens.suitability.facts import Assessment, CustomerFacts, Target

AS_OF = dt.date(2025, 3, 18)
ALL_TYPES = (
    "money_market",
    "bond_fund",
    "hybrid_fund",
    "equity_fund",
    "index_fund",
    "qdii_fund",
    "private_fund",
    "asset_mgmt",
    "structured_note",
    "advisory",
    "info_service",
)


def assessment(risk_class: str = "C3", **kw: Any) -> Assessment:
    base = Assessment(
        assessment_id="Q1",
        version="V2024.1",
        assess_date=dt.date(2024, 6, 3),
        score=50.0,
        risk_class=risk_class,
        horizon="long",
        varieties=ALL_TYPES,
        expire_date=dt.date(2026, 6, 3),
    )
    return replace(base, **kw)


def customer(risk_class: str | None = "C3", **kw: Any) -> CustomerFacts:
    base = CustomerFacts(
        customer_id="C1",
        as_of=AS_OF,
        name="李四",
        branch_id="B1",
        birth_date=dt.date(1980, 5, 1),
        open_date=dt.date(2025, 1, 2),
        history_start=dt.date(2025, 1, 2),
        assessment=assessment(risk_class) if risk_class else None,
    )
    return replace(base, **kw)


def product(grade: str = "R3", **kw: Any) -> Target:
    return replace(
        Target(kind="product", target_id="P1", name="某基金", grade=grade, variety="hybrid_fund"),
        **kw,
    )
