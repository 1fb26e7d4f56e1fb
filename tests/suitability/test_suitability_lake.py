"""Facts read from the lake: the 20-day mean (open date, missing rows), experience from the
first trade, agreements, the lowest category from the answers; products as targets."""

from __future__ import annotations

import pytest
from suitability_lake import T

from brokerlens.config import Settings
from brokerlens.errors import NotFound
from brokerlens.suitability.eligibility import eligibility
from brokerlens.suitability.lake import (
    customer_facts,
    lake_connection,
    one_customer,
    product_target,
    resolve_as_of,
)
from brokerlens.suitability.questionnaire import shipped_definitions
from brokerlens.suitability.rules import default_rules

DEFS = shipped_definitions()
RULES = default_rules()


def test_latest_date_is_the_default_as_of(suitability_lake: Settings) -> None:
    with lake_connection(suitability_lake) as conn:
        assert resolve_as_of(conn, None) == T


def test_twenty_day_mean_names_the_missing_amount(suitability_lake: Settings) -> None:
    with lake_connection(suitability_lake) as conn:
        facts = customer_facts(conn, T, DEFS)
    assert facts["CMID"].assets_days == 20
    assert facts["CMID"].assets_20d == pytest.approx(412_300.40)
    assert eligibility(facts["CMID"], "margin", RULES).missing == ["20日日均资产 412,300 < 500,000"]
    assert facts["CNEW"].assets_days == 10  # days before the account opened are left out
    assert facts["CNEW"].assets_20d == pytest.approx(600_000)
    assert facts["CGAP"].assets_20d == pytest.approx(400_000)  # a missing row counts as 0


def test_experience_from_the_first_trade_and_agreements(suitability_lake: Settings) -> None:
    with lake_connection(suitability_lake) as conn:
        cmid = one_customer(conn, T, DEFS, "CMID")
    assert str(cmid.first_seen) == "2025-02-07"
    assert cmid.experience_months() == (1, 120)  # opened 2015-03-04, before the lake
    assert cmid.services == frozenset({"margin"}) and cmid.margin_or_futures
    assert cmid.assessment is not None and cmid.assessment.risk_class == "C4"


def test_lowest_category_comes_from_the_answers(suitability_lake: Settings) -> None:
    with lake_connection(suitability_lake) as conn:
        clow = one_customer(conn, T, DEFS, "CLOW")
    assert clow.lowest_reasons == ("q7=A 不能承受任何投资损失",)


def test_product_target_and_unknown_ids(suitability_lake: Settings) -> None:
    with lake_connection(suitability_lake) as conn:
        target = product_target(conn, "P_PRIV", RULES)
        assert (target.grade, target.horizon, target.variety) == ("R5", "medium", "private_fund")
        with pytest.raises(NotFound, match="product 'NOPE' is not in the lake"):
            product_target(conn, "NOPE", RULES)
        with pytest.raises(NotFound, match="customer 'CX' is not in the lake"):
            one_customer(conn, T, DEFS, "CX")
