"""待审批: the approval flow (issue 18 section 3) through `brokerlens.access` (scope, audit).

Lists (`to_decide`, `mine`, `history`), one request with its payload in words, approve, reject
(a comment required), withdraw (the requester). A request the caller may not see answers 404
like an unknown one; a decision they may not make 403; one already decided 409.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any, Literal

from fastapi import APIRouter, Depends, Query
from fastapi.encoders import jsonable_encoder
from pydantic import BaseModel, Field

from brokerlens.access import approvals as service
from brokerlens.access.approval_kinds import builtin_kinds  # registers the built-in kinds
from brokerlens.web.bounds import IdPath
from brokerlens.web.deps import CsrfDep, DbDep, LanguageDep, ReaderDep, SettingsDep, customer_reader

router = APIRouter(
    prefix="/api", tags=["approvals"], dependencies=[CsrfDep, Depends(customer_reader)]
)


class ApprovalPublic(BaseModel):
    request_id: int
    kind: str
    kind_label: str
    subject: str
    subject_ref: str | None
    unit_id: str | None
    requested_by: str
    requested_at: dt.datetime
    reason: str | None
    status: str
    decided_by: str | None
    decided_at: dt.datetime | None
    comment: str | None
    effect: str | None
    may_decide: bool
    may_withdraw: bool
    described: list[tuple[str, str]] = Field(description="the payload in words")


class ApprovalsPublic(BaseModel):
    data: list[ApprovalPublic]
    count: int


class Decision(BaseModel):
    comment: str | None = Field(default=None, max_length=service.COMMENT_MAX)


def approval_public(settings: Any, found: service.Approval, language: str) -> ApprovalPublic:
    values = jsonable_encoder(dataclasses.asdict(found))
    values.pop("payload")  # in words below (a catalog change's payload is a whole file)
    label = service.kind_of(found.kind).label(language) if found.kind in builtin_kinds() else ""
    return ApprovalPublic(
        **values,
        kind_label=label or found.kind,
        described=service.describe(settings, found, language),
    )


@router.get("/approvals", response_model=ApprovalsPublic)
def list_approvals(
    db: DbDep,
    settings: SettingsDep,
    principal: ReaderDep,
    language: LanguageDep,
    view: Literal["to_decide", "mine", "history"] = "to_decide",
    kind: str | None = Query(default=None, max_length=32),
    limit: int = Query(default=100, ge=1, le=service.LIST_LIMIT),
) -> ApprovalsPublic:
    """待审批: requests waiting for your decision (`to_decide`, oldest first), your requests
    (`mine`) or decided ones in your reach (`history`); audited."""
    found = service.list_approvals(db, principal, view, kind=kind, limit=limit)
    data = [approval_public(settings, a, language) for a in found]
    return ApprovalsPublic(data=data, count=len(data))


@router.get("/approvals/{request_id}", response_model=ApprovalPublic)
def get_approval(
    request_id: IdPath,
    db: DbDep,
    settings: SettingsDep,
    principal: ReaderDep,
    language: LanguageDep,
) -> ApprovalPublic:
    return approval_public(settings, service.get_approval(db, principal, request_id), language)


@router.post("/approvals/{request_id}/approve", response_model=ApprovalPublic)
def approve(
    request_id: IdPath,
    body: Decision,
    db: DbDep,
    settings: SettingsDep,
    principal: ReaderDep,
    language: LanguageDep,
) -> ApprovalPublic:
    """Approve and apply (status `approved` with what it did in `effect`, or `failed` with why
    nothing was applied). Your own request: 403."""
    done = service.approve(db, settings, principal, request_id, body.comment)
    return approval_public(settings, done, language)


@router.post("/approvals/{request_id}/reject", response_model=ApprovalPublic)
def reject(
    request_id: IdPath,
    body: Decision,
    db: DbDep,
    settings: SettingsDep,
    principal: ReaderDep,
    language: LanguageDep,
) -> ApprovalPublic:
    """Reject with a comment (required, 422 without)."""
    done = service.reject(db, settings, principal, request_id, body.comment)
    return approval_public(settings, done, language)


@router.post("/approvals/{request_id}/withdraw", response_model=ApprovalPublic)
def withdraw(
    request_id: IdPath,
    body: Decision,
    db: DbDep,
    settings: SettingsDep,
    principal: ReaderDep,
    language: LanguageDep,
) -> ApprovalPublic:
    """The requester takes back a pending request."""
    done = service.withdraw(db, settings, principal, request_id, body.comment)
    return approval_public(settings, done, language)
