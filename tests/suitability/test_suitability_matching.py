"""The matching table cell by cell, horizon, variety, the lowest category, professionals,
expiry and active recommendation: the verdict and the reason a person reads."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from suitability_rows import assessment, customer, product

from brokerlens.errors import InvalidRequest
from brokerlens.suitability.grades import CLASSES, GRADES
from brokerlens.suitability.matching import check, product_horizon
from brokerlens.suitability.rules import default_rules

RULES = default_rules()
# domain.md section 1: C1 -> R1; C2 -> R1..R2; C3 -> R1..R3; C4 -> R1..R4; C5 -> R1..R5
ALLOWED = {"C1": 1, "C2": 2, "C3": 3, "C4": 4, "C5": 5}
CELLS = [(c, g) for c in CLASSES for g in GRADES]


@pytest.mark.parametrize(("klass", "grade"), CELLS, ids=[f"{c}-{g}" for c, g in CELLS])
def test_matching_table_cell(klass: str, grade: str) -> None:
    result = check(customer(klass), product(grade), RULES)
    expected = "match" if int(grade[1]) <= ALLOWED[klass] else "mismatch"
    assert result.verdict == expected
    risk = next(r for r in result.reasons if r.dimension == "risk")
    assert risk.verdict == expected
    assert grade in risk.text and klass in risk.text


def test_a_mismatch_says_what_the_class_allows() -> None:
    result = check(customer("C2"), product("R4"), RULES)
    assert "风险等级 R4 中高风险 高于 C2 谨慎型 可匹配的 R2" in result.reason_texts()


@pytest.mark.parametrize(
    ("has", "needs", "verdict"),
    [
        ("short", None, "match"),
        ("short", "short", "match"),
        ("short", "medium", "mismatch"),
        ("short", "long", "mismatch"),
        ("medium", "medium", "match"),
        ("medium", "long", "mismatch"),
        ("long", "long", "match"),
        ("long", "short", "match"),
    ],
)
def test_horizon(has: str, needs: str | None, verdict: str) -> None:
    person = customer("C5", assessment=assessment("C5", horizon=has))
    result = check(person, product("R1", horizon=needs), RULES)
    assert result.verdict == verdict
    horizon = next(r for r in result.reasons if r.dimension == "horizon")
    assert horizon.verdict == verdict


def test_product_horizon_from_its_term() -> None:
    assert product_horizon(None, RULES) is None
    assert product_horizon(180, RULES) == "short"
    assert product_horizon(730, RULES) == "medium"
    assert product_horizon(3650, RULES) == "long"


def test_variety_outside_the_declared_ones_is_a_mismatch() -> None:
    person = customer("C5", assessment=assessment("C5", varieties=("money_market", "bond_fund")))
    result = check(person, product("R2", variety="private_fund"), RULES)
    assert result.verdict == "mismatch"
    assert any("private_fund 不在客户申报的投资品种中" in t for t in result.reason_texts())
    assert check(person, product("R2", variety="bond_fund"), RULES).verdict == "match"


@pytest.mark.parametrize("grade", GRADES)
def test_lowest_category_never_above_r1(grade: str) -> None:
    person = customer("C1", lowest_reasons=("q7=A 不能承受任何投资损失",))
    result = check(person, product(grade), RULES)
    assert result.verdict == ("match" if grade == "R1" else "forbidden")
    if grade != "R1":
        assert any("最低类别" in t and "q7=A" in t for t in result.reason_texts())


def test_lowest_category_cannot_confirm_a_horizon_or_variety_mismatch() -> None:
    person = customer(
        "C1",
        lowest_reasons=("q7=A 不能承受任何投资损失",),
        assessment=assessment("C1", horizon="short", varieties=("money_market",)),
    )
    result = check(person, product("R1", horizon="medium", variety="money_market"), RULES)
    assert result.verdict == "forbidden"
    assert "风险承受能力最低类别: 不匹配时不得销售, 不适用警示和确认程序" in result.reason_texts()
    ordinary = dataclasses.replace(person, lowest_reasons=())
    assert (
        check(ordinary, product("R1", horizon="medium", variety="money_market"), RULES).verdict
        == "mismatch"
    )


def test_an_expiring_assessment_is_said_beside_a_match() -> None:
    soon = customer("C3", assessment=assessment("C3", expire_date=dt.date(2025, 4, 2)))
    result = check(soon, product("R2"), RULES)
    assert result.verdict == "match"
    assert "风险测评将于 2025-04-02 到期 (还有 15 天): 请安排重新评估" in result.reason_texts()
    assert not any("到期" in t for t in check(customer("C3"), product("R2"), RULES).reason_texts())


def test_lowest_category_forbids_even_when_the_delivered_class_is_higher() -> None:
    person = customer("C4", lowest_reasons=("q7=A 不能承受任何投资损失",))
    assert check(person, product("R3"), RULES).verdict == "forbidden"


@pytest.mark.parametrize("grade", GRADES)
def test_professionals_match_all(grade: str) -> None:
    person = customer(None, investor_class="professional")
    result = check(person, product(grade, horizon="long", variety="private_fund"), RULES)
    assert result.verdict == "match"
    assert result.reason_texts() == ["专业投资者: 可匹配所有风险等级、期限和品种"]
    assert not result.callback_required


def test_expired_assessment_forbids_until_reassessed() -> None:
    person = customer("C5", assessment=assessment("C5", expire_date=dt.date(2025, 3, 17)))
    result = check(person, product("R1"), RULES)
    assert result.verdict == "forbidden"
    assert result.reason_texts() == ["风险测评已于 2025-03-17 过期: 须重新评估"]
    same_day = dataclasses.replace(person, as_of=dt.date(2025, 3, 17))
    assert check(same_day, product("R1"), RULES).verdict == "match"


def test_no_assessment_forbids() -> None:
    assert check(customer(None), product("R1"), RULES).verdict == "forbidden"


def test_no_active_recommendation_above_the_class() -> None:
    result = check(customer("C3"), product("R4"), RULES, context="recommendation")
    assert result.verdict == "forbidden"
    assert any("不得向普通投资者主动推荐" in t for t in result.reason_texts())
    assert check(customer("C3"), product("R3"), RULES, context="recommendation").verdict == "match"


def test_callback_for_high_risk_sale_to_ordinary_investor() -> None:
    assert check(customer("C5"), product("R4"), RULES).callback_required
    assert not check(customer("C5"), product("R3"), RULES).callback_required
    assert check(customer("C3"), product("R5"), RULES).callback_required  # mismatch, if confirmed


def test_no_callback_for_a_business_permission() -> None:
    """A call-back follows a sale; granting a permission of a high grade sells nothing."""
    from brokerlens.suitability.eligibility import permission_target

    for key in ("margin", "option", "star"):
        target = permission_target(key, RULES)
        assert target.grade in ("R4", "R5")
        result = check(customer("C5"), target, RULES)
        assert result.verdict == "match" and not result.callback_required


def test_unknown_context_is_refused_naming_it() -> None:
    with pytest.raises(InvalidRequest, match="context 'sale'"):
        check(customer(), product(), RULES, context="sale")
