"""Alert pages: the inbox (filters, pages, acknowledge / handle / dismiss by htmx), the 360's
recent-alerts slot, and the threshold editor whose preview shows how many customers would fire
before anything is saved.

Every call goes through `brokerlens.access.alerts`, which cuts to the user's scope.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Request
from starlette.responses import Response

from brokerlens.access import alerts as alerts_service
from brokerlens.auth.principal import Permission
from brokerlens.errors import InvalidRequest
from brokerlens.web.api.alerts import AlertParamsDep
from brokerlens.web.bounds import IdPath
from brokerlens.web.deps import CsrfDep
from brokerlens.web.pages.common import ReaderPageDep
from brokerlens.web.pages.customer360 import fragment_or_page

router = APIRouter(include_in_schema=False, dependencies=[CsrfDep])

STATUSES = ("new", "acknowledged", "handled", "dismissed")
PARAM_PREFIX = "param:"  # the threshold form's fields: param:<name>


def _query_string(values: dict[str, Any], **changes: Any) -> str:
    merged = {**values, **changes}
    return urlencode({k: v for k, v in merged.items() if v not in (None, "")})


@router.get("/alerts")
def inbox(page: ReaderPageDep, request: Request, params: AlertParamsDep) -> Response:
    """The alerts of the user's scope, newest first, with the filters."""
    result = alerts_service.list_alerts(page.db, page.principal, params.query())
    filters = {k: v for k, v in params.values.items() if k not in ("page", "page_size")}
    context = {
        "result": result,
        "names": alerts_service.alert_names(page.settings),
        "filters": filters,
        "statuses": STATUSES,
        "pages": max(1, -(-result.total // result.page_size)),
        "qs": lambda **changes: _query_string(
            {**filters, "page_size": result.page_size}, **changes
        ),
        "can_export": page.principal.can(Permission.EXPORT),
        "can_edit": page.principal.can(Permission.EDIT_ALERT_THRESHOLDS),
    }
    if page.htmx and request.headers.get("HX-Target") == "alert-table":
        return page.render("_alert_table.html", context, active="alerts")
    return page.render("alerts.html", context, active="alerts")


@router.post("/alerts/{alert_row_id}/status")
def change_status(
    alert_row_id: IdPath,
    page: ReaderPageDep,
    status: Annotated[str, Form(max_length=20)],
    note: Annotated[str | None, Form(max_length=500)] = None,
) -> Response:
    """One move of the state machine; answers the row's status cell again."""
    found = alerts_service.change_status(page.db, page.principal, alert_row_id, status, note)
    return page.render("_alert_actions.html", {"a": found}, active="alerts")


@router.get("/customers/{customer_id}/alerts")
def customer_slot(customer_id: str, page: ReaderPageDep) -> Response:
    """The 360's recent alerts (a fragment; opened on its own: the 360 at the alerts)."""
    moved = fragment_or_page(page, customer_id, "alerts-panel")
    if moved is not None:
        return moved
    rows = alerts_service.customer_alerts(page.db, page.principal, customer_id)
    context = {
        "rows": rows,
        "names": alerts_service.alert_names(page.settings),
        "customer_id": customer_id,
    }
    return page.render("_customer_alerts.html", context, active="customers")


@router.get("/alerts/thresholds")
def thresholds(page: ReaderPageDep) -> Response:
    """Per alert the default and branch thresholds; an edit form for those the user may edit."""
    items = alerts_service.threshold_overview(page.settings, page.principal)
    context = {
        "items": items,
        "can_edit": page.principal.can(Permission.EDIT_ALERT_THRESHOLDS),
        "prefix": PARAM_PREFIX,
    }
    return page.render("alert_thresholds.html", context, active="alerts")


async def _threshold_form(request: Request) -> tuple[str, str | None, dict[str, str]]:
    form = await request.form()
    alert_id = str(form.get("alert_id") or "").strip()
    if not alert_id:
        raise InvalidRequest("alert_id: which alert's thresholds")
    branch = str(form.get("branch_id") or "").strip() or None
    params: dict[str, str] = {}
    for key, value in form.multi_items():
        if key.startswith(PARAM_PREFIX) and str(value).strip():
            params[key[len(PARAM_PREFIX) :]] = str(value).strip()
    return alert_id, branch, params


@router.post("/alerts/thresholds/preview")
async def preview(page: ReaderPageDep, request: Request) -> Response:
    """N customers would fire (now M), with the form to save the same values."""
    alert_id, branch, params = await _threshold_form(request)
    found = alerts_service.preview_thresholds(
        page.db, page.settings, page.principal, alert_id, branch, params
    )
    context = {"p": found, "prefix": PARAM_PREFIX}
    return page.render("_threshold_preview.html", context, active="alerts")


@router.post("/alerts/thresholds/save")
async def save(page: ReaderPageDep, request: Request) -> Response:
    alert_id, branch, params = await _threshold_form(request)
    saved = alerts_service.save_thresholds(
        page.db, page.settings, page.principal, alert_id, branch, params
    )
    return page.render("_threshold_saved.html", {"s": saved}, active="alerts")
