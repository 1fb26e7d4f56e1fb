"""工单: work orders (issue 18 section 3): pages, through `brokerlens.access` (scope, audit).

/work-orders lists mine, my unit's (a manager) and those I made, overdue ones flagged, with the
form to give one; /work-orders/{id} shows one with start / done / cancel (a note required) and
reassign. A refused field is said beside it, with what was typed kept.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, Request
from starlette.datastructures import FormData
from starlette.responses import RedirectResponse, Response

from brokerlens.access import work_orders as service
from brokerlens.errors import NotFound
from brokerlens.web.bounds import IdPath
from brokerlens.web.deps import CsrfDep
from brokerlens.web.pages.common import Page, ReaderPageDep

router = APIRouter(include_in_schema=False, dependencies=[CsrfDep])


def _text(form: FormData, name: str) -> str | None:
    value = form.get(name)
    return value.strip() or None if isinstance(value, str) else None


def _list(page: Page, view: str, form: dict[str, Any] | None = None, error: str = "") -> Response:
    if view not in service.ORDER_VIEWS:
        view = "mine"
    overdue = page.request.query_params.get("overdue") == "1"
    items = service.list_orders(page.db, page.principal, view, overdue=overdue)  # type: ignore[arg-type]
    context = {
        "items": items,
        "view": view,
        "views": service.ORDER_VIEWS,
        "overdue": overdue,
        "form": form or {},
        "error": error,
    }
    return page.render(
        "work_orders.html", context, active="work_orders", status_code=422 if error else 200
    )


@router.get("/work-orders")
def work_orders_page(page: ReaderPageDep, request: Request) -> Response:
    return _list(page, request.query_params.get("view") or "mine")


@router.post("/work-orders")
async def create(page: ReaderPageDep, request: Request) -> Response:
    form = await request.form()
    typed = {k: _text(form, k) or "" for k in ("title", "assignee", "due_date", "customer_id")}
    typed["detail"] = _text(form, "detail") or ""
    try:
        due = dt.date.fromisoformat(typed["due_date"]) if typed["due_date"] else None
    except ValueError:
        return _list(page, "made", typed, "due_date")
    entry = service.OrderInput(
        title=typed["title"],
        assignee=typed["assignee"],
        detail=typed["detail"] or None,
        due_date=due,
        customer_id=typed["customer_id"] or None,
    )
    try:
        made = service.create_order_as(page.db, page.principal, entry)
    except service.OrderRejected as exc:
        return _list(page, "made", typed, exc.field)
    except NotFound:  # a customer outside the maker's scope reads as an unknown one
        return _list(page, "made", typed, "customer_id")
    return RedirectResponse(f"/work-orders/{made.order_id}", status_code=303)


def _detail(
    page: Page, order_id: int, *, error: str = "", typed: dict[str, str] | None = None
) -> Response:
    found = service.get_order(page.db, page.principal, order_id)
    context = {"o": found, "error": error, "typed": typed or {}}
    return page.render(
        "work_order.html", context, active="work_orders", status_code=422 if error else 200
    )


@router.get("/work-orders/{order_id}")
def work_order_page(order_id: IdPath, page: ReaderPageDep) -> Response:
    return _detail(page, order_id)


@router.post("/work-orders/{order_id}/status")
async def set_status(order_id: IdPath, page: ReaderPageDep, request: Request) -> Response:
    form = await request.form()
    status, note = _text(form, "status") or "", _text(form, "note")
    try:
        service.set_order_status(page.db, page.principal, order_id, status, note)
    except service.OrderRejected as exc:
        return _detail(page, order_id, error=exc.field, typed={"note": note or ""})
    return RedirectResponse(f"/work-orders/{order_id}", status_code=303)


@router.post("/work-orders/{order_id}/reassign")
async def reassign(order_id: IdPath, page: ReaderPageDep, request: Request) -> Response:
    form = await request.form()
    assignee, note = _text(form, "assignee") or "", _text(form, "note")
    try:
        service.reassign_order(page.db, page.principal, order_id, assignee, note)
    except service.OrderRejected as exc:
        return _detail(page, order_id, error=exc.field, typed={"assignee": assignee})
    return RedirectResponse(f"/work-orders/{order_id}", status_code=303)
