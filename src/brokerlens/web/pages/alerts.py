"""Alert pages: the inbox (filters, pages, acknowledge / handle / dismiss by htmx), the 360's
recent-alerts slot. The threshold editor is `pages/thresholds.py`.

Every call goes through `brokerlens.access.alerts`, which cuts to the user's scope.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Query, Request
from starlette.responses import Response

from brokerlens.access import alerts as alerts_service
from brokerlens.alerts.severity import SEVERITY
from brokerlens.auth.principal import Permission
from brokerlens.web.api.alerts import AlertParamsDep
from brokerlens.web.bounds import IdPath
from brokerlens.web.deps import CsrfDep
from brokerlens.web.pages.common import ReaderPageDep
from brokerlens.web.pages.customer360 import fragment_or_page

router = APIRouter(include_in_schema=False, dependencies=[CsrfDep])

STATUSES = ("new", "acknowledged", "handled", "dismissed")


def _query_string(values: dict[str, Any], **changes: Any) -> str:
    merged = {**values, **changes}
    return urlencode({k: v for k, v in merged.items() if v not in (None, "")})


@router.get("/alerts")
def inbox(
    page: ReaderPageDep,
    request: Request,
    params: AlertParamsDep,
    view: Annotated[Literal["customers", "alerts", ""] | None, Query()] = None,
) -> Response:
    """The alerts of the user's scope with the filters: by default one row per customer with all
    their alerts, highest priority (assets x severity) first; `view=alerts` one row per alert,
    newest first."""
    by_alert = view == "alerts"
    query = params.query()
    result: Any = (
        alerts_service.list_alerts(page.db, page.principal, query)
        if by_alert
        else alerts_service.list_alert_customers(page.db, page.principal, query)
    )
    filters = {k: v for k, v in params.values.items() if k not in ("page", "page_size")}
    if by_alert:
        filters["view"] = "alerts"
    context = {
        "result": result,
        "by_alert": by_alert,
        "alert_names": alerts_service.alert_names(page.settings),
        "severity": SEVERITY,
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
