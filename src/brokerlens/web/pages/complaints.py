"""投诉与建议 (issue 18 section 2): pages, through `brokerlens.access` (scope, audit).

- `/complaints`: the list in scope (filters: status, category, branch, overdue, escalated),
  the soonest SLA due first, counts by status;
- `/complaints/new`: the intake form (a refused field is shown beside it);
- `/complaints/{id}`: a complaint with its events and the actions the user may take (assign,
  resolve, reopen with the `complaints` permission; a note for anyone who reads it);
- `/complaints/summary`: the annual summary by category and branch, its due date, export;
- the 360's 投诉 panel (`/customers/{id}/complaints`, an htmx slot).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Form
from starlette.responses import RedirectResponse, Response

from brokerlens.access import complaint_summary as summary_service
from brokerlens.access import complaints as service
from brokerlens.access.records import beijing_date, utc_now
from brokerlens.compliance.callbacks.config import load_config as callback_config
from brokerlens.compliance.complaints.config import load_config as complaint_config
from brokerlens.store.compliance_schema import COMPLAINT_CHANNELS, COMPLAINT_STATUSES
from brokerlens.web.api.complaints import ComplaintParamsDep
from brokerlens.web.deps import CsrfDep
from brokerlens.web.pages.common import Page, ReaderPageDep
from brokerlens.web.pages.customer360 import fragment_or_page

router = APIRouter(include_in_schema=False, dependencies=[CsrfDep])

# Generous bounds here; the exact ones (with the field's name) are the service's.
FormText = Annotated[str, Form(max_length=service.CONTENT_MAX * 4)]
FormShort = Annotated[str, Form(max_length=64)]


def _detail_url(complaint_id: str) -> str:
    return f"/complaints/{quote(complaint_id, safe='')}"


def _categories(page: Page) -> list[str]:
    return complaint_config(page.settings).categories


@router.get("/complaints")
def complaint_list(page: ReaderPageDep, params: ComplaintParamsDep) -> Response:
    """The complaints of the user's scope matching the filters, the soonest SLA due first."""
    found = service.list_complaints(page.db, page.principal, params.query())
    filters = {k: v for k, v in params.values.items() if k not in ("page", "page_size")}
    kept = {k: v for k, v in filters.items() if v not in (None, "", False)}

    def qs(**changes: Any) -> str:
        merged = {**kept, **changes}
        return urlencode({k: v for k, v in merged.items() if v not in (None, "", False)})

    context = {
        "found": found,
        "filters": filters,
        "statuses": COMPLAINT_STATUSES,
        "categories": _categories(page),
        "qs": qs,
        "may_handle": service.may_handle(page.principal),
    }
    return page.render("complaints.html", context, active="complaints")


def _form(
    page: Page,
    values: dict[str, Any],
    error: service.ComplaintRejected | None = None,
) -> Response:
    context = {
        "form": values,
        "error": error,
        "channels": COMPLAINT_CHANNELS,
        "categories": _categories(page),
        "content_max": service.CONTENT_MAX,
    }
    return page.render(
        "complaints_new.html",
        context,
        active="complaints",
        status_code=200 if error is None else 422,
    )


@router.get("/complaints/new")
def new_complaint(page: ReaderPageDep, customer_id: str = "") -> Response:
    """The intake form (a customer id from the 360 filled in)."""
    return _form(page, {"customer_id": customer_id[:32], "channel": "phone"})


@router.post("/complaints/new")
def file_complaint(
    page: ReaderPageDep,
    customer_id: FormShort = "",
    channel: FormShort = "",
    category: FormShort = "",
    content: FormText = "",
    opened: FormShort = "",
) -> Response:
    """Take the complaint; its page, or the form again with the refused field marked."""
    values = {
        "customer_id": customer_id.strip(),
        "channel": channel,
        "category": category,
        "content": content,
        "opened": opened,
    }
    try:
        day = None
        if opened.strip():
            try:
                day = dt.date.fromisoformat(opened.strip())
            except ValueError:
                raise service.ComplaintRejected("opened", "not a date (YYYY-MM-DD)") from None
        if not values["customer_id"]:
            raise service.ComplaintRejected("customer_id", "required")
        entry = service.ComplaintInput(
            customer_id=values["customer_id"],
            channel=channel,
            category=category,
            content=content,
            opened=day,
        )
        made = service.file_complaint(
            page.db, page.principal, entry, complaint_config(page.settings)
        )
    except service.ComplaintRejected as exc:
        return _form(page, values, exc)
    return RedirectResponse(_detail_url(made.complaint_id), status_code=303)


