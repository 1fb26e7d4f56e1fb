"""The audit log page (compliance): filters by user, action, customer and dates; paged."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from brokerlens.web.api.audit import AuditParams, audit_page
from brokerlens.web.deps import CsrfDep
from brokerlens.web.pages.common import AuditorPageDep

router = APIRouter(include_in_schema=False, dependencies=[CsrfDep])

ACTIONS = ("view_360", "reveal", "export", "login", "logout", "login_failed", "user_change")


@router.get("/audit")
def audit(
    page: AuditorPageDep,
    request: Request,
    params: Annotated[AuditParams, Depends()],
) -> Response:
    result = audit_page(page.db, page.principal, params)
    kept = [(k, v) for k, v in request.query_params.multi_items() if v and k != "page"]
    pages = max(1, -(-result["count"] // result["page_size"]))
    context = {
        "result": result,
        "params": params,
        "pages": pages,
        "actions": ACTIONS,
        "url": lambda n: "/audit?" + urlencode([*kept, ("page", str(n))]),
    }
    if page.htmx and request.headers.get("HX-Target") == "audit-table":
        return page.render("_audit_table.html", context, active="audit")
    return page.render("audit.html", context, active="audit")
