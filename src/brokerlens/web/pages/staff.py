"""Staff pages (issue 19 part E): `/staff/{id}` - who they are, then one section per slot
loaded by htmx: the org history (part A), the book left to hand over (B), income (C), KPI
scores (D), the book and the broker risk measures (E, here). A slot out of scope answers like
the page (404)."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.responses import RedirectResponse, Response

from brokerlens.access.broker_risk import staff_risk
from brokerlens.access.staff_profile import staff_book, staff_page
from brokerlens.web.deps import CsrfDep
from brokerlens.web.i18n import translate
from brokerlens.web.pages.common import Page, ReaderPageDep

router = APIRouter(include_in_schema=False, dependencies=[CsrfDep])

# (slot, message id of its heading), in the page's order; each part serves its own slot route
SLOTS = (
    ("history", "staff.slot.history"),
    ("handover", "staff.slot.handover"),
    ("income", "staff.slot.income"),
    ("kpi", "staff.slot.kpi"),
    ("book", "staff.slot.book"),
    ("risk", "staff.slot.risk"),
)


def _alone(page: Page, staff_id: str, slot: str) -> Response | None:
    """A slot opened on its own (not by htmx): to the page at the slot's place."""
    if page.htmx:
        return None
    return RedirectResponse(f"/staff/{staff_id}#staff-{slot}", status_code=303)


@router.get("/staff/{staff_id}")
def staff(staff_id: str, page: ReaderPageDep) -> Response:
    found = staff_page(page.db, page.principal, staff_id)
    context = {"p": found, "h": found.header, "slots": SLOTS}
    return page.render("staff.html", context, active="org")


@router.get("/staff/{staff_id}/book")
def book_slot(staff_id: str, page: ReaderPageDep) -> Response:
    slot = staff_book(page.db, page.settings, page.principal, staff_id)
    moved = _alone(page, staff_id, "book")
    if moved is not None:
        return moved
    chart = None
    if slot.book is not None and slot.book.trend:
        chart = slot.book.chart((translate("staff.assets", page.language), ""))
    context = {"slot": slot, "book": slot.book, "chart": chart, "chart_id": "staff-trend"}
    return page.render("_staff_book.html", context, active="org")


@router.get("/staff/{staff_id}/risk")
def risk_slot(staff_id: str, page: ReaderPageDep) -> Response:
    view = staff_risk(page.db, page.settings, page.principal, staff_id)
    moved = _alone(page, staff_id, "risk")
    if moved is not None:
        return moved
    return page.render("_staff_risk.html", {"risk": view}, active="org")
