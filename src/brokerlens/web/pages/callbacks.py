"""回访 (issue 18 section 1): the call-back work list (filters, SLA timers, overdue first), a
task with its script form and attempts, the quota's progress, the report by branch and month,
and the 360's call-backs panel (with a manual task for compliance).

Every call goes through `brokerlens.access.callbacks` (scope, permissions, audit); a refused
field is shown beside the field (422), never a 500."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, Query, Request
from starlette.responses import RedirectResponse, Response

from brokerlens.access import callback_quota
from brokerlens.access.callback_report import callback_report
from brokerlens.access.callbacks import (
    DUE_FILTERS,
    FOLLOW_UPS,
    AttemptInput,
    CallbackQuery,
    CallbackRejected,
    assign_callback,
    create_manual,
    customer_callbacks,
    get_callback,
    list_callbacks,
    record_attempt,
)
from brokerlens.access.knowledge_links import linked_articles
from brokerlens.access.records import BEIJING, beijing_date, utc_now
from brokerlens.compliance.complaints.config import load_config as load_complaint_config
from brokerlens.errors import InvalidRequest
from brokerlens.store.compliance_schema import ATTEMPT_OUTCOMES, CALLBACK_KINDS
from brokerlens.web.bounds import IdPath, PageQuery
from brokerlens.web.deps import CsrfDep
from brokerlens.web.pages.common import Page, ReaderPageDep
from brokerlens.web.pages.customer360 import fragment_or_page

router = APIRouter(include_in_schema=False, dependencies=[CsrfDep])

STATUSES = ("pending", "closed", "all")
YearQuery = Annotated[int | None, Query(ge=2000, le=2100)]


async def form_fields(request: Request) -> dict[str, str]:
    """The posted form's text fields (a script's questions vary by kind)."""
    form = await request.form()
    return {k: v for k, v in form.items() if isinstance(v, str)}


FormDep = Annotated[dict[str, str], Depends(form_fields)]


def _this_year() -> int:
    return beijing_date(utc_now()).year


@router.get("/callbacks")
def work_list(
    page: ReaderPageDep,
    status: Annotated[str, Query(max_length=20)] = "pending",
    kind: Annotated[str, Query(max_length=20)] = "",
    branch_id: Annotated[str, Query(max_length=32)] = "",
    due: Annotated[str, Query(max_length=10)] = "",
    within_days: Annotated[int, Query(ge=0, le=366)] = 7,
    mine: bool = False,
    customer_id: Annotated[str, Query(max_length=32)] = "",
    p: PageQuery = 1,
) -> Response:
    """The call-back tasks in scope, the most overdue first, with the filters."""
    filters: dict[str, Any] = {
        "status": status,
        "kind": kind,
        "branch_id": branch_id,
        "due": due,
        "within_days": within_days,
        "mine": "true" if mine else "",
        "customer_id": customer_id,
    }
    query = CallbackQuery(
        status,
        kind or None,
        branch_id or None,
        due or None,
        within_days,
        mine,
        customer_id or None,
        p,
        50,
    )
    found = list_callbacks(page.db, page.principal, query)

    def qs(**changes: Any) -> str:
        merged = {**filters, **changes}
        return urlencode({k: v for k, v in merged.items() if v not in (None, "")})

    context = {
        "found": found,
        "filters": filters,
        "kinds": CALLBACK_KINDS,
        "statuses": STATUSES,
        "dues": DUE_FILTERS,
        "qs": qs,
    }
    return page.render("callbacks.html", context, active="callbacks")


@router.get("/callbacks/quota")
def quota(page: ReaderPageDep, year: YearQuery = None) -> Response:
    """The year's sample against the 10% quota, per branch: base, quota, reached, remaining."""
    found = callback_quota.quota_progress(page.db, page.principal, year or _this_year())
    rows = list(found.rows)
    total = {k: sum(getattr(r, k) for r in rows) for k in ("base", "quota", "sampled", "reached")}
    total["remaining"] = sum(r.remaining for r in rows)
    total["unreachable"] = sum(r.unreachable for r in rows)
    total["pct"] = total["reached"] / total["quota"] if total["quota"] else 1.0
    context = {"found": found, "rows": rows, "total": total}
    return page.render("callbacks_quota.html", context, active="callbacks")


