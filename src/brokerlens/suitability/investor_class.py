"""Professional or ordinary investor, by domain.md section 1's criteria, from what the data
shows: financial assets (total assets net of margin debt), the 20-day mean, experience.

Income and an institution's net assets are not in the feeds: a criterion that rests on them is
reported as not shown by the data, never assumed.
"""

from __future__ import annotations

from dataclasses import dataclass

from brokerlens.suitability.facts import CustomerFacts
from brokerlens.suitability.grades import yuan
from brokerlens.suitability.rules import IndividualCriteria, Rules

OUTCOMES = ("professional", "to_verify", "may_apply", "ordinary")


@dataclass(frozen=True)
class ClassAssessment:
    customer_id: str
    recorded: str  # what the source system records: ordinary or professional
    outcome: str  # professional, to_verify, may_apply (ordinary who may ask), ordinary
    reasons: tuple[str, ...]

    @property
    def agrees(self) -> bool:
        """False when the record says professional but the data does not support it."""
        return self.recorded != "professional" or self.outcome in ("professional", "to_verify")


def assess_class(customer: CustomerFacts, rules: Rules) -> ClassAssessment:
    criteria = rules.professional
    if customer.customer_type == "product":
        outcome, reasons = "professional", ["金融产品: 依法为专业投资者"]
    elif customer.customer_type == "institution":
        outcome, reasons = _institution(customer, rules)
    else:
        outcome, reasons = _person(customer, criteria.individual)
        if outcome == "ordinary":
            applied, why = _person(customer, criteria.apply)
            if applied != "ordinary":
                outcome = "may_apply"
                reasons.append("可申请转化为专业投资者: " + "; ".join(why))
    return ClassAssessment(customer.customer_id, customer.investor_class, outcome, tuple(reasons))


def _assets_text(customer: CustomerFacts, need: float) -> tuple[bool, str]:
    value = customer.total_assets
    if value is None:
        return False, f"金融资产: 数据中没有 (需 {yuan(need)})"
    mean = f", 20日日均 {yuan(customer.assets_20d)}" if customer.assets_20d is not None else ""
    sign = ">=" if value >= need else "<"
    return value >= need, f"金融资产 {yuan(value)} {sign} {yuan(need)}{mean}"


def _experience(customer: CustomerFacts, months: int) -> tuple[str, str]:
    low, high = customer.experience_months()
    text = f"{customer.experience_text()}, 需 {months} 个月"
    if low >= months:
        return "met", text
    return ("missing", text) if high < months else ("unverified", text + " (需核实)")


def _person(customer: CustomerFacts, need: IndividualCriteria) -> tuple[str, list[str]]:
    assets_ok, assets = _assets_text(customer, need.financial_assets)
    income = f"近3年年均收入 >= {yuan(need.annual_income)}: 数据中没有"
    experience, exp_text = _experience(customer, need.experience_months)
    reasons = [assets, income, exp_text]
    if experience == "missing":
        return "ordinary", reasons
    if assets_ok:
        return ("professional" if experience == "met" else "to_verify"), reasons
    return "ordinary", reasons


def _institution(customer: CustomerFacts, rules: Rules) -> tuple[str, list[str]]:
    need = rules.professional.institution
    assets_ok, assets = _assets_text(customer, need.financial_assets)
    experience, exp_text = _experience(customer, need.experience_months)
    reasons = [assets, f"净资产 >= {yuan(need.net_assets)}: 数据中没有, 需核实", exp_text]
    if not assets_ok or experience == "missing":
        return "ordinary", reasons
    return "to_verify", reasons
