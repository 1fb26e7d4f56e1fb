"""Unit pages (issue 19 part E): `/units/{unit_id}` - a team, branch or region with its
subtree aggregated (its staff and their books, the unit's book, alerts handled, risk flags)."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.responses import Response

from brokerlens.access.unit_profile import unit_page
from brokerlens.web.deps import CsrfDep
from brokerlens.web.i18n import translate
from brokerlens.web.pages.common import ReaderPageDep

router = APIRouter(include_in_schema=False, dependencies=[CsrfDep])


@router.get("/units/{unit_id}")
def unit(unit_id: str, page: ReaderPageDep) -> Response:
    found = unit_page(page.db, page.settings, page.principal, unit_id)
    chart = None
    if found.book is not None and found.book.trend:
        chart = found.book.chart((translate("staff.assets", page.language), ""))
    context = {"u": found, "book": found.book, "chart": chart, "chart_id": "unit-trend"}
    return page.render("unit.html", context, active="org")
