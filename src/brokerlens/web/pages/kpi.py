"""KPI pages (issue 19 section 4): rankings within team / branch / region with a month picker,
one staff member's scores and history (also the staff page's slot `/staff/{id}/kpi`), the
customers behind a metric, and the schemes with an edit -> preview -> request flow."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from brokerlens.access.kpi import (
    LEVELS,
    metric_customers,
    parse_month,
    rankings,
    staff_kpi,
)
from brokerlens.access.kpi_schemes import (
    MAX_SCHEME_BYTES,
    preview_scheme_change,
    request_scheme_change,
)
from brokerlens.auth.principal import Permission
from brokerlens.brokers.kpi.metrics import METRICS
from brokerlens.brokers.kpi.schemes import active_text, active_version, history, load_active
from brokerlens.web import formatting
from brokerlens.web.deps import CsrfDep
from brokerlens.web.pages.common import Page, PageDep

router = APIRouter(include_in_schema=False, dependencies=[CsrfDep])
MonthQuery = Annotated[str | None, Query()]


def metric_value(value: Any, unit: str) -> str:
    """A metric's value in its unit: yuan with separators, a rate as a percentage, counts (a
    shared customer counts 0.6) with up to two decimals."""
    if value is None:
        return "—"
    if unit == "yuan":
        return formatting.yuan(value)
    if unit == "rate":
        return formatting.pct(value, 1)
    number = Decimal(value).quantize(Decimal("0.01"))
    return formatting.num(number, 0 if number == number.to_integral() else 2)


def _common(page: Page) -> dict[str, Any]:
    return {
        "metrics": METRICS,
        "mval": metric_value,
        "lang": page.language,
        "levels": LEVELS,
    }


@router.get("/kpi")
def rankings_page(
    page: PageDep,
    month: MonthQuery = None,
    level: str = "branch",
    position: str | None = None,
) -> Response:
    found = rankings(
        page.db,
        page.settings,
        page.principal,
        month=parse_month(month),
        level=level,
        position=position or None,
    )
    context = {**_common(page), "r": found, "position": position or ""}
    return page.render("kpi.html", context, active="kpi")


def _staff_context(page: Page, staff_id: str, month: str | None) -> dict[str, Any]:
    found = staff_kpi(page.db, page.settings, page.principal, staff_id, month=parse_month(month))
    return {**_common(page), "k": found}


@router.get("/kpi/staff/{staff_id}")
def staff_page(page: PageDep, staff_id: str, month: MonthQuery = None) -> Response:
    return page.render("kpi_staff.html", _staff_context(page, staff_id, month), active="kpi")


@router.get("/staff/{staff_id}/kpi")
def staff_slot(page: PageDep, staff_id: str, month: MonthQuery = None) -> Response:
    """The staff page's KPI section (loaded by htmx); 404 out of scope, like the page."""
    return page.render("_staff_kpi.html", _staff_context(page, staff_id, month), active="kpi")


@router.get("/kpi/staff/{staff_id}/metrics/{metric}")
def drill_page(page: PageDep, staff_id: str, metric: str, month: MonthQuery = None) -> Response:
    found = metric_customers(
        page.db, page.settings, page.principal, staff_id, metric, month=parse_month(month)
    )
    return page.render("kpi_drill.html", {**_common(page), "d": found}, active="kpi")


@router.get("/kpi/schemes")
def schemes_page(page: PageDep) -> Response:
    can_edit = page.principal.can(Permission.EDIT_KPI)
    context = {
        **_common(page),
        "schemes": load_active(page.settings).schemes,
        "version": active_version(page.settings),
        "history": history(page.settings),
        "can_edit": can_edit,
        "yaml_text": active_text(page.settings) if can_edit else "",
    }
    return page.render("kpi_schemes.html", context, active="kpi")


@router.post("/kpi/schemes/preview")
async def preview_partial(
    page: PageDep,
    schemes_yaml: Annotated[str, Form(max_length=MAX_SCHEME_BYTES)],
    month: Annotated[str, Form()] = "",
    level: Annotated[str, Form()] = "branch",
) -> Response:
    found = await run_in_threadpool(
        preview_scheme_change,
        page.db,
        page.settings,
        page.principal,
        schemes_yaml,
        "edited schemes",
        month=parse_month(month),
        level=level,
    )
    return page.render("_kpi_preview.html", {**_common(page), "p": found}, active="kpi")


@router.post("/kpi/schemes/request")
def request_partial(
    page: PageDep,
    schemes_yaml: Annotated[str, Form(max_length=MAX_SCHEME_BYTES)],
    note: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    made = request_scheme_change(
        page.db, page.settings, page.principal, schemes_yaml, "edited schemes", note or None
    )
    return page.render("_kpi_requested.html", {"a": made}, active="kpi")
