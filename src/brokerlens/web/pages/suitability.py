"""Suitability pages: the panel of the customer 360 (loaded by htmx after the page, so the 360
itself reads no more than before), its check form with the warn -> confirm steps, and the
compliance page /suitability (findings, validity and holdings above class, by branch).

Every call goes through `brokerlens.access.suitability`, which cuts to the user's scope.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form
from starlette.responses import Response

from brokerlens.access.suitability import (
    check_target,
    compliance_overview,
    customer_suitability,
    record_confirmation,
    record_warning,
)
from brokerlens.auth.principal import Permission
from brokerlens.errors import NotFound
from brokerlens.web.bounds import IdPath
from brokerlens.web.deps import CsrfDep
from brokerlens.web.pages.common import Page, ReaderPageDep, permission_page
from brokerlens.web.pages.customer360 import fragment_or_page

router = APIRouter(include_in_schema=False, dependencies=[CsrfDep])

ReportsPageDep = Annotated[Page, Depends(permission_page(Permission.SUITABILITY_REPORTS))]
PERMISSIONS = ("margin", "chinext", "star", "bse", "option", "hk_connect")


@router.get("/customers/{customer_id}/suitability")
def panel(customer_id: str, page: ReaderPageDep) -> Response:
    """The 360's suitability panel (a fragment; opened on its own: the 360 at the panel)."""
    moved = fragment_or_page(page, customer_id, "suitability-panel")
    if moved is not None:
        return moved
    summary = customer_suitability(
        page.db, page.settings, page.principal, customer_id, with_eligibility=True
    )
    context = {
        "customer_id": customer_id,
        "s": summary,
        "eligibility": summary.eligibility,
        "targets": PERMISSIONS,
    }
    return page.render("_suitability_panel.html", context, active="customers")


@router.post("/customers/{customer_id}/suitability/check")
def check(
    customer_id: str,
    page: ReaderPageDep,
    target: Annotated[str, Form(min_length=1, max_length=64)],
    context: Annotated[str, Form()] = "purchase",
) -> Response:
    found = check_target(
        page.db, page.settings, page.principal, customer_id, target.strip(), context
    )
    return page.render("_suitability_check.html", {"check": found}, active="customers")


@router.post("/suitability/checks/{check_id}/{step}")
def step(
    check_id: IdPath,
    step: str,
    page: ReaderPageDep,
    note: Annotated[str | None, Form(max_length=500)] = None,
) -> Response:
    """Record the warning shown or the customer's confirmation; answers the check again."""
    steps = {"warning": record_warning, "confirmation": record_confirmation}
    if step not in steps:
        raise NotFound(f"no step {step[:32]!r}", hint="warning or confirmation")
    found = steps[step](page.db, page.principal, check_id, note or None)
    return page.render("_suitability_check.html", {"check": found}, active="customers")


@router.get("/suitability")
def reports(page: ReportsPageDep) -> Response:
    """Compliance and HQ: re-scoring findings, validity and holdings above class by branch."""
    overview = compliance_overview(page.db, page.settings, page.principal, limit=200)
    context = {
        "findings": overview.findings,
        "validity": overview.validity,
        "holdings": overview.holdings,
    }
    return page.render("suitability.html", context, active="suitability")
