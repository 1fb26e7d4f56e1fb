"""Alerts (客户定位): the inbox of the caller's scope, status changes, counts, the audited
export, a customer's recent alerts, and the threshold editor (preview before save).

Scope is decided in `brokerlens.access.alerts` (through the customer scope): an alert, or a
customer, outside the caller's scope answers the same 404 as one that does not exist.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field, ValidationError
from starlette.responses import Response

from brokerlens.access import alerts as alerts_service
from brokerlens.access.alerts import PreviewPublic
from brokerlens.access.thresholds import request_thresholds
from brokerlens.errors import InvalidRequest
from brokerlens.web.api.approvals import ApprovalPublic, approval_public
from brokerlens.web.bounds import IdPath, PageQuery, check_day
from brokerlens.web.deps import (
    CsrfDep,
    DbDep,
    ExporterDep,
    LanguageDep,
    ReaderDep,
    SettingsDep,
    customer_reader,
)
from brokerlens.web.export import (
    CodesQuery,
    Format,
    alerts_presentation,
    export_response,
)

router = APIRouter(
    prefix="/api/alerts", tags=["alerts"], dependencies=[CsrfDep, Depends(customer_reader)]
)
customer_router = APIRouter(
    prefix="/api/customers", tags=["alerts"], dependencies=[CsrfDep, Depends(customer_reader)]
)

Status = Literal["new", "acknowledged", "handled", "dismissed"]


def _day(name: str, value: str | None) -> dt.date | None:
    if value is None or not value.strip():
        return None
    try:
        day = dt.date.fromisoformat(value.strip())
    except ValueError:
        raise InvalidRequest(f"{name}: {value[:10]!r} is not a date (YYYY-MM-DD)") from None
    return check_day(name, day)


class AlertParams:
    """The inbox's query parameters, shared by the API, the page and the export."""

    def __init__(
        self,
        alert_id: Annotated[str | None, Query(max_length=40, description="e.g. no_trade")] = None,
        status: Annotated[str | None, Query(description="new, acknowledged, handled, …")] = None,
        customer_id: Annotated[str | None, Query(max_length=32)] = None,
        # text, not dates: the page's empty date inputs send "" (no filter)
        date_from: Annotated[
            str | None, Query(max_length=10, description="as-of date from, YYYY-MM-DD")
        ] = None,
        date_to: Annotated[
            str | None, Query(max_length=10, description="as-of date through, YYYY-MM-DD")
        ] = None,
        page: PageQuery = 1,
        page_size: Annotated[int, Query(ge=1, le=200)] = 50,
    ) -> None:
        self.values: dict[str, Any] = {
            "alert_id": alert_id,
            "status": status,
            "customer_id": customer_id,
            "date_from": _day("date_from", date_from),
            "date_to": _day("date_to", date_to),
            "page": page,
            "page_size": page_size,
        }

    def query(self) -> Any:
        try:
            return alerts_service.AlertQuery(**self.values)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first.get("loc", ())) or "query"
            raise InvalidRequest(f"{where}: {first.get('msg')}") from None


AlertParamsDep = Annotated[AlertParams, Depends()]


class AlertPublic(BaseModel):
    alert_row_id: int
    as_of_date: dt.date
    customer_id: str
    name: str | None = Field(default=None, description="the customer's name")
    branch_id: str | None
    alert_id: str
    explanation: dict[str, Any] = Field(description="figures, thresholds, zh and en text")
    status: Status
    status_by: str | None
    status_at: dt.datetime | None
    note: str | None
    created_at: dt.datetime


class ActionPublic(BaseModel):
    at: dt.datetime
    username: str
    from_status: str
    to_status: str
    note: str | None


class AlertDetailPublic(AlertPublic):
    actions: list[ActionPublic] = Field(description="every status change, oldest first")


class AlertListPublic(BaseModel):
    data: list[AlertPublic]
    count: int = Field(description="alerts matching, over every page")
    page: int
    page_size: int
    as_of_date: dt.date


class AlertKindPublic(BaseModel):
    alert_id: str
    severity: int = Field(description="the alert type's weight, 1..5")
    count: int = Field(description="alerts of this type matching")
    open: int = Field(description="of which new or acknowledged")
    newest: dt.date


class CustomerAlertsPublic(BaseModel):
    customer_id: str
    name: str | None = Field(default=None, description="the customer's name, masked")
    branch_id: str | None
    assets: float = Field(description="the larger of total_assets_t and avg_assets_3m, yuan")
    severity: int = Field(description="sum of the weights of the open alert types")
    priority: float = Field(description="assets x severity: the order of the list")
    newest: dt.date
    count: int = Field(description="the customer's alerts matching")
    statuses: dict[str, int] = Field(description="status -> alerts")
    kinds: list[AlertKindPublic]
    alerts: list[AlertPublic] = Field(description="the newest alerts matching (at most 20)")


class CustomerAlertListPublic(BaseModel):
    data: list[CustomerAlertsPublic]
    count: int = Field(description="customers matching, over every page")
    alerts: int = Field(description="alerts matching, over every customer")
    page: int
    page_size: int
    as_of_date: dt.date


