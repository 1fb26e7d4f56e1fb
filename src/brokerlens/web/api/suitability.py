"""Suitability (适当性): a customer's class, behaviour, eligibility and checks; the warning and
confirmation of a mismatch; the brokerage-wide reports for compliance and HQ.

Scope is decided in `brokerlens.access` (the 360's own check): a customer, or a recorded check
of a customer, outside the caller's scope answers the same 404 as one that does not exist.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field
from starlette.responses import Response

from brokerlens.access import suitability as suitability_service
from brokerlens.access.suitability import (
    CheckPublic,
    EligibilityPublic,
    FindingsPublic,
    HoldingsPublic,
    ReportQuery,
    SuitabilityPublic,
    ValidityPublic,
)
from brokerlens.auth.principal import Permission
from brokerlens.web.bounds import IdPath, PageQuery
from brokerlens.web.deps import (
    CsrfDep,
    DbDep,
    ExporterDep,
    ReaderDep,
    SettingsDep,
    customer_reader,
    require,
)
from brokerlens.web.export import CodesQuery, Format, export_response, report_presentation

customer_router = APIRouter(
    prefix="/api/customers",
    tags=["suitability"],
    dependencies=[CsrfDep, Depends(customer_reader)],
)
router = APIRouter(
    prefix="/api/suitability",
    tags=["suitability"],
    dependencies=[CsrfDep, Depends(customer_reader)],
)
ReportsDep = Depends(require(Permission.SUITABILITY_REPORTS))
LimitQuery = Annotated[int, Query(ge=1, le=5000, description="rows of the list at most")]


class CheckIn(BaseModel):
    target: str = Field(
        min_length=1,
        max_length=64,
        description="a product id, or a business permission: margin, chinext, star, bse, "
        "option, hk_connect",
    )
    context: Literal["purchase", "recommendation"] = "purchase"


class StepIn(BaseModel):
    note: str | None = Field(default=None, max_length=500)


class ClassRequestIn(BaseModel):
    direction: Literal["to_professional", "to_ordinary"] = Field(
        description="to_professional: an ordinary customer's application; to_ordinary: the reverse"
    )
    evidence: str | None = Field(default=None, max_length=500, description="what was provided")


class ClassDecisionIn(BaseModel):
    approve: bool
    note: str | None = Field(
        default=None, max_length=500, description="why; needed to approve against the data"
    )


class ClassRequestPublic(BaseModel):
    """The API's schema of `suitability.workflow.ClassRequest`, which access answers."""

    request_id: int
    customer_id: str
    direction: str
    requested_at: dt.datetime
    recorded_by: str
    evidence: str | None
    data_outcome: str | None = Field(description="what the data showed when it was recorded")
    data_reasons: list[str]
    status: str = Field(description="pending, approved or rejected")
    decided_at: dt.datetime | None
    decided_by: str | None
    decision_note: str | None


@customer_router.get("/{customer_id}/suitability", response_model=SuitabilityPublic)
def customer_suitability(
    customer_id: str, db: DbDep, settings: SettingsDep, principal: ReaderDep
) -> Any:
    """Regulatory class and its validity, investor class with the reason, behavioural level
    history, `risk_mismatch`, recent checks. Audited as `view_suitability`."""
    return suitability_service.customer_suitability(db, settings, principal, customer_id)


@customer_router.get("/{customer_id}/eligibility", response_model=EligibilityPublic)
def customer_eligibility(
    customer_id: str, db: DbDep, settings: SettingsDep, principal: ReaderDep
) -> Any:
    """Each business permission (margin, ChiNext, STAR, BSE, options, HK Connect) with every
    requirement met, missing or to verify. Audited as `view_eligibility`."""
    return suitability_service.customer_eligibility(db, settings, principal, customer_id)


@customer_router.post("/{customer_id}/suitability/check", response_model=CheckPublic)
def check(
    customer_id: str, body: CheckIn, db: DbDep, settings: SettingsDep, principal: ReaderDep
) -> Any:
    """The verdict (match, mismatch, forbidden) for a product or permission with every reason;
    recorded with who and when."""
    return suitability_service.check_target(
        db, settings, principal, customer_id, body.target, body.context
    )


@router.post("/checks/{check_id}/warning", response_model=CheckPublic)
def warning(check_id: IdPath, db: DbDep, principal: ReaderDep, body: StepIn | None = None) -> Any:
    """Record that the risk warning of a mismatch was shown (422 for a match or forbidden)."""
    return suitability_service.record_warning(db, principal, check_id, body.note if body else None)


@router.post("/checks/{check_id}/confirmation", response_model=CheckPublic)
def confirmation(
    check_id: IdPath, db: DbDep, principal: ReaderDep, body: StepIn | None = None
) -> Any:
    """Record the customer's confirmation of a mismatch; refused (422) without a prior warning."""
    return suitability_service.record_confirmation(
        db, principal, check_id, body.note if body else None
    )


@router.post("/checks/{check_id}/sale", response_model=CheckPublic)
def sale(check_id: IdPath, db: DbDep, settings: SettingsDep, principal: ReaderDep) -> Any:
    """Record that the sale went ahead (422 when forbidden, or a mismatch not confirmed); a
    high-risk sale to an ordinary investor schedules its call-back."""
    return suitability_service.record_sale(db, settings, principal, check_id)