def _this_year() -> int:
    return beijing_date(utc_now()).year


@router.get("/complaints/summary")
def summary_page(page: ReaderPageDep, year: int | None = None) -> Response:
    """The annual summary of a year (default: last year, the one due this April)."""
    chosen = year if year is not None else _this_year() - 1
    found = summary_service.complaint_summary(page.db, page.principal, chosen)
    context = {"summary": found, "years": list(range(_this_year(), _this_year() - 6, -1))}
    return page.render("complaints_summary.html", context, active="complaints")


def _detail(
    page: Page, complaint_id: str, error: service.ComplaintRejected | None = None
) -> Response:
    found = service.get_complaint(page.db, page.principal, complaint_id)
    context = {"detail": found, "c": found.complaint, "row": found.row, "error": error}
    return page.render(
        "complaints_detail.html",
        context,
        active="complaints",
        status_code=200 if error is None else 422,
    )


@router.get("/complaints/{complaint_id}")
def complaint_page(complaint_id: str, page: ReaderPageDep) -> Response:
    """A complaint with its events and the actions the user may take."""
    return _detail(page, complaint_id)


@router.post("/complaints/{complaint_id}/assign")
def assign(complaint_id: str, page: ReaderPageDep, assigned_to: FormShort = "") -> Response:
    try:
        service.assign_complaint(page.db, page.principal, complaint_id, assigned_to)
    except service.ComplaintRejected as exc:
        return _detail(page, complaint_id, exc)
    return RedirectResponse(_detail_url(complaint_id), status_code=303)


@router.post("/complaints/{complaint_id}/note")
def note(complaint_id: str, page: ReaderPageDep, note: FormText = "") -> Response:
    try:
        service.note_complaint(page.db, page.principal, complaint_id, note)
    except service.ComplaintRejected as exc:
        return _detail(page, complaint_id, exc)
    return RedirectResponse(_detail_url(complaint_id), status_code=303)


@router.post("/complaints/{complaint_id}/resolve")
def resolve(
    complaint_id: str,
    page: ReaderPageDep,
    resolution: FormText = "",
    satisfaction: FormShort = "",
) -> Response:
    try:
        service.resolve_complaint(
            page.db,
            page.principal,
            complaint_id,
            resolution,
            satisfaction or None,
            callback_config(page.settings),
            complaint_config(page.settings),
        )
    except service.ComplaintRejected as exc:
        return _detail(page, complaint_id, exc)
    return RedirectResponse(_detail_url(complaint_id), status_code=303)


@router.post("/complaints/{complaint_id}/reopen")
def reopen(complaint_id: str, page: ReaderPageDep, reason: FormText = "") -> Response:
    try:
        service.reopen_complaint(page.db, page.principal, complaint_id, reason)
    except service.ComplaintRejected as exc:
        return _detail(page, complaint_id, exc)
    return RedirectResponse(_detail_url(complaint_id), status_code=303)


@router.get("/customers/{customer_id}/complaints")
def customer_panel(customer_id: str, page: ReaderPageDep) -> Response:
    """The 360's 投诉 panel (a fragment; opened on its own: the 360 at the panel)."""
    moved = fragment_or_page(page, customer_id, "complaints-panel")
    if moved is not None:
        return moved
    rows = service.customer_complaints(page.db, page.principal, customer_id)
    context = {"rows": rows, "customer_id": customer_id}
    return page.render("_complaints_panel.html", context, active="customers")
