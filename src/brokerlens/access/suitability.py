"""Suitability (适当性) for the web, always within the caller's scope.

Every customer function first finds the customer with `customers.scoped_row`, the 360's own
check: a customer outside the caller's scope raises the same NotFound as an unknown one. The
facts are then read by `brokerlens.suitability.service` as of the served snapshot's date, and
checks and their warning and confirmation are kept by `brokerlens.suitability.workflow`.
A recorded check is reached only through its customer: one out of scope is "no check", like a
missing one. The brokerage-wide reports need Permission.SUITABILITY_REPORTS and a role that
sees every customer (compliance, HQ).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any, Literal, TypeVar

import sqlalchemy as sa
from pydantic import BaseModel, ConfigDict, Field

from brokerlens.access.approvals import (
    Applying,
    Approval,
    ApprovalKind,
    approve,
    open_request,
    register_kind,
    reject,
)
from brokerlens.access.approvals import request_approval as ask_approval
from brokerlens.access.audit import record_audit
from brokerlens.access.callback_tasks import schedule_callback
from brokerlens.access.customers import scoped_row
from brokerlens.access.exports import Exported, RowSink, _too_many, export_name
from brokerlens.access.records import beijing_date, utc_now
from brokerlens.access.snapshot import served_snapshot_on
from brokerlens.auth.principal import ALL_CUSTOMER_ROLES, Permission, Principal
from brokerlens.compliance.callbacks.config import load_config as load_callback_config
from brokerlens.config import Settings
from brokerlens.errors import Forbidden, InvalidRequest, NotFound
from brokerlens.riskpref.quarter import parse_quarter
from brokerlens.riskpref.service import customer_history
from brokerlens.store.suitability_schema import investor_class_requests
from brokerlens.suitability import service, workflow
from brokerlens.suitability.eligibility import Eligibility, all_eligibility
from brokerlens.suitability.errors import WorkflowError
from brokerlens.suitability.investor_class import assess_class
from brokerlens.suitability.matching import CheckResult
from brokerlens.suitability.riskmismatch import risk_gap, risk_mismatch
from brokerlens.suitability.rules import load_rules
from brokerlens.suitability.service import (
    check_customer,
    customer_class,
    customer_view,
    holdings_report,
    rescore_lake,
)
from brokerlens.suitability.workflow import (
    ClassRequest,
    checks_of,
    class_requests,
    decide_class_request,
    get_check,
    record_check,
    request_class,
)
from brokerlens.warehouse.served import suitability_report_stamp

R = TypeVar("R", bound=BaseModel)
REPORT_LIMIT = 500  # rows of a report's list answered at most (the counts cover every row)


class SuitabilityRefused(InvalidRequest):
    """A workflow step the library refused (e.g. a confirmation with no prior warning): 422."""


# -- typed results (the web answers them as they are: its response models) ----------------------


class _Open(BaseModel):
    """Fixed fields, and the optional ones kept as given (absent from the JSON when absent)."""

    model_config = ConfigDict(extra="allow")


class Regulatory(_Open):
    """The delivered assessment's class and validity; extra: assessment_id, version, score,
    horizon, varieties when there is an assessment."""

    state: str = Field(description="valid, expiring, expired or missing (no assessment)")
    risk_class: str | None = Field(description="C1..C5 as delivered")
    effective_class: str | None = Field(description="C1 for the lowest category, else the class")
    lowest_category: bool = False
    lowest_reasons: list[str] = Field(default_factory=list)
    assess_date: dt.date | None = None
    expire_date: dt.date | None = None
    days_left: int | None = None


class InvestorClass(BaseModel):
    recorded: str = Field(description="what the source system records")
    treated: str = Field(description="as treated, after any approved class request")
    outcome: str = Field(description="what the data shows: professional, to_verify, may_apply, …")
    reasons: list[str]
    agrees: bool


class BehaviourLevel(_Open):
    quarter: str
    version: int | None = None
    level: str | None = Field(description="最高 .. 最低")
    score: int | None = None
    cluster_name: str | None = None
    description: str | None = None
    why: str | None = Field(default=None, description="the level's reasons on the absolute scale")


class CompositeRisk(BaseModel):
    latest_level: str | None
    risk_gap: int | None = Field(description="levels behaviour is above the class")
    risk_mismatch: bool | None = Field(description="behaviour >= 2 levels above the class")


class PermissionEligibility(BaseModel):
    permission: str
    name: str
    status: Literal["eligible", "to_verify", "not_eligible"]
    already_open: bool
    requirements: list[dict[str, str]]
    missing: list[str] = Field(description="what is missing, e.g. 20日日均资产 412,300 < 500,000")


class CheckPublic(_Open):
    """A recorded check with its events; extra, with the live result: target, context,
    risk_class, professional and (for a permission) eligibility."""

    check_id: int
    at: dt.datetime
    checked_by: str
    customer_id: str
    target_kind: str
    target_id: str
    verdict: Literal["match", "mismatch", "forbidden"]
    reasons: list[dict[str, str]] = Field(description="dimension, verdict, text: every reason")
    callback_required: bool
    events: list[dict[str, Any]] = Field(description="warning_shown, confirmed … with who/when")
    warned: bool
    confirmed: bool


class SuitabilityPublic(BaseModel):
    """A customer's suitability."""

    customer_id: str
    as_of_date: dt.date
    regulatory: Regulatory
    investor_class: InvestorClass
    behaviour: list[BehaviourLevel] = Field(description="per stored quarter, oldest first")
    latest_level: str | None
    risk_gap: int | None = Field(description="levels behaviour is above the class")
    risk_mismatch: bool | None = Field(description="behaviour >= 2 levels above the class")
    checks: list[CheckPublic] = Field(description="the latest recorded checks, newest first")
    eligibility: list[PermissionEligibility] | None = Field(
        default=None, exclude=True, description="asked by the 360 panel only; not answered"
    )


