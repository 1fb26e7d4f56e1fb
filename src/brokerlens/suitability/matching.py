"""The suitability check: a customer against a product, service or business permission.

The verdict is the worst of its reasons: `match`, `mismatch` (tell the investor, warn in writing
and sell only after a confirmation) or `forbidden` (never, even on request). Rules of domain.md
section 1: class Cn matches grades up to the configured one; the lowest category never above R1;
professionals match all; nothing above the class is actively recommended.
"""

from __future__ import annotations

from dataclasses import dataclass

from brokerlens.errors import InvalidRequest
from brokerlens.suitability.facts import CustomerFacts, Target
from brokerlens.suitability.grades import (
    HORIZON_LABELS,
    LOWEST_CATEGORY,
    describe_class,
    describe_grade,
    grade_rank,
    horizon_rank,
)
from brokerlens.suitability.rules import Rules

VERDICTS = ("match", "mismatch", "forbidden")
CONTEXTS = ("purchase", "recommendation")


@dataclass(frozen=True)
class Reason:
    dimension: str  # investor, assessment, risk, horizon, variety, recommendation
    verdict: str
    text: str


@dataclass(frozen=True)
class CheckResult:
    customer_id: str
    target: Target
    context: str
    verdict: str
    reasons: tuple[Reason, ...]
    callback_required: bool
    risk_class: str | None
    professional: bool

    def reason_texts(self) -> list[str]:
        return [r.text for r in self.reasons]


def worst(verdicts: list[str]) -> str:
    return max(verdicts, key=VERDICTS.index, default="match")


def check(
    customer: CustomerFacts, target: Target, rules: Rules, *, context: str = "purchase"
) -> CheckResult:
    """The verdict with every reason; `context` is purchase (the investor's) or recommendation."""
    if context not in CONTEXTS:
        raise InvalidRequest(
            f"context {context!r} is not one of {', '.join(CONTEXTS)}",
            hint="use purchase for the investor's own request, recommendation for ours",
        )
    if customer.professional:
        reasons = [Reason("investor", "match", "专业投资者: 可匹配所有风险等级、期限和品种")]
    else:
        reasons = _ordinary(customer, target, rules, context)
    verdict = worst([r.verdict for r in reasons])
    assessment = customer.assessment
    return CheckResult(
        customer_id=customer.customer_id,
        target=target,
        context=context,
        verdict=verdict,
        reasons=tuple(reasons),
        callback_required=(
            # a call-back follows a sale; granting a business permission sells nothing
            target.kind != "permission"
            and not customer.professional
            and verdict != "forbidden"
            and grade_rank(target.grade) >= grade_rank(rules.callback.min_grade)
        ),
        risk_class=assessment.risk_class if assessment else None,
        professional=customer.professional,
    )


def _ordinary(customer: CustomerFacts, target: Target, rules: Rules, context: str) -> list[Reason]:
    assessment = customer.assessment
    if assessment is None:
        return [Reason("assessment", "forbidden", "无风险承受能力评估: 须先完成评估")]
    if customer.assessment_state == "expired":
        text = f"风险测评已于 {assessment.expire_date} 过期: 须重新评估"
        return [Reason("assessment", "forbidden", text)]
    reasons = [
        _risk(customer, target, rules),
        _horizon(assessment.horizon, target),
        _variety(assessment.varieties, target),
    ]
    mismatched = any(r.verdict == "mismatch" for r in reasons)
    if customer.lowest_reasons and mismatched:
        text = f"{LOWEST_CATEGORY}: 不匹配时不得销售, 不适用警示和确认程序"
        reasons.append(Reason("risk", "forbidden", text))
    if context == "recommendation" and any(r.verdict != "match" for r in reasons):
        text = "不得向普通投资者主动推荐超出其风险承受能力或投资目标的产品"
        reasons.append(Reason("recommendation", "forbidden", text))
    left = (assessment.expire_date - customer.as_of).days if assessment.expire_date else None
    if left is not None and left <= rules.validity.expiring_days:
        text = f"风险测评将于 {assessment.expire_date} 到期 (还有 {left} 天): 请安排重新评估"
        reasons.append(Reason("assessment", "match", text))
    return reasons


def _risk(customer: CustomerFacts, target: Target, rules: Rules) -> Reason:
    klass = customer.assessment.risk_class if customer.assessment else "C1"
    grade = target.grade
    if customer.lowest_reasons:
        cap = rules.lowest_category_max_grade
        why = "; ".join(customer.lowest_reasons)
        if grade_rank(grade) > grade_rank(cap):
            text = (
                f"{LOWEST_CATEGORY} ({why}): 不得销售高于 {cap} 的产品 ({grade}), "
                "即使本人要求也不可"
            )
            return Reason("risk", "forbidden", text)
        return Reason("risk", "match", f"{LOWEST_CATEGORY} ({why}): {grade} 不高于 {cap}")
    allowed = rules.matching[klass]
    if grade_rank(grade) > grade_rank(allowed):
        text = f"风险等级 {describe_grade(grade)} 高于 {describe_class(klass)} 可匹配的 {allowed}"
        return Reason("risk", "mismatch", text)
    text = f"风险等级 {describe_grade(grade)} 在 {describe_class(klass)} 可匹配的 {allowed} 以内"
    return Reason("risk", "match", text)


def _horizon(customer_horizon: str | None, target: Target) -> Reason:
    if target.horizon is None:
        return Reason("horizon", "match", "期限: 无期限要求")
    needs = f"{target.horizon} ({HORIZON_LABELS[target.horizon]})"
    if customer_horizon is None:
        return Reason("horizon", "mismatch", f"期限: 产品需 {needs}, 客户未申报投资期限")
    has = f"{customer_horizon} ({HORIZON_LABELS.get(customer_horizon, '?')})"
    if horizon_rank(customer_horizon) < horizon_rank(target.horizon):
        return Reason("horizon", "mismatch", f"期限: 产品需 {needs}, 客户投资期限仅 {has}")
    return Reason("horizon", "match", f"期限: 产品需 {needs}, 客户投资期限 {has}")


def _variety(varieties: tuple[str, ...], target: Target) -> Reason:
    if target.variety is None:
        return Reason("variety", "match", "品种: 业务权限不比对申报品种")
    if target.variety not in varieties:
        declared = ", ".join(varieties) or "无"
        text = f"品种: {target.variety} 不在客户申报的投资品种中 ({declared})"
        return Reason("variety", "mismatch", text)
    return Reason("variety", "match", f"品种: {target.variety} 在客户申报的投资品种中")


def product_horizon(term_days: int | None, rules: Rules) -> str | None:
    """The horizon a product's term asks for (None: open-ended, no requirement)."""
    if term_days is None:
        return None
    if term_days <= rules.horizon.short_max_days:
        return "short"
    return "medium" if term_days <= rules.horizon.medium_max_days else "long"
