"""回访 (issue 18 section 1): the call-back work list, a task with its script, recording a
call, assignment, manual tasks, the report by branch and month, the quota's progress, the purge
of records past retention, and a customer's call-backs.

Scope, permissions and the audit are decided in `brokerlens.access.callbacks`: the work list
needs the `callbacks` permission (compliance, call centre), a task of a customer outside your
scope answers 404 like an unknown one, a bad field 422 naming it, a caller who is the
customer's own staff 403 saying why, a closed task 409.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, ConfigDict, Field
from starlette.responses import JSONResponse

from brokerlens.access import callback_quota
from brokerlens.access.callback_report import CallbackReport, callback_report
from brokerlens.access.callbacks import (
    ISSUES_MAX,
    NOTE_MAX,
    AttemptInput,
    CallbackDetail,
    CallbackQuery,
    CallbackTask,
    assign_callback,
    create_manual,
    customer_callbacks,
    get_callback,
    list_callbacks,
    purge_callbacks,
    record_attempt,
)
from brokerlens.compliance.callbacks.scripts import load_scripts
from brokerlens.web.bounds import IdPath, PageQuery
from brokerlens.web.deps import CsrfDep, DbDep, ReaderDep, SettingsDep, customer_reader

# The quota rows' fields answered (the report may carry more: they are left out).
QUOTA_FIELDS = (
    "branch_id",
    "branch_name",
    "base",
    "quota",
    "sampled",
    "reached",
    "unreachable",
    "remaining",
    "pct",
)

router = APIRouter(
    prefix="/api", tags=["callbacks"], dependencies=[CsrfDep, Depends(customer_reader)]
)


class CallbackPublic(BaseModel):
    callback_id: int
    customer_id: str
    customer_name: str | None
    kind: str = Field(description="new_account, annual_sample, high_risk_sale, complaint, manual")
    source_ref: str = Field(description="what made it: an open date, a year, a check id ...")
    branch_id: str | None
    tier: str | None
    created_on: dt.date
    due_date: dt.date
    days_left: int = Field(description="days to the due date; negative: overdue")
    overdue: bool
    status: str = Field(description="pending, completed, unreachable, cancelled")
    attempts: int
    result: str | None
    answers: dict[str, str] | None
    issues: str | None
    follow_up: str | None = Field(description="complaint:<id> or work_order:<id>")
    assigned_to: str | None
    closed_at: dt.datetime | None
    closed_by: str | None
    created_by: str
    keep_until: dt.date = Field(description="kept (not deletable) until this date")


def public(task: CallbackTask) -> CallbackPublic:
    return CallbackPublic(**dataclasses.asdict(task), overdue=task.overdue)


class CallbackListPublic(BaseModel):
    today: dt.date
    total: int
    page: int
    page_size: int
    callbacks: list[CallbackPublic]


class AttemptPublic(BaseModel):
    attempt_id: int
    at: dt.datetime
    username: str
    outcome: str
    note: str | None


class CallbackDetailPublic(BaseModel):
    callback: CallbackPublic
    attempts: list[AttemptPublic]
    script: list[dict[str, Any]] = Field(description="the kind's questions and their options")
    max_attempts: int
    blocked: str | None = Field(description="why you may not record a call, if so")


def _detail(found: CallbackDetail) -> CallbackDetailPublic:
    return CallbackDetailPublic(
        callback=public(found.task),
        attempts=[AttemptPublic(**dataclasses.asdict(a)) for a in found.attempts],
        script=[q.model_dump() for q in found.script],
        max_attempts=found.max_attempts,
        blocked=found.blocked,
    )


class AttemptBody(BaseModel):
    """One call: outcome reached (answers: question id -> option id, as the kind's script
    says), not_reached or refused; issues found may follow up as a complaint (with
    complaint_category) or a suitability review."""

    model_config = ConfigDict(extra="forbid")

    outcome: str = Field(max_length=20)
    note: str | None = Field(default=None, max_length=NOTE_MAX * 4)
    answers: dict[str, str] = Field(default_factory=dict, max_length=50)
    issues: str | None = Field(default=None, max_length=ISSUES_MAX * 4)
    follow_up: str | None = Field(default=None, max_length=20, description="complaint, review")
    complaint_category: str | None = Field(default=None, max_length=40)


class AssignBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    assignee: str | None = Field(max_length=64, description="a username; null: anyone")


class ManualBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    customer_id: str = Field(max_length=32)
    due_date: dt.date
    reason: str | None = Field(default=None, max_length=NOTE_MAX * 4)


class PurgeBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    before: dt.date = Field(description="delete the records made before this date")


@router.get("/callbacks", response_model=CallbackListPublic)
def callbacks_list(
    db: DbDep,
    principal: ReaderDep,
    status: Annotated[str, Query(max_length=20, description="pending, closed, all ...")] = (
        "pending"
    ),
    kind: Annotated[str | None, Query(max_length=20)] = None,
    branch_id: Annotated[str | None, Query(max_length=32)] = None,
    due: Annotated[str | None, Query(max_length=10, description="overdue or soon")] = None,
    within_days: Annotated[int, Query(ge=0, le=366)] = 7,
    mine: bool = False,
    customer_id: Annotated[str | None, Query(max_length=32)] = None,
    page: PageQuery = 1,
    page_size: Annotated[int, Query(ge=1, le=200)] = 50,
) -> Any:
    """The call-back tasks in your scope, the most overdue first (audited `view_callbacks`)."""
    query = CallbackQuery(
        status,
        kind or None,
        branch_id or None,
        due or None,
        within_days,
        mine,
        customer_id or None,
        page,
        page_size,
    )
    found = list_callbacks(db, principal, query)
    return CallbackListPublic(
        today=found.today,
        total=found.total,
        page=found.page,
        page_size=found.page_size,
        callbacks=[public(t) for t in found.tasks],
    )


@router.get("/callbacks/scripts")
def scripts(settings: SettingsDep, _principal: ReaderDep) -> Any:
    """The scripts in force: per kind, its questions and their answer options."""
    return {kind: [q.model_dump() for q in qs] for kind, qs in load_scripts(settings).root.items()}


@router.get("/callbacks/report")
def report(db: DbDep, principal: ReaderDep, year: Annotated[int, Query(ge=2000, le=2100)]) -> Any:
    """The year's call-backs by branch and month made: made, completed, unreachable, pending,
    overdue and the completion rate."""
    found: CallbackReport = callback_report(db, principal, year)

    def row(r: Any) -> dict[str, Any]:
        return {**dataclasses.asdict(r), "rate": r.rate}

    return {
        "year": found.year,
        "today": found.today,
        "rows": [row(r) for r in found.rows],
        "branches": [row(r) for r in found.branches],
        "total": row(found.total),
    }


@router.get("/callbacks/quota")
def quota(db: DbDep, principal: ReaderDep, year: Annotated[int, Query(ge=2000, le=2100)]) -> Any:
    """The year's sample against the quota, per branch in your scope."""
    found = callback_quota.quota_progress(db, principal, year)
    return {
        "year": found.year,
        "rows": [{k: getattr(r, k) for k in QUOTA_FIELDS} for r in found.rows],
    }


