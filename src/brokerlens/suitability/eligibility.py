"""Business-permission eligibility: for each permission, every requirement met, missing
(e.g. "20日日均资产 412,300 < 500,000") or not shown by the data (to verify)."""

from __future__ import annotations

from dataclasses import dataclass

from brokerlens.errors import InvalidRequest
from brokerlens.suitability.facts import CustomerFacts, Target
from brokerlens.suitability.grades import class_rank, describe_class, yuan
from brokerlens.suitability.rules import PERMISSIONS, Permission, Rules

STATUSES = ("eligible", "to_verify", "not_eligible")


@dataclass(frozen=True)
class Requirement:
    name: str
    status: str  # met, missing, unverified
    text: str


@dataclass(frozen=True)
class Eligibility:
    permission: str
    name: str
    status: str
    already_open: bool
    requirements: tuple[Requirement, ...]

    @property
    def missing(self) -> list[str]:
        return [r.text for r in self.requirements if r.status == "missing"]


def permission_target(permission: str, rules: Rules) -> Target:
    spec = _spec(permission, rules)
    return Target(kind="permission", target_id=permission, name=spec.name, grade=spec.grade)


def _spec(permission: str, rules: Rules) -> Permission:
    if permission not in rules.permissions:
        raise InvalidRequest(
            f"permission {permission!r} is not one of {', '.join(rules.permissions)}",
            hint="name a business permission, e.g. margin or chinext",
        )
    return rules.permissions[permission]


def eligibility(customer: CustomerFacts, permission: str, rules: Rules) -> Eligibility:
    spec = _spec(permission, rules)
    found = [_assets(customer, spec)]
    if spec.experience_months:
        found.append(_experience(customer, spec))
    if spec.min_class is not None:
        found.append(_class(customer, spec.min_class))
    if spec.age is not None and customer.customer_type == "individual":
        found.append(_age(customer, spec.age))
    if spec.needs_margin_or_futures:
        found.append(
            Requirement("margin_or_futures", "met", "已有融资融券账户或协议")
            if customer.margin_or_futures
            else Requirement("margin_or_futures", "missing", "无融资融券或期货交易经历")
        )
    found += [Requirement(i, "unverified", f"{i}: 数据中没有, 需核实") for i in spec.not_in_data]
    statuses = {r.status for r in found}
    status = "eligible"
    if "missing" in statuses:
        status = "not_eligible"
    elif "unverified" in statuses:
        status = "to_verify"
    return Eligibility(permission, spec.name, status, permission in customer.services, tuple(found))


def all_eligibility(customer: CustomerFacts, rules: Rules) -> list[Eligibility]:
    return [eligibility(customer, p, rules) for p in PERMISSIONS if p in rules.permissions]


def _assets(customer: CustomerFacts, spec: Permission) -> Requirement:
    need = spec.assets_20d
    value = customer.assets_20d
    if value is None:
        return Requirement("assets_20d", "missing", f"20日日均资产: 数据中没有 (需 {yuan(need)})")
    short = f" (数据中仅 {customer.assets_days} 个交易日)" if customer.assets_days < 20 else ""
    sign = ">=" if value >= need else "<"
    text = f"20日日均资产 {yuan(value)} {sign} {yuan(need)}{short}"
    return Requirement("assets_20d", "met" if value >= need else "missing", text)


def _experience(customer: CustomerFacts, spec: Permission) -> Requirement:
    need = spec.experience_months
    low, high = customer.experience_months()
    text = f"{customer.experience_text()}, 需 {need} 个月"
    if low >= need:
        return Requirement("experience", "met", text)
    if high < need:
        return Requirement("experience", "missing", text)
    return Requirement("experience", "unverified", f"{text}: 数据不足以证明, 需核实")


def _class(customer: CustomerFacts, min_class: str) -> Requirement:
    assessment = customer.assessment
    if assessment is None:
        return Requirement("risk_class", "missing", f"无风险测评 (需 {min_class} 及以上)")
    if customer.assessment_state == "expired":
        text = f"风险测评已于 {assessment.expire_date} 过期 (需 {min_class} 及以上)"
        return Requirement("risk_class", "missing", text)
    klass = "C1" if customer.lowest_reasons else assessment.risk_class
    if class_rank(klass) < class_rank(min_class):
        text = f"风险承受能力 {describe_class(klass)} 低于 {min_class}"
        return Requirement("risk_class", "missing", text)
    return Requirement("risk_class", "met", f"风险承受能力 {describe_class(klass)} >= {min_class}")


def _age(customer: CustomerFacts, bounds: tuple[int, int]) -> Requirement:
    age = customer.age
    low, high = bounds
    if age is None:
        return Requirement("age", "unverified", f"年龄: 数据中没有出生日期 (需 {low}-{high} 岁)")
    if low <= age <= high:
        return Requirement("age", "met", f"年龄 {age} 在 {low}-{high} 岁之间")
    return Requirement("age", "missing", f"年龄 {age} 不在 {low}-{high} 岁之间")
