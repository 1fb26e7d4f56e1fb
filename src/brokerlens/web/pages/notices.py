"""通知公告: notices (issue 23 section 4): pages, through `brokerlens.access` (audience, reach,
audit).

/notices lists the notices showing to the reader, unread first (and, for those who may publish,
the ones they publish and manage); /notices/new writes one (a refused field is said beside it,
with what was typed kept; a unit outside the publisher's reach answers 403 there);
/notices/{id} shows the body (reading it marks it read) and, for its publisher and the managers
of its units, the read receipts per unit. The home page lists the unread ones with a 标为已读
button (htmx: the list comes back without it).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, Request
from starlette.datastructures import FormData
from starlette.responses import HTMLResponse, RedirectResponse, Response

from brokerlens.access import notice_receipts as receipts_service
from brokerlens.access import notices as service
from brokerlens.auth.principal import Role
from brokerlens.errors import Forbidden
from brokerlens.store.notices_schema import BODY_FORMATS, NOTICE_IMPORTANCE
from brokerlens.web.bounds import IdPath
from brokerlens.web.deps import CsrfDep
from brokerlens.web.notice_text import notice_html
from brokerlens.web.pages.common import Page, PageDep

router = APIRouter(include_in_schema=False, dependencies=[CsrfDep])

BEIJING = service.BEIJING
TEXT_FIELDS = ("title", "body", "body_format", "importance", "publish_at", "expire_at")


def when(value: dt.datetime | None) -> str:
    """An instant in Beijing time, to the minute."""
    if value is None:
        return "—"
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M")


def home_notices(page: Page) -> dict[str, Any]:
    """The home page's unread notices (the first few) and how many there are."""
    found = service.list_notices(
        page.db, page.principal, unread_only=True, limit=service.HOME_LIMIT
    )
    return {"notices": found, "when": when}


@router.get("/notices")
def notices_page(page: PageDep, request: Request) -> Response:
    view = request.query_params.get("view") or "inbox"
    if view not in service.NOTICE_VIEWS:
        view = "inbox"
    found = service.list_notices(page.db, page.principal, view)
    context = {
        "found": found,
        "view": view,
        "views": service.NOTICE_VIEWS,
        "may_publish": service.may_publish(page.principal),
        "when": when,
    }
    return page.render("notices.html", context, active="notices")


def _form_page(
    page: Page, typed: dict[str, Any] | None = None, error: str = "", status_code: int = 200
) -> HTMLResponse:
    if not service.may_publish(page.principal):
        raise Forbidden(
            "publishing notices needs the publish_notices permission",
            hint="head office and branch managers publish notices",
        )
    context = {
        "typed": typed or {"body_format": "markdown", "importance": "normal", "units": []},
        "error": error,
        "units": service.addressable_units(page.db, page.principal),
        "roles": [r.value for r in Role],
        "formats": BODY_FORMATS,
        "importances": NOTICE_IMPORTANCE,
    }
    return page.render("notice_new.html", context, active="notices", status_code=status_code)


@router.get("/notices/new")
def new_notice_page(page: PageDep) -> Response:
    return _form_page(page)


def _typed(form: FormData) -> dict[str, Any]:
    typed: dict[str, Any] = {}
    for name in TEXT_FIELDS:
        value = form.get(name)
        typed[name] = value.strip() if isinstance(value, str) else ""
    typed["units"] = [v for v in form.getlist("units") if isinstance(v, str)][:500]
    typed["roles"] = [v for v in form.getlist("roles") if isinstance(v, str)][:50]
    typed["pinned"] = form.get("pinned") in ("1", "on", "true")
    typed["draft"] = form.get("action") == "draft"
    return typed


def _instant(typed: dict[str, Any], name: str) -> dt.datetime | None:
    text = typed[name]
    if not text:
        return None
    try:
        return dt.datetime.fromisoformat(text)
    except ValueError:
        raise service.NoticeRejected(name, "not a date and time") from None


@router.post("/notices/new")
async def create(page: PageDep, request: Request) -> Response:
    typed = _typed(await request.form())
    try:
        entry = service.NoticeInput(
            title=typed["title"],
            body=typed["body"],
            units=typed["units"],
            roles=typed["roles"],
            body_format=typed["body_format"] or "markdown",
            importance=typed["importance"] or "normal",
            pinned=typed["pinned"],
            publish_at=_instant(typed, "publish_at"),
            expire_at=_instant(typed, "expire_at"),
            draft=typed["draft"],
        )
        made = service.create_notice(page.db, page.principal, entry)
    except service.NoticeRejected as exc:
        return _form_page(page, typed, exc.field, 422)
    except Forbidden:
        if not service.may_publish(page.principal):
            raise
        return _form_page(page, typed, "units_forbidden", 403)
    return RedirectResponse(f"/notices/{made.notice.notice_id}", status_code=303)


def _detail(page: Page, notice_id: int, *, error: str = "", status_code: int = 200) -> Response:
    row = service.mark_read(page.db, page.principal, notice_id, strict=False)
    receipts = None
    if row.may_see_receipts:
        receipts = receipts_service.notice_receipts(page.db, page.principal, notice_id)
    context = {
        "r": row,
        "n": row.notice,
        "body": notice_html(row.notice.body, row.notice.body_format),
        "receipts": receipts,
        "when": when,
        "error": error,
    }
    return page.render("notice.html", context, active="notices", status_code=status_code)


@router.get("/notices/{notice_id}")
def notice_page(notice_id: IdPath, page: PageDep) -> Response:
    """The notice; reading it here marks it read (when it is addressed to the reader)."""
    return _detail(page, notice_id)


@router.post("/notices/{notice_id}/read")
def mark_read(notice_id: IdPath, page: PageDep) -> Response:
    """标为已读: from the home page (htmx) the unread list comes back; else to the list."""
    service.mark_read(page.db, page.principal, notice_id, strict=False)
    if page.htmx:
        return page.render("_notice_home.html", home_notices(page), active="home")
    return RedirectResponse("/notices", status_code=303)


@router.post("/notices/{notice_id}/publish")
def publish(notice_id: IdPath, page: PageDep) -> Response:
    service.publish_notice(page.db, page.principal, notice_id)
    return RedirectResponse(f"/notices/{notice_id}", status_code=303)


@router.post("/notices/{notice_id}/withdraw")
async def withdraw(notice_id: IdPath, page: PageDep, request: Request) -> Response:
    form = await request.form()
    note = form.get("note")
    try:
        service.withdraw_notice(
            page.db, page.principal, notice_id, note if isinstance(note, str) else None
        )
    except service.NoticeRejected as exc:
        return _detail(page, notice_id, error=exc.field, status_code=422)
    return RedirectResponse(f"/notices/{notice_id}", status_code=303)