@router.post("/callbacks/purge")
def purge(body: PurgeBody, db: DbDep, settings: SettingsDep, principal: ReaderDep) -> Any:
    """Delete the call-back records made before a date (compliance; 403 naming the date when
    any is inside its retention period)."""
    return {"deleted": purge_callbacks(db, settings, principal, body.before)}


@router.post("/callbacks", status_code=201, response_model=CallbackPublic)
def manual(body: ManualBody, db: DbDep, settings: SettingsDep, principal: ReaderDep) -> Any:
    """A call-back made by hand (kind manual), by compliance."""
    made = create_manual(
        db, settings, principal, body.customer_id, body.due_date, reason=body.reason
    )
    return JSONResponse(public(made).model_dump(mode="json"), status_code=201)


@router.get("/callbacks/{callback_id}", response_model=CallbackDetailPublic)
def one(callback_id: IdPath, db: DbDep, settings: SettingsDep, principal: ReaderDep) -> Any:
    """A task with its attempts and script, and whether you may record a call."""
    return _detail(get_callback(db, settings, principal, callback_id))


@router.post("/callbacks/{callback_id}/attempts", response_model=CallbackDetailPublic)
def attempt(
    callback_id: IdPath,
    body: AttemptBody,
    db: DbDep,
    settings: SettingsDep,
    principal: ReaderDep,
) -> Any:
    """Record a call (audited `callback_attempt`); answers the task as it stands."""
    entry = AttemptInput(**body.model_dump())
    return _detail(record_attempt(db, settings, principal, callback_id, entry))


@router.post("/callbacks/{callback_id}/assign", response_model=CallbackPublic)
def assign(callback_id: IdPath, body: AssignBody, db: DbDep, principal: ReaderDep) -> Any:
    """Give a pending task to a user with the callbacks permission (null: to anyone)."""
    return public(assign_callback(db, principal, callback_id, body.assignee or None))


@router.get("/customers/{customer_id}/callbacks")
def of_customer(customer_id: str, db: DbDep, principal: ReaderDep) -> Any:
    """The customer's call-backs, newest first (answers only for the callbacks permission)."""
    found = customer_callbacks(db, principal, customer_id)
    return {"customer_id": customer_id, "callbacks": [public(t) for t in found.tasks]}