class ReportParams:
    """A report list's page and filters, shared by the API, the page and the exports."""

    def __init__(
        self,
        branch_id: Annotated[
            str | None, Query(max_length=64, description="only this branch")
        ] = None,
        page: PageQuery = 1,
        page_size: Annotated[int, Query(ge=1, le=5000, description="rows a page")] = 500,
        limit: LimitQuery | None = None,
    ) -> None:
        self.branch_id = (branch_id or "").strip() or None
        self.page = page
        self.page_size = limit or page_size

    def query(self, key: str | None) -> ReportQuery:
        return ReportQuery(self.branch_id, key or None, self.page, self.page_size)


ReportParamsDep = Annotated[ReportParams, Depends()]
KindQuery = Annotated[str | None, Query(max_length=64, description="only this kind of finding")]
StateQuery = Annotated[
    Literal["expiring", "expired", "missing"] | None, Query(description="only this state")
]
GradeQuery = Annotated[str | None, Query(max_length=16, description="only this risk grade")]
REPORT_PATHS = {
    "findings": "findings",
    "validity": "validity",
    "holdings-above-class": "holdings_above_class",
}


@router.get("/findings", response_model=FindingsPublic, dependencies=[ReportsDep])
def findings(
    db: DbDep,
    settings: SettingsDep,
    principal: ReaderDep,
    params: ReportParamsDep,
    kind: KindQuery = None,
) -> Any:
    """Delivered risk assessments that disagree with their re-scoring (compliance, HQ): one
    page (`page`, `page_size`; `matched` counts every row), by `branch_id` and `kind`."""
    return suitability_service.rescore_findings(db, settings, principal, params.query(kind))


@router.get("/validity", response_model=ValidityPublic, dependencies=[ReportsDep])
def validity(
    db: DbDep,
    settings: SettingsDep,
    principal: ReaderDep,
    params: ReportParamsDep,
    state: StateQuery = None,
) -> Any:
    """Assessment validity by branch, and one page of the customers whose assessment is
    expiring, expired or missing, by `branch_id` and `state` (compliance, HQ)."""
    return suitability_service.validity_by_branch(db, settings, principal, params.query(state))


@router.get("/holdings-above-class", response_model=HoldingsPublic, dependencies=[ReportsDep])
def holdings_above_class(
    db: DbDep,
    settings: SettingsDep,
    principal: ReaderDep,
    params: ReportParamsDep,
    grade: GradeQuery = None,
) -> Any:
    """Current holdings above the holder's class by branch, and one page of the holdings, by
    `branch_id` and risk `grade` (compliance, HQ)."""
    return suitability_service.holdings_above_class(db, settings, principal, params.query(grade))


@router.get("/{report}/export.{fmt}", response_class=Response, dependencies=[ReportsDep])
def export_report(
    report: Literal["findings", "validity", "holdings-above-class"],
    fmt: Format,
    db: DbDep,
    settings: SettingsDep,
    principal: ExporterDep,
    branch_id: Annotated[str | None, Query(max_length=64)] = None,
    key: Annotated[str | None, Query(max_length=64, description="kind, state or grade")] = None,
    kind: KindQuery = None,
    state: StateQuery = None,
    grade: GradeQuery = None,
    codes: CodesQuery = False,
) -> Response:
    """Every row of a report's list matching the filters (paging ignored) as CSV or Excel,
    Chinese headers and labels unless `codes=1`; audited as an export."""
    name = REPORT_PATHS[report]
    query = ReportQuery((branch_id or "").strip() or None, key or kind or state or grade or None)
    show = report_presentation(principal.language, codes, name)
    return export_response(
        lambda sink: suitability_service.write_report(db, settings, principal, name, query, sink),
        fmt,
        show,
        db=db,
    )


@customer_router.get(
    "/{customer_id}/investor-class/requests", response_model=list[ClassRequestPublic]
)
def customer_class_requests(customer_id: str, db: DbDep, principal: ReaderDep) -> Any:
    """The customer's applications to be treated as professional (or as ordinary)."""
    return suitability_service.customer_class_requests(db, principal, customer_id)


@customer_router.post(
    "/{customer_id}/investor-class/requests", response_model=ClassRequestPublic, status_code=201
)
def request_investor_class(
    customer_id: str,
    body: ClassRequestIn,
    db: DbDep,
    settings: SettingsDep,
    principal: ReaderDep,
) -> Any:
    """Record an application with what the data shows (422 when the customer is already
    treated so). Audited as `investor_class_request`."""
    return suitability_service.request_investor_class(
        db, settings, principal, customer_id, body.direction, body.evidence
    )


@router.get("/class-requests", response_model=list[ClassRequestPublic])
def pending_class_requests(db: DbDep, principal: ReaderDep, limit: LimitQuery = 500) -> Any:
    """Class requests waiting for a decision (compliance)."""
    return suitability_service.pending_class_requests(db, principal, limit)


@router.post("/class-requests/{request_id}/decision", response_model=ClassRequestPublic)
def decide_class_request(
    request_id: IdPath,
    body: ClassDecisionIn,
    db: DbDep,
    settings: SettingsDep,
    principal: ReaderDep,
) -> Any:
    """Approve or reject a pending request, as its approval in 待审批 would (compliance;
    approving against the data or rejecting needs a note, else 422). Audited as
    `approval_approve` / `approval_reject` and `investor_class_decision`."""
    return suitability_service.decide_investor_class(
        db, settings, principal, request_id, body.approve, body.note
    )