@router.get("/callbacks/report")
def report(page: ReaderPageDep, year: YearQuery = None) -> Response:
    """The year's call-backs by branch and month made."""
    found = callback_report(page.db, page.principal, year or _this_year())
    return page.render("callbacks_report.html", {"found": found}, active="callbacks")


def _task_page(
    page: Page,
    callback_id: int,
    *,
    problem: CallbackRejected | InvalidRequest | None = None,
    values: dict[str, str] | None = None,
    saved: bool = False,
) -> Response:
    detail = get_callback(page.db, page.settings, page.principal, callback_id)
    field = getattr(problem, "field", "form") if problem is not None else None
    context = {
        "d": detail,
        "task": detail.task,
        "outcomes": ATTEMPT_OUTCOMES,
        "follow_ups": FOLLOW_UPS,
        "categories": load_complaint_config(page.settings).categories,
        "problem": {"field": field, "message": problem.message} if problem else None,
        "values": values or {},
        "saved": saved,
        "when": lambda at: at.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M"),
        # issue 23: the knowledge-base articles linked to this kind's script
        "kb_linked": linked_articles(page.db, page.principal, "callback_script", detail.task.kind),
    }
    code = 422 if problem is not None else 200
    return page.render("callback.html", context, active="callbacks", status_code=code)


@router.get("/callbacks/{callback_id}")
def task(callback_id: IdPath, page: ReaderPageDep, saved: bool = False) -> Response:
    """A task with its script form (when you may record a call) and its attempts."""
    return _task_page(page, callback_id, saved=saved)


@router.post("/callbacks/{callback_id}/attempt")
def attempt(callback_id: IdPath, page: ReaderPageDep, form: FormDep) -> Response:
    """Record a call from the script form; the task again (refused fields beside them)."""
    answers = {k[len("answer.") :]: v for k, v in form.items() if k.startswith("answer.") and v}
    entry = AttemptInput(
        outcome=form.get("outcome", ""),
        note=form.get("note"),
        answers=answers if form.get("outcome") == "reached" else {},
        issues=form.get("issues"),
        follow_up=form.get("follow_up") or None,
        complaint_category=form.get("complaint_category") or None,
    )
    try:
        record_attempt(page.db, page.settings, page.principal, callback_id, entry)
    except InvalidRequest as exc:
        return _task_page(page, callback_id, problem=exc, values=form)
    return RedirectResponse(f"/callbacks/{callback_id}?saved=true", status_code=303)


@router.post("/callbacks/{callback_id}/assign")
def assign(
    callback_id: IdPath,
    page: ReaderPageDep,
    assignee: Annotated[str, Form(max_length=64)] = "",
) -> Response:
    """Take the task (your own name), give it to a colleague, or release it (empty)."""
    assign_callback(page.db, page.principal, callback_id, assignee.strip() or None)
    return RedirectResponse(f"/callbacks/{callback_id}", status_code=303)


def _panel(page: Page, customer_id: str, problem: InvalidRequest | None = None) -> Response:
    found = customer_callbacks(page.db, page.principal, customer_id)
    context = {
        "cb": found,
        "problem": problem.message if problem else None,
        "tomorrow": beijing_date(utc_now()) + dt.timedelta(days=1),
    }
    return page.render("_callback_panel.html", context, active="customers")


@router.get("/customers/{customer_id}/callbacks")
def customer_panel(customer_id: str, page: ReaderPageDep) -> Response:
    """The 360's 回访 panel (a fragment; opened on its own: the 360 at the panel)."""
    moved = fragment_or_page(page, customer_id, "callbacks-panel")
    if moved is not None:
        return moved
    return _panel(page, customer_id)


@router.post("/customers/{customer_id}/callbacks")
def manual(
    customer_id: str,
    page: ReaderPageDep,
    due_date: Annotated[str, Form(max_length=10)] = "",
    reason: Annotated[str, Form(max_length=4000)] = "",
) -> Response:
    """A manual call-back for the customer (compliance); the panel again."""
    try:
        try:
            due = dt.date.fromisoformat(due_date)
        except ValueError:
            raise CallbackRejected("due_date", "give a date (YYYY-MM-DD)") from None
        create_manual(page.db, page.settings, page.principal, customer_id, due, reason=reason)
    except InvalidRequest as exc:
        return _panel(page, customer_id, exc)
    return _panel(page, customer_id)
