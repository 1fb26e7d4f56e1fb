"""待审批: the approval flow (issue 18 section 3): pages, through `brokerlens.access`.

/approvals lists the requests waiting for the reader's decision (待审批), their own requests and
the history; /approvals/{id} shows one with its payload in words and the approve / reject (a
comment required: a refusal says so beside the field, with what was typed kept) / withdraw
buttons.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import RedirectResponse, Response

from brokerlens.access import approvals as service
from brokerlens.access.approval_kinds import builtin_kinds  # registers the built-in kinds
from brokerlens.web.bounds import IdPath
from brokerlens.web.deps import CsrfDep
from brokerlens.web.pages.common import Page, ReaderPageDep

router = APIRouter(include_in_schema=False, dependencies=[CsrfDep])


def _labels(language: str) -> dict[str, str]:
    return {name: service.kind_of(name).label(language) for name in builtin_kinds()}


@router.get("/approvals")
def approvals_page(page: ReaderPageDep, request: Request) -> Response:
    view = request.query_params.get("view") or "to_decide"
    if view not in service.VIEWS:
        view = "to_decide"
    items = service.list_approvals(page.db, page.principal, view)  # type: ignore[arg-type]
    context = {
        "items": items,
        "view": view,
        "views": service.VIEWS,
        "kinds": _labels(page.language),
        "waiting": service.waiting_count(page.db, page.principal),
    }
    return page.render("approvals.html", context, active="approvals")


def _detail(
    page: Page, request_id: int, *, error: str = "", typed: str = "", status_code: int = 200
) -> Response:
    found = service.get_approval(page.db, page.principal, request_id)
    context: dict[str, Any] = {
        "a": found,
        "kinds": _labels(page.language),
        "words": service.describe(page.settings, found, page.language),
        "error": error,
        "typed": typed,
    }
    return page.render("approval.html", context, active="approvals", status_code=status_code)


@router.get("/approvals/{request_id}")
def approval_page(request_id: IdPath, page: ReaderPageDep) -> Response:
    return _detail(page, request_id)


async def _comment(request: Request) -> str | None:
    form = await request.form()
    value = form.get("comment")
    return value if isinstance(value, str) else None


@router.post("/approvals/{request_id}/{action}")
async def decide(
    request_id: IdPath, action: str, page: ReaderPageDep, request: Request
) -> Response:
    comment = await _comment(request)
    steps = {"approve": service.approve, "reject": service.reject, "withdraw": service.withdraw}
    step = steps.get(action)
    if step is None:
        return RedirectResponse(f"/approvals/{request_id}", status_code=303)
    try:
        step(page.db, page.settings, page.principal, request_id, comment)
    except service.ApprovalRejected as exc:
        return _detail(page, request_id, error=exc.field, typed=comment or "", status_code=422)
    return RedirectResponse(f"/approvals/{request_id}", status_code=303)