class StatusIn(BaseModel):
    status: Literal["acknowledged", "handled", "dismissed"]
    note: str | None = Field(default=None, max_length=500, description="needed to dismiss")


class CountsPublic(BaseModel):
    counts: dict[str, dict[str, int]] = Field(description="alert id -> status -> alerts")


class ThresholdsIn(BaseModel):
    alert_id: str = Field(min_length=1, max_length=40)
    branch_id: str | None = Field(
        default=None, max_length=32, description="a branch's override; none for the defaults"
    )
    params: dict[str, float] = Field(description="threshold name -> value")
    reason: str | None = Field(default=None, max_length=2000, description="why (the request)")


@router.get("", response_model=AlertListPublic)
def list_alerts(db: DbDep, principal: ReaderDep, params: AlertParamsDep) -> Any:
    """The alerts of your customers matching the filters, newest first."""
    page = alerts_service.list_alerts(db, principal, params.query())
    return {
        "data": page.rows,
        "count": page.total,
        "page": page.page,
        "page_size": page.page_size,
        "as_of_date": page.as_of_date,
    }


@router.get("/customers", response_model=CustomerAlertListPublic)
def list_alert_customers(db: DbDep, principal: ReaderDep, params: AlertParamsDep) -> Any:
    """Your customers with alerts matching the filters, one entry per customer with their
    alerts, highest priority first (assets x severity; docs/alerts.md)."""
    page = alerts_service.list_alert_customers(db, principal, params.query())
    return {
        "data": page.rows,
        "count": page.total,
        "alerts": page.alerts,
        "page": page.page,
        "page_size": page.page_size,
        "as_of_date": page.as_of_date,
    }


@router.get("/counts", response_model=CountsPublic)
def counts(
    db: DbDep,
    principal: ReaderDep,
    status: Annotated[Status | None, Query(description="only this status")] = None,
) -> Any:
    """Alerts in your scope by alert and status (the workbench's counts)."""
    return {"counts": alerts_service.alert_counts(db, principal, status)}


@router.get("/export.{fmt}", response_class=Response)
def export(
    fmt: Format,
    db: DbDep,
    settings: SettingsDep,
    principal: ExporterDep,
    params: AlertParamsDep,
    codes: CodesQuery = False,
) -> Response:
    """Every alert matching the filters as CSV or Excel (paging ignored), Chinese headers and
    labels unless `codes=1`; audited as an export."""
    query = params.query()
    show = alerts_presentation(principal.language, codes)
    return export_response(
        lambda sink: alerts_service.write_alerts(db, settings, principal, query, sink),
        fmt,
        show,
        db=db,
    )


@router.get("/thresholds")
def thresholds(settings: SettingsDep, principal: ReaderDep) -> Any:
    """Per alert: the default thresholds and the branch overrides you may see."""
    return {"alerts": alerts_service.threshold_overview(settings, principal)}


@router.post("/thresholds/preview", response_model=PreviewPublic)
def preview(body: ThresholdsIn, db: DbDep, settings: SettingsDep, principal: ReaderDep) -> Any:
    """How many customers would fire with these thresholds, and how many fire now; saves
    nothing (HQ: defaults and any branch; a branch manager: their own branch)."""
    return alerts_service.preview_thresholds(
        db, settings, principal, body.alert_id, body.branch_id, body.params
    )


@router.post("/thresholds", response_model=ApprovalPublic, status_code=202)
def save(
    body: ThresholdsIn,
    db: DbDep,
    settings: SettingsDep,
    principal: ReaderDep,
    language: LanguageDep,
) -> Any:
    """Ask for these thresholds (HQ: defaults and any branch; a branch manager: their own
    branch): an `alert_thresholds` request in 待审批 (202, the request); head office approves
    it and they apply from the next run after. Audited."""
    asked = request_thresholds(
        db, settings, principal, body.alert_id, body.branch_id, body.params, body.reason
    )
    return approval_public(settings, asked, language)


@router.get("/{alert_row_id}", response_model=AlertDetailPublic)
def get_alert(alert_row_id: IdPath, db: DbDep, principal: ReaderDep) -> Any:
    """One alert with every status change (404 for one of a customer outside your scope)."""
    return alerts_service.get_alert(db, principal, alert_row_id)


@router.post("/{alert_row_id}/status", response_model=AlertDetailPublic)
def change_status(alert_row_id: IdPath, body: StatusIn, db: DbDep, principal: ReaderDep) -> Any:
    """new -> acknowledged -> handled or dismissed (a dismissal needs a note); any other move
    is refused (409). Recorded with who and when; audited."""
    return alerts_service.change_status(db, principal, alert_row_id, body.status, body.note)


@customer_router.get("/{customer_id}/alerts", response_model=list[AlertPublic])
def customer_alerts(customer_id: str, db: DbDep, principal: ReaderDep) -> Any:
    """The customer's latest alerts, newest first."""
    return alerts_service.customer_alerts(db, principal, customer_id)
