"""客户移交 pages (issue 19 section 2), through `brokerlens.access` (staff scope, audit).

/handovers lists the handovers in reach with the form to start one (manage_org): preview
(who moves, assets, last month's commission), then request (it waits in 待审批);
/handovers/{id} shows one; /ledger/problems the ledger's data problems in scope;
/staff/{id}/handover is the staff page's slot: the book left and a link to hand it over.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from starlette.datastructures import FormData
from starlette.responses import RedirectResponse, Response

from brokerlens.access import handovers as service
from brokerlens.access.ledger import ledger_problems
from brokerlens.auth.principal import Permission
from brokerlens.errors import NotFound
from brokerlens.web.bounds import IdPath
from brokerlens.web.deps import CsrfDep
from brokerlens.web.pages.common import Page, ReaderPageDep

router = APIRouter(include_in_schema=False, dependencies=[CsrfDep])

StaffPath = Annotated[str, Path(min_length=1, max_length=32)]
FIELDS = ("giver_id", "receiver_id", "customer_ids", "segment_id", "effective_date", "reason")


def _typed(form: FormData) -> dict[str, Any]:
    typed: dict[str, Any] = {}
    for name in FIELDS:
        value = form.get(name)
        typed[name] = value.strip() if isinstance(value, str) else ""
    typed["roles"] = [r for r in form.getlist("roles") if isinstance(r, str) and r]
    return typed


def _entry(typed: dict[str, Any]) -> service.HandoverInput:
    """The form as a handover; an unusable number or date is refused by its field's name."""
    try:
        segment = int(typed["segment_id"]) if typed["segment_id"] else None
    except ValueError:
        raise service.HandoverRejected("segment_id", "a segment's number") from None
    try:
        day = dt.date.fromisoformat(typed["effective_date"]) if typed["effective_date"] else None
    except ValueError:
        raise service.HandoverRejected("effective_date", "a date, YYYY-MM-DD") from None
    ids = [c for c in typed["customer_ids"].replace(",", " ").split() if c]
    return service.HandoverInput(
        giver_id=typed["giver_id"],
        receiver_id=typed["receiver_id"],
        customer_ids=ids or None,
        segment_id=segment,
        roles=typed["roles"] or None,
        effective_date=day,
        reason=typed["reason"] or None,
    )


def _list(
    page: Page,
    form: dict[str, Any] | None = None,
    *,
    error: str = "",
    problem: str = "",
    preview: service.HandoverPreview | None = None,
) -> Response:
    query = page.request.query_params
    found = service.list_handovers(page.db, page.principal, staff_id=query.get("staff") or None)
    typed = form or {"giver_id": query.get("giver", "")[:32], "roles": []}
    context = {
        "items": found,
        "form": typed,
        "roles": service.ROLES,
        "may_request": page.principal.can(Permission.MANAGE_ORG),
        "error": error,
        "problem": problem,
        "preview": preview,
    }
    status = 422 if error else 200
    return page.render("handovers.html", context, active="handovers", status_code=status)


@router.get("/handovers")
def handovers_page(page: ReaderPageDep) -> Response:
    return _list(page)


async def _submitted(page: Page, request: Request) -> tuple[dict[str, Any], Any]:
    typed = _typed(await request.form())
    return typed, _entry(typed)


@router.post("/handovers/preview")
async def preview(page: ReaderPageDep, request: Request) -> Response:
    try:
        typed, entry = await _submitted(page, request)
        seen = service.preview_handover(page.db, page.settings, page.principal, entry)
    except service.HandoverRejected as exc:
        return _list(page, _typed(await request.form()), error=exc.field, problem=exc.problem)
    except NotFound:  # a giver out of reach reads as an unknown one
        return _list(page, _typed(await request.form()), error="giver_id")
    return _list(page, typed, preview=seen)


@router.post("/handovers")
async def create(page: ReaderPageDep, request: Request) -> Response:
    try:
        _, entry = await _submitted(page, request)
        made = service.request_handover(page.db, page.settings, page.principal, entry)
    except service.HandoverRejected as exc:
        return _list(page, _typed(await request.form()), error=exc.field, problem=exc.problem)
    except NotFound:
        return _list(page, _typed(await request.form()), error="giver_id")
    return RedirectResponse(f"/handovers/{made.handover_id}", status_code=303)


@router.get("/handovers/{handover_id}")
def handover_page(handover_id: IdPath, page: ReaderPageDep) -> Response:
    found = service.get_handover(page.db, page.principal, handover_id)
    return page.render("handover.html", {"h": found}, active="handovers")


@router.get("/staff/{staff_id}/handover")
def staff_slot(staff_id: StaffPath, page: ReaderPageDep) -> Response:
    left = service.staff_book_left(page.db, page.principal, staff_id)
    context = {"left": left, "may_request": page.principal.can(Permission.MANAGE_ORG)}
    return page.render("_staff_handover.html", context, active="handovers")


@router.get("/ledger/problems")
def problems_page(page: ReaderPageDep) -> Response:
    role = page.request.query_params.get("role")
    found = ledger_problems(
        page.db, page.settings, page.principal, role=role if role in service.ROLES else None
    )
    context = {"found": found, "roles": service.ROLES, "role": role}
    return page.render("ledger_problems.html", context, active="handovers")
