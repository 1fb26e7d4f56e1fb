"""The organisation page: the unit tree in scope and its staff."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.responses import Response

from brokerlens.access import list_staff, org_tree
from brokerlens.web.bounds import DayQuery
from brokerlens.web.deps import CsrfDep
from brokerlens.web.pages.common import ReaderPageDep

router = APIRouter(include_in_schema=False, dependencies=[CsrfDep])


@router.get("/org")
def org(page: ReaderPageDep, unit_id: str | None = None, as_of: DayQuery = None) -> Response:
    tree = org_tree(page.db, page.principal, as_of)
    staff = list_staff(page.db, page.principal, unit_id=unit_id) if unit_id else []
    context = {"tree": tree, "staff": staff, "unit_id": unit_id, "as_of": as_of}
    return page.render("org.html", context, active="org")
