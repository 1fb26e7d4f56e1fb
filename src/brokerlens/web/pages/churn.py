"""The 360's 流失预警 panel (issue 20): the customer's churn probability, rank, reasons and the
trend over the stored score dates, an htmx slot like the other panels.

Every read goes through `brokerlens.access.churn` (scope, audit `view_churn`)."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.responses import Response

from brokerlens.access.churn import churn_panel
from brokerlens.web.deps import CsrfDep
from brokerlens.web.pages.common import ReaderPageDep
from brokerlens.web.pages.customer360 import fragment_or_page

router = APIRouter(include_in_schema=False, dependencies=[CsrfDep])


@router.get("/customers/{customer_id}/churn")
def panel(customer_id: str, page: ReaderPageDep) -> Response:
    """The 360's 流失预警 panel (a fragment; opened on its own: the 360 at the panel)."""
    moved = fragment_or_page(page, customer_id, "churn-panel")
    if moved is not None:
        return moved
    found = churn_panel(page.db, page.settings, page.principal, customer_id)
    trend = list(reversed(found.churn.history)) if found.churn is not None else []
    return page.render("_churn_panel.html", {"ch": found, "trend": trend}, active="customers")