class EligibilityPublic(BaseModel):
    customer_id: str
    as_of_date: dt.date
    permissions: list[PermissionEligibility]


class _Paged(BaseModel):
    matched: int = Field(default=0, description="rows matching the filters, over every page")
    page: int = 1
    page_size: int = REPORT_LIMIT

    @property
    def pages(self) -> int:
        return max(1, -(-self.matched // max(self.page_size, 1)))


class FindingsPublic(_Paged):
    as_of_date: dt.date
    assessments: int
    total: int = Field(description="every finding of the report")
    counts: dict[str, int]
    findings: list[dict[str, Any]] = Field(description="this page's findings")


class ValidityPublic(_Paged):
    as_of_date: dt.date
    branches: list[dict[str, Any]]
    total: int = Field(description="every customer to re-assess")
    customers: list[dict[str, Any]] = Field(description="this page's customers")


class HoldingsPublic(_Paged):
    as_of_date: dt.date
    branches: list[dict[str, Any]]
    total: int = Field(description="every holding above class")
    holdings: list[dict[str, Any]] = Field(description="this page's holdings")
    grades: list[str] = Field(default_factory=list, description="the risk grades present")


class ComplianceOverview(BaseModel):
    """The three reports of the compliance page."""

    findings: FindingsPublic
    validity: ValidityPublic
    holdings: HoldingsPublic


def _scoped(
    db: sa.Engine,
    principal: Principal,
    customer_id: str,
    action: str | None = None,
    detail: dict[str, Any] | None = None,
) -> dt.date:
    """The served date, once the customer is known in scope; audits `action` if given."""
    with db.begin() as connection:
        snapshot = served_snapshot_on(connection)
        scoped_row(connection, principal, snapshot, customer_id)
        if action:
            record_audit(connection, principal, action, [customer_id], detail or {})
    return snapshot.as_of_date


def _audit(
    db: sa.Engine,
    principal: Principal,
    action: str,
    customer_ids: Sequence[str],
    detail: dict[str, Any],
) -> None:
    with db.begin() as connection:
        record_audit(connection, principal, action, customer_ids, detail)


# -- one customer ---------------------------------------------------------------------------------


def _regulatory(facts: Any, expiring_days: int) -> Regulatory:
    a = facts.assessment
    if a is None:
        return Regulatory(state="missing", risk_class=None, effective_class=None)
    left = (a.expire_date - facts.as_of).days if a.expire_date else None
    state = facts.assessment_state
    if state == "valid" and left is not None and left <= expiring_days:
        state = "expiring"
    return Regulatory.model_validate(
        {
            "state": state,
            "risk_class": a.risk_class,
            # the lowest category sits in C1 whatever the delivered class (domain.md section 1)
            "effective_class": "C1" if facts.lowest_reasons else a.risk_class,
            "lowest_category": bool(facts.lowest_reasons),
            "lowest_reasons": list(facts.lowest_reasons),
            "assessment_id": a.assessment_id,
            "version": a.version,
            "score": a.score,
            "assess_date": a.assess_date,
            "expire_date": a.expire_date,
            "days_left": left,
            "horizon": a.horizon,
            "varieties": list(a.varieties),
        }
    )


def behaviour_history(settings: Settings, customer_id: str) -> list[BehaviourLevel]:
    """The customer's behavioural level per stored quarter; empty when no model is stored."""
    try:
        found = customer_history(settings, customer_id)
    except NotFound:
        return []
    keep = ("quarter", "version", "level", "score", "cluster_name", "description", "why")
    return [BehaviourLevel.model_validate({k: row.get(k) for k in keep}) for row in found]


def composite_risk(
    regulatory: Regulatory, levels: Sequence[BehaviourLevel], as_of: dt.date
) -> CompositeRisk:
    """As the pipeline's `risk_mismatch` classification decides it as of the same date: the
    newest level of a quarter ended by `as_of`, against the class of a valid assessment."""
    valid = regulatory.state in ("valid", "expiring")
    klass = regulatory.effective_class if valid else None
    ended = [row for row in levels if parse_quarter(row.quarter).end <= as_of]
    level = ended[-1].level if ended else None
    if klass is None or level is None:
        return CompositeRisk(latest_level=level, risk_gap=None, risk_mismatch=None)
    return CompositeRisk(
        latest_level=level,
        risk_gap=risk_gap(klass, level),
        risk_mismatch=risk_mismatch(klass, level),
    )


def customer_suitability(
    db: sa.Engine,
    settings: Settings,
    principal: Principal,
    customer_id: str,
    *,
    with_eligibility: bool = False,
) -> SuitabilityPublic:
    """Regulatory class and validity, investor class with reasons, behavioural levels,
    `risk_mismatch` of the latest level against the class, the recorded checks (and, asked,
    each permission's eligibility from the same read of the lake); audited `view_suitability`."""
    detail = {"eligibility": True} if with_eligibility else {}
    as_of = _scoped(db, principal, customer_id, "view_suitability", detail)
    view = customer_view(settings, customer_id, as_of)
    recorded = dataclasses.replace(view.facts, investor_class=view.recorded_class)
    assessed = assess_class(recorded, view.rules)
    regulatory = _regulatory(view.facts, view.rules.validity.expiring_days)
    levels = behaviour_history(settings, customer_id)
    eligibility = None
    if with_eligibility:
        eligibility = [eligibility_of(e) for e in all_eligibility(view.facts, view.rules)]
    risk = composite_risk(regulatory, levels, as_of)
    return SuitabilityPublic(
        customer_id=customer_id,
        as_of_date=as_of,
        regulatory=regulatory,
        investor_class=InvestorClass(
            recorded=view.recorded_class,
            treated=view.facts.investor_class,
            outcome=assessed.outcome,
            reasons=list(assessed.reasons),
            agrees=assessed.agrees,
        ),
        behaviour=levels,
        latest_level=risk.latest_level,
        risk_gap=risk.risk_gap,
        risk_mismatch=risk.risk_mismatch,
        checks=[check_of(c) for c in _checks_of(db, customer_id)],
        eligibility=eligibility,
    )


def _checks_of(db: sa.Engine, customer_id: str) -> list[Any]:
    return checks_of(db, customer_id)[-10:][::-1]  # the latest ten, newest first


def eligibility_of(item: Eligibility) -> PermissionEligibility:
    return PermissionEligibility(
        permission=item.permission,
        name=item.name,
        status=item.status,  # type: ignore[arg-type]
        already_open=item.already_open,
        requirements=[dataclasses.asdict(r) for r in item.requirements],
        missing=item.missing,
    )


def customer_eligibility(
    db: sa.Engine, settings: Settings, principal: Principal, customer_id: str
) -> EligibilityPublic:
    """Each business permission: eligible, to verify or not, with what is missing; audited
    `view_eligibility`."""
    as_of = _scoped(db, principal, customer_id, "view_eligibility")
    _, items = service.customer_eligibility(settings, customer_id, as_of)
    return EligibilityPublic(
        customer_id=customer_id,
        as_of_date=as_of,
        permissions=[eligibility_of(e) for e in items],
    )


# -- checks and their workflow --------------------------------------------------------------------


def check_of(record: Any, result: Any = None, allowed: Eligibility | None = None) -> CheckPublic:
    """A recorded check with its events; with the live result, the target's details too."""
    out: dict[str, Any] = {
        "check_id": record.check_id,
        "at": record.at,
        "checked_by": record.checked_by,
        "customer_id": record.customer_id,
        "target_kind": record.target_kind,
        "target_id": record.target_id,
        "verdict": record.verdict,
        "reasons": record.reasons,
        "callback_required": record.callback_required,
        "events": [dataclasses.asdict(e) for e in record.events],
        "warned": record.has("warning_shown"),
        "confirmed": record.has("confirmed"),
    }
    if result is not None:
        out["target"] = dataclasses.asdict(result.target)
        out["context"] = result.context
        out["risk_class"] = result.risk_class
        out["professional"] = result.professional
    if allowed is not None:
        out["eligibility"] = eligibility_of(allowed).model_dump()
    return CheckPublic.model_validate(out)


@dataclasses.dataclass(frozen=True)
class TargetCheck:
    """A suitability check as the service made it: the verdict with every reason, for a
    permission its eligibility, and the recorded check's id (None when not recorded)."""

    customer_id: str
    as_of_date: dt.date
    result: CheckResult
    eligibility: Eligibility | None
    check_id: int | None


def run_check(
    db: sa.Engine,
    settings: Settings,
    principal: Principal,
    customer_id: str,
    target: str,
    context: str = "purchase",
    *,
    record: bool = True,
) -> TargetCheck:
    """Check a product (by id) or business permission (margin, chinext, ...) for the customer
    in scope as of the served date; recorded in the store (who, when) unless `record` is
    False. Audited `suitability_check` either way (`recorded: false` in the detail if not)."""
    detail: dict[str, Any] = {"target": target, "context": context}
    if not record:
        detail["recorded"] = False
    as_of = _scoped(db, principal, customer_id, "suitability_check", detail)
    view, result, allowed = check_customer(
        settings, customer_id, target, context=context, as_of=as_of
    )
    check_id = None
    if record:
        check_id = record_check(
            db, result, by=principal.username, branch_id=view.facts.branch_id, as_of=as_of
        )
    return TargetCheck(customer_id, as_of, result, allowed, check_id)


def check_target(
    db: sa.Engine,
    settings: Settings,
    principal: Principal,
    customer_id: str,
    target: str,
    context: str = "purchase",
) -> CheckPublic:
    """`run_check`, recorded, answered as the web's check (the record with its events)."""
    found = run_check(db, settings, principal, customer_id, target, context)
    assert found.check_id is not None
    return check_of(get_check(db, found.check_id), found.result, found.eligibility)


def _scoped_check(db: sa.Engine, principal: Principal, check_id: int) -> Any:
    """The check if its customer is in scope; one NotFound for a missing or hidden check."""
    try:
        record = get_check(db, check_id)
        _scoped(db, principal, record.customer_id)
    except NotFound:
        raise NotFound(f"no check {check_id}", hint="give a recorded check's id") from None
    return record


def _step(
    db: sa.Engine,
    principal: Principal,
    check_id: int,
    kind: str,
    run: Callable[[str], object],
) -> CheckPublic:
    """One workflow step on a check in scope: `run(username)` records it; the library's
    refusal answers 422; the step is audited as `suitability_<kind>`."""
    record = _scoped_check(db, principal, check_id)
    try:
        run(principal.username)
    except WorkflowError as exc:
        raise SuitabilityRefused(exc.message, hint=exc.hint) from None
    _audit(db, principal, f"suitability_{kind}", [record.customer_id], {"check_id": check_id})
    return check_of(workflow.get_check(db, check_id))


def record_warning(
    db: sa.Engine, principal: Principal, check_id: int, note: str | None = None
) -> CheckPublic:
    """Record that the mismatch's risk warning was shown; refused (422) for a match or a
    forbidden check."""

    def run(by: str) -> object:
        return workflow.show_warning(db, check_id, by=by, note=note)

    return _step(db, principal, check_id, "warning", run)


def record_confirmation(
    db: sa.Engine, principal: Principal, check_id: int, note: str | None = None
) -> CheckPublic:
    """Record the customer's confirmation; refused (422) without a prior warning."""

    def run(by: str) -> object:
        return workflow.confirm(db, check_id, by=by, note=note)

    return _step(db, principal, check_id, "confirmation", run)


def record_sale(
    db: sa.Engine, settings: Settings, principal: Principal, check_id: int
) -> CheckPublic:
    """Record that the sale went ahead: refused (422) for a forbidden check or an unconfirmed
    mismatch; a high-risk sale to an ordinary investor schedules its call-back."""

    today = beijing_date(utc_now())

    def run(by: str) -> object:
        return workflow.record_sale(db, check_id, by=by, rules=load_rules(settings), today=today)

    done = _step(db, principal, check_id, "sale", run)
    due = [e["due_date"] for e in done.events if e["kind"] == "callback_scheduled"]
    if due:
        _sale_callback(db, settings, principal, done.customer_id, check_id, due[-1], today)
    return done


def _sale_callback(
    db: sa.Engine,
    settings: Settings,
    principal: Principal,
    customer_id: str,
    check_id: int,
    due: dt.date,
    today: dt.date,
) -> None:
    """The call-back task of a high-risk sale (kind high_risk_sale, source the check id): the
    call-back work list serves it, and completing it records `callback_done` on the check."""
    with db.begin() as connection:
        row = scoped_row(connection, principal, served_snapshot_on(connection), customer_id)
        made = schedule_callback(
            connection,
            principal,
            customer_id=customer_id,
            kind="high_risk_sale",
            source_ref=str(check_id),
            due_date=due,
            branch_id=row.get("branch_id"),
            config=load_callback_config(settings),
            today=today,
        )
        if made is not None:
            detail = {"callback_id": made, "callback_kind": "high_risk_sale", "check_id": check_id}
            record_audit(connection, principal, "schedule_callback", [customer_id], detail)


# -- investor class requests ---------------------------------------------------------------------


CLASS_KIND = "investor_class"  # its approval kind, registered in access.approval_kinds


def _class_ref(request_id: int) -> str:
    return f"investor_class:{request_id}"


def request_investor_class(
    db: sa.Engine,
    settings: Settings,
    principal: Principal,
    customer_id: str,
    direction: str,
    evidence: str | None = None,
) -> ClassRequest:
    """Record a customer's application to be treated as professional (or as ordinary), with
    what the data shows as of the served date, and ask compliance in 待审批 (an
    `investor_class` approval request); audited `investor_class_request`."""
    detail = {"direction": direction}
    as_of = _scoped(db, principal, customer_id, "investor_class_request", detail)
    view, assessed = customer_class(settings, customer_id, as_of)
    try:
        request_id = request_class(
            db,
            view.facts,
            direction,
            by=principal.username,
            assessment=assessed,
            evidence=evidence,
        )
    except WorkflowError as exc:
        raise SuitabilityRefused(exc.message, hint=exc.hint) from None
    to = "专业投资者" if direction == "to_professional" else "普通投资者"
    with db.begin() as connection:
        ask_approval(
            connection,
            principal,
            kind=CLASS_KIND,
            subject=f"投资者分类申请 {customer_id} → {to}",
            subject_ref=_class_ref(request_id),
            payload={
                "class_request_id": request_id,
                "customer_id": customer_id,
                "direction": direction,
                "data_outcome": assessed.outcome,
                "evidence": evidence,
            },
            reason=evidence,
        )
    return class_requests(db, request_id=request_id)[0]


def customer_class_requests(
    db: sa.Engine, principal: Principal, customer_id: str
) -> list[ClassRequest]:
    """A customer's class requests, newest first (the customer in scope); audited
    `view_class_requests`."""
    _scoped(db, principal, customer_id, "view_class_requests", {"customer_id": customer_id})
    return class_requests(db, customer_id=customer_id)


def _deciding(principal: Principal) -> None:
    if not principal.can(Permission.DECIDE_INVESTOR_CLASS):
        raise Forbidden(
            "deciding an investor class request needs the decide_investor_class permission "
            "(compliance)",
            hint="the request stays pending until compliance decides it",
        )


def pending_class_requests(
    db: sa.Engine, principal: Principal, limit: int = REPORT_LIMIT
) -> list[ClassRequest]:
    """The requests waiting for a decision, for compliance; audited with their customers."""
    _deciding(principal)
    found = class_requests(db, status="pending", limit=limit)
    ids = sorted({r.customer_id for r in found})
    _audit(db, principal, "view_class_requests", ids, {"status": "pending"})
    return found


def decide_investor_class(
    db: sa.Engine,
    settings: Settings,
    principal: Principal,
    request_id: int,
    approve_it: bool,
    note: str | None,
) -> ClassRequest:
    """Approve or reject a pending request through its approval in 待审批 (the same decision
    as there; a rejection needs a note, an approval against the data too); audited
    `approval_approve` / `approval_reject` and `investor_class_decision`."""
    _deciding(principal)
    found = class_requests(db, request_id=request_id)
    if not found:
        raise NotFound(f"no class request {request_id}", hint="give a recorded request's id")
    with db.connect() as connection:
        waiting = open_request(connection, CLASS_KIND, _class_ref(request_id))
    if waiting is None:  # recorded before the approval flow, or already decided
        try:
            decide_class_request(
                db, request_id, approve=approve_it, by=principal.username, note=note
            )
        except WorkflowError as exc:
            raise SuitabilityRefused(exc.message, hint=exc.hint) from None
        detail = {"request_id": request_id, "approve": approve_it}
        _audit(db, principal, "investor_class_decision", [found[0].customer_id], detail)
    elif approve_it:
        done = approve(db, settings, principal, waiting.request_id, note)
        if done.status == "failed":
            raise SuitabilityRefused(done.effect or "not applied")
    else:
        reject(db, settings, principal, waiting.request_id, note)
    return class_requests(db, request_id=request_id)[0]


def check_class_approval(
    applying: Applying, decider: Principal, request: Approval, comment: str | None
) -> None:
    """Approving against the data (the data does not show the criteria) needs a comment
    naming the evidence; refused before anything is recorded."""
    against = request.payload.get("direction") == "to_professional" and (
        request.payload.get("data_outcome") == "ordinary"
    )
    if against and not comment:
        raise SuitabilityRefused(
            f"class request {request.payload.get('class_request_id')}: the data does not show "
            "the criteria",
            hint="approve only with a note (comment) naming the evidence (e.g. income proof)",
        )


def apply_class_approval(applying: Applying, decider: Principal, request: Approval) -> str:
    """The customer is treated as the request asks from now on."""
    class_id = int(request.payload["class_request_id"])
    try:
        decide_class_request(
            applying.db, class_id, approve=True, by=decider.username, note=request.comment
        )
    except WorkflowError as exc:
        raise SuitabilityRefused(exc.message, hint=exc.hint) from None
    customer = str(request.payload.get("customer_id"))
    detail = {"request_id": class_id, "approve": True, "approval": request.request_id}
    _audit(applying.db, decider, "investor_class_decision", [customer], detail)
    direction = str(request.payload.get("direction"))
    return f"customer {customer} treated as {direction.removeprefix('to_')} from now on"


def close_class_approval(
    applying: Applying, decider: Principal, request: Approval, status: str
) -> None:
    """A rejected (or withdrawn) approval rejects the class request, in its transaction."""
    if applying.connection is None:
        return
    table = investor_class_requests
    note = request.comment if status == "rejected" else f"withdrawn by {decider.username}"
    applying.connection.execute(
        table.update()
        .where(
            table.c.request_id == int(request.payload["class_request_id"]),
            table.c.status == "pending",
        )
        .values(
            status="rejected",
            decided_at=dt.datetime.now(dt.UTC),
            decided_by=decider.username,
            decision_note=note,
        )
    )
    if status == "rejected":
        detail = {"request_id": request.payload["class_request_id"], "approve": False}
        record_audit(
            applying.connection, decider, "investor_class_decision", request.customer_ids, detail
        )


def describe_class_request(
    settings: Settings, request: Approval, language: str
) -> list[tuple[str, str]]:
    p = request.payload
    en = language == "en"
    to = str(p.get("direction") or "").removeprefix("to_")
    treated = {"professional": "专业投资者", "ordinary": "普通投资者"}
    return [
        ("Customer" if en else "客户", str(p.get("customer_id"))),
        ("Treated as" if en else "申请认定为", to if en else treated.get(to, to)),
        (
            "The data shows" if en else "数据显示",
            str(p.get("data_outcome")) if en else treated.get(str(p.get("data_outcome")), "—"),
        ),
        ("Evidence" if en else "证明材料", str(p.get("evidence") or "—")),
        ("Class request" if en else "分类申请编号", str(p.get("class_request_id"))),
    ]


CLASS_APPROVAL = register_kind(
    ApprovalKind(
        name=CLASS_KIND,
        zh="投资者分类认定",
        en="Investor class",
        apply=apply_class_approval,
        permission=Permission.DECIDE_INVESTOR_CLASS,
        describe=describe_class_request,
        check=check_class_approval,
        close=close_class_approval,
        deciders="compliance (decide_investor_class)",
    )
)


# -- brokerage-wide reports -----------------------------------------------------------------------


def _reports_allowed(principal: Principal) -> None:
    if not principal.can(Permission.SUITABILITY_REPORTS) or principal.role not in (
        ALL_CUSTOMER_ROLES
    ):
        raise Forbidden(
            "suitability reports need the suitability_reports permission "
            "(compliance or HQ: they cover every customer)",
            hint="ask compliance for the findings of your customers",
        )


def _served_date(db: sa.Engine) -> dt.date:
    with db.connect() as connection:
        return served_snapshot_on(connection).as_of_date


@dataclasses.dataclass(frozen=True)
class ReportQuery:
    """One page of a report's list, filtered by branch and by the report's key field (a
    finding's kind, a validity state, a holding's risk grade). page_size None: every row."""

    branch_id: str | None = None
    key: str | None = None
    page: int = 1
    page_size: int | None = REPORT_LIMIT


REPORT_KEYS = {"findings": "kind", "validity": "state", "holdings_above_class": "grade"}
REPORT_COLUMNS = {
    "findings": (
        "assessment_id",
        "customer_id",
        "branch_id",
        "version",
        "kind",
        "delivered",
        "rescored",
        "detail",
    ),
    "validity": ("branch_id", "customer_id", "state", "assessment_id", "expire_date", "days_left"),
    "holdings_above_class": (
        "branch_id",
        "customer_id",
        "risk_class",
        "allowed",
        "kind",
        "item_id",
        "name",
        "grade",
        "market_value",
        "reason",
    ),
}


def _matching(items: Sequence[Any], key: str, query: ReportQuery) -> list[Any]:
    found = list(items)
    if query.branch_id:
        found = [i for i in found if (i.branch_id or "") == query.branch_id]
    if query.key:
        found = [i for i in found if str(getattr(i, key)) == query.key]
    return found


def _page(found: list[Any], query: ReportQuery) -> list[Any]:
    if query.page_size is None:
        return found
    start = (max(query.page, 1) - 1) * query.page_size
    return found[start : start + query.page_size]


def _findings(report: Any, query: ReportQuery) -> tuple[FindingsPublic, list[str]]:
    found = _matching(report.findings, "kind", query)
    shown = _page(found, query)
    return FindingsPublic(
        as_of_date=report.as_of,
        assessments=report.assessments,
        total=report.total_findings(),
        counts=report.counts(),
        findings=[dataclasses.asdict(f) for f in shown],
        matched=len(found),
        page=query.page,
        page_size=query.page_size or max(len(found), 1),
    ), [f.customer_id for f in shown]


def _validity(report: Any, query: ReportQuery) -> tuple[ValidityPublic, list[str]]:
    found = _matching(report.due(), "state", query)
    shown = _page(found, query)
    return ValidityPublic(
        as_of_date=report.as_of,
        branches=[dataclasses.asdict(b) for b in report.branches()],
        total=report.total_due(),
        customers=[dataclasses.asdict(v) for v in shown],
        matched=len(found),
        page=query.page,
        page_size=query.page_size or max(len(found), 1),
    ), [v.customer_id for v in shown]


def _holdings(report: Any, query: ReportQuery) -> tuple[HoldingsPublic, list[str]]:
    found = _matching(report.holdings, "grade", query)
    shown = _page(found, query)
    return HoldingsPublic(
        as_of_date=report.as_of,
        branches=[dataclasses.asdict(b) for b in report.branches()],
        total=report.count(),
        holdings=[dataclasses.asdict(h) for h in shown],
        grades=sorted({h.grade for h in report.holdings}),
        matched=len(found),
        page=query.page,
        page_size=query.page_size or max(len(found), 1),
    ), [h.customer_id for h in shown]


# The kept reports read whole (every row, to filter and page here), by their files' stamps: a
# page of the compliance report reads neither the lake nor the files again until a run rewrites
# them. Two dates of two kinds at most.
_KEPT: dict[tuple[str, tuple[tuple[str, int, int], ...]], Any] = {}
_KEPT_SIZE = 4


def _kept(kind: str, settings: Settings, as_of: dt.date, read: Callable[[], Any]) -> Any:
    stamp = suitability_report_stamp(settings, as_of)
    if stamp is None:
        return read()
    key = (kind, stamp)
    found = _KEPT.get(key)
    if found is None:
        found = read()
        if len(_KEPT) >= _KEPT_SIZE:
            _KEPT.clear()
        _KEPT[key] = found
    return found


def _rescored(db: sa.Engine, settings: Settings, principal: Principal) -> Any:
    """Every row of the re-scoring (the kept report's whole lists): filtered and paged here."""
    _reports_allowed(principal)
    day = _served_date(db)
    return _kept("rescored", settings, day, lambda: rescore_lake(settings, day, limit=None))


def _held(db: sa.Engine, settings: Settings, principal: Principal) -> Any:
    _reports_allowed(principal)
    day = _served_date(db)
    return _kept("held", settings, day, lambda: holdings_report(settings, day, limit=None))


def _shown(db: sa.Engine, principal: Principal, report: str, found: tuple[R, list[str]]) -> R:
    """Audit the customers a report shows (`view_suitability_report`); answer the report."""
    body, ids = found
    _audit(db, principal, "view_suitability_report", sorted(set(ids)), {"report": report})
    return body


def _query(limit: int | ReportQuery | None) -> ReportQuery:
    if isinstance(limit, ReportQuery):
        return limit
    return ReportQuery(page_size=REPORT_LIMIT if limit is None else limit)


def rescore_findings(
    db: sa.Engine,
    settings: Settings,
    principal: Principal,
    query: int | ReportQuery = REPORT_LIMIT,
) -> FindingsPublic:
    """Delivered assessments that disagree with their re-scoring (data-quality findings): one
    page (an int: the first rows), filtered by branch and kind."""
    report = _rescored(db, settings, principal)
    return _shown(db, principal, "findings", _findings(report, _query(query)))


def validity_by_branch(
    db: sa.Engine,
    settings: Settings,
    principal: Principal,
    query: int | ReportQuery = REPORT_LIMIT,
) -> ValidityPublic:
    """Per branch: valid, expiring, expired and missing assessments; one page of the customers
    to re-assess, filtered by branch and state."""
    report = _rescored(db, settings, principal)
    return _shown(db, principal, "validity", _validity(report, _query(query)))


def holdings_above_class(
    db: sa.Engine,
    settings: Settings,
    principal: Principal,
    query: int | ReportQuery = REPORT_LIMIT,
) -> HoldingsPublic:
    """Current holdings above the holder's class, summed by branch; one page of the holdings,
    filtered by branch and risk grade."""
    report = _held(db, settings, principal)
    return _shown(db, principal, "holdings_above_class", _holdings(report, _query(query)))


def compliance_overview(
    db: sa.Engine,
    settings: Settings,
    principal: Principal,
    limit: int = REPORT_LIMIT,
    *,
    findings: ReportQuery | None = None,
    validity: ReportQuery | None = None,
    holdings: ReportQuery | None = None,
) -> ComplianceOverview:
    """The three reports of the compliance page, from one re-scoring of the lake, each list
    with its own page and filters."""
    rescored = _rescored(db, settings, principal)
    first = ReportQuery(page_size=limit)
    found = _findings(rescored, findings or first)
    due = _validity(rescored, validity or first)
    held = _holdings(_held(db, settings, principal), holdings or first)
    ids = found[1] + due[1] + held[1]
    overview = ComplianceOverview(findings=found[0], validity=due[0], holdings=held[0])
    return _shown(db, principal, "overview", (overview, ids))


def write_report(
    db: sa.Engine,
    settings: Settings,
    principal: Principal,
    report: str,
    query: ReportQuery,
    sink: RowSink,
) -> Exported:
    """Every row of one report's list matching the filters (paging ignored) into `sink`;
    audited as an export with every customer id. report: findings, validity,
    holdings_above_class."""
    if report not in REPORT_COLUMNS:
        raise NotFound(f"no suitability report {report[:40]!r}", hint=", ".join(REPORT_COLUMNS))
    if not principal.can(Permission.EXPORT):
        raise Forbidden("exporting customers needs the export permission")
    everything = dataclasses.replace(query, page=1, page_size=None)
    if report == "holdings_above_class":
        items = _matching(_held(db, settings, principal).holdings, "grade", everything)
    else:
        rescored = _rescored(db, settings, principal)
        source = rescored.findings if report == "findings" else rescored.due()
        items = _matching(source, REPORT_KEYS[report], everything)
    _too_many(len(items))
    columns = REPORT_COLUMNS[report]
    sink.columns(columns)
    for item in items:
        sink.row([getattr(item, c) for c in columns])
    as_of = _served_date(db)
    detail = {
        "kind": f"suitability_{report}",
        "query": {"branch_id": query.branch_id, "key": query.key},
        "count": len(items),
        "as_of": str(as_of),
    }
    _audit(db, principal, "export", list(dict.fromkeys(i.customer_id for i in items)), detail)
    return Exported(export_name(f"suitability_{report}", as_of), len(items))
