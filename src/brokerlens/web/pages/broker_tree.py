"""经纪人树 (issue 19 part A): /org/tree (the broker tree as of a date in the reader's units, the
feed's or with brokerlens's approved changes, the differences with the feed, and the form to ask
for a change), and the staff page's slot /staff/{id}/history (the member's org events)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, Path, Query, Request
from starlette.responses import RedirectResponse, Response

from brokerlens.access.approval_kinds import builtin_kinds  # registers broker_tree_change
from brokerlens.access.broker_tree import SOURCES, broker_tree
from brokerlens.access.staff_history import staff_history
from brokerlens.access.tree_request import TreeChange, request_tree_change
from brokerlens.auth.principal import Permission
from brokerlens.brokers.tree.levels import LEVELS
from brokerlens.brokers.tree.rules import OPERATIONS, TreeRefused
from brokerlens.errors import NotFound
from brokerlens.web.bounds import DayQuery
from brokerlens.web.deps import CsrfDep
from brokerlens.web.i18n import error_text
from brokerlens.web.pages.common import Page, ReaderPageDep

router = APIRouter(include_in_schema=False, dependencies=[CsrfDep])

FIELDS = ("op", "staff_id", "manager_id", "effective_from", "reason")
# more members than this on the page: managers and team leads only, each branch linked
PAGE_MEMBERS = 1500


def _tree_page(
    page: Page,
    as_of: dt.date | None,
    source: str,
    form: dict[str, str] | None = None,
    error: tuple[str, str] | None = None,
    unit_id: str | None = None,
) -> Response:
    if source not in SOURCES:
        source = "feed"
    found = broker_tree(page.db, page.principal, as_of, source, unit_id)  # type: ignore[arg-type]
    context: dict[str, Any] = {
        "tree": found,
        "unit_id": unit_id,
        "managers_only": found.members > PAGE_MEMBERS,
        "source": source,
        "sources": SOURCES,
        "operations": OPERATIONS,
        "levels": LEVELS,
        "may_change": page.principal.can(Permission.MANAGE_ORG),
        "form": form or {},
        "error_field": error[0] if error else "",
        "error_text": error[1] if error else "",
    }
    return page.render(
        "broker_tree.html", context, active="broker_tree", status_code=422 if error else 200
    )


@router.get("/org/tree")
def tree_page(
    page: ReaderPageDep,
    as_of: DayQuery = None,
    source: str = "feed",
    unit_id: str | None = Query(default=None, min_length=1, max_length=32),
) -> Response:
    return _tree_page(page, as_of, source, unit_id=unit_id)


@router.post("/org/tree/changes")
async def ask_change(page: ReaderPageDep, request: Request) -> Response:
    form = await request.form()
    typed = {k: str(form.get(k) or "").strip()[:2000] for k in FIELDS}
    try:
        day = dt.date.fromisoformat(typed["effective_from"]) if typed["effective_from"] else None
    except ValueError:
        said = error_text(
            422, "effective_from: 日期格式为 YYYY-MM-DD / write it as YYYY-MM-DD", page.language
        )
        return _tree_page(page, None, "brokerlens", typed, ("effective_from", said))
    builtin_kinds()
    change = TreeChange(
        typed["op"], typed["staff_id"], typed["manager_id"] or None, day, typed["reason"] or None
    )
    try:
        made = request_tree_change(page.db, page.principal, change)
    except TreeRefused as exc:
        said = error_text(422, exc.problem, page.language)
        return _tree_page(page, day, "brokerlens", typed, (exc.field, said))
    except NotFound as exc:
        said = error_text(404, exc.message, page.language)
        return _tree_page(page, day, "brokerlens", typed, ("staff_id", said))
    return RedirectResponse(f"/approvals/{made.request_id}", status_code=303)


@router.get("/staff/{staff_id}/history")
def history_slot(
    page: ReaderPageDep, staff_id: str = Path(min_length=1, max_length=32)
) -> Response:
    found = staff_history(page.db, page.principal, staff_id)
    return page.render("_staff_history.html", {"history": found}, active="org")
