"""The organisation page: the unit tree in scope and its staff."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.responses import Response

from brokerlens.access import list_staff, org_tree
from brokerlens.web.deps import CsrfDep
from brokerlens.web.pages.common import ReaderPageDep

router = APIRouter(include_in_schema=False, dependencies=[CsrfDep])


@router.get("/org")
def org(page: ReaderPageDep, unit_id: str | None = None) -> Response:
    tree = org_tree(page.db, page.principal)
    staff = list_staff(page.db, page.principal, unit_id=unit_id) if unit_id else []
    return page.render("org.html", {"tree": tree, "staff": staff, "unit_id": unit_id}, active="org")
