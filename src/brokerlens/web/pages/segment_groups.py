"""Customer groups' pages (客户分组, issue 25): static groups (静态分组) made and filled by hand
(from the customer list's selected rows or all matching, from the 360, by an uploaded list of
ids), their members removed, and groups shared with named colleagues (read-only or editable).

Every change goes through `access` (scope, audit); a report page says what was added or removed
and which ids were not known or outside the user's scope.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Request
from starlette.datastructures import FormData, UploadFile
from starlette.responses import RedirectResponse, Response

from brokerlens.access import list_segments, update_segment
from brokerlens.access import segment_shares as shares
from brokerlens.access import segment_static as static
from brokerlens.access.segments import Segment
from brokerlens.errors import InvalidRequest
from brokerlens.web.api.customers import CustomerListParams
from brokerlens.web.bounds import IdPath
from brokerlens.web.deps import CsrfDep
from brokerlens.web.pages.common import Page, ReaderPageDep
from brokerlens.web.pages.customers import _range_filters

router = APIRouter(include_in_schema=False, dependencies=[CsrfDep])

REPORTED = 200  # ids a report page lists at most (the counts say how many in all)


def group_context(page: Page, segment: Segment) -> dict[str, Any]:
    """What the group page shows for member management and sharing."""
    return {
        "removable": segment.kind == "static" and segment.editable,
        "shares": shares.list_shares(page.db, page.principal, segment.segment_id),
    }


def _text(form: FormData, name: str, limit: int = 200) -> str:
    value = form.get(name)
    text = value.strip() if isinstance(value, str) else ""
    if len(text) > limit:
        raise InvalidRequest(f"{name}: at most {limit} characters")
    return text


def _visibility(form: FormData) -> Literal["private", "unit"]:
    value = _text(form, "visibility") or "private"
    if value not in ("private", "unit"):
        raise InvalidRequest("visibility: private or unit")
    return "unit" if value == "unit" else "private"


def _ids(form: FormData) -> list[str]:
    """Ids from ticked rows (`customer_ids`, repeated) and a typed list (`ids_text`)."""
    picked = [v for v in form.getlist("customer_ids") if isinstance(v, str)]
    typed = _text(form, "ids_text", 200_000)
    if typed:
        picked += static.parse_id_list(typed, "ids_text")
    return picked


def _report(page: Page, segment_id: int, report: static.MembersReport) -> Response:
    context = {
        "segment_id": segment_id,
        "report": report,
        "not_found": report.not_found[:REPORTED],
        "out_of_scope": report.out_of_scope[:REPORTED],
        "name": next(
            (s.name for s in list_segments(page.db, page.principal) if s.segment_id == segment_id),
            str(segment_id),
        ),
    }
    return page.render("group_report.html", context, active="segments")


@router.get("/segments/new-static")
def new_static(page: ReaderPageDep) -> Response:
    return page.render("group_new.html", {}, active="segments")


@router.post("/segments/new-static")
async def create_static(page: ReaderPageDep, request: Request) -> Response:
    form = await request.form()
    name = _text(form, "name")
    if not name:
        raise InvalidRequest("name: give the group a name")
    made = static.create_static_group(
        page.db,
        page.principal,
        name,
        description=_text(form, "description", 2000) or None,
        visibility=_visibility(form),
    )
    return RedirectResponse(f"/segments/{made.segment_id}", status_code=303)


@router.post("/segments/{segment_id}/static")
async def edit_static(segment_id: IdPath, page: ReaderPageDep, request: Request) -> Response:
    """A static group's name, description and visibility (it has no conditions)."""
    form = await request.form()
    name = _text(form, "name")
    if not name:
        raise InvalidRequest("name: give the group a name")
    update_segment(
        page.db,
        page.principal,
        segment_id,
        name=name,
        description=_text(form, "description", 2000),
        visibility=_visibility(form),
    )
    return RedirectResponse(f"/segments/{segment_id}", status_code=303)


@router.post("/segments/{segment_id}/members/add")
async def add_members(segment_id: IdPath, page: ReaderPageDep, request: Request) -> Response:
    form = await request.form(max_part_size=static.MAX_UPLOAD_BYTES)
    report = static.add_members(page.db, page.principal, segment_id, _ids(form))
    return _report(page, segment_id, report)


@router.post("/segments/{segment_id}/members/remove")
async def remove_members(segment_id: IdPath, page: ReaderPageDep, request: Request) -> Response:
    form = await request.form()
    report = static.remove_members(page.db, page.principal, segment_id, _ids(form))
    return _report(page, segment_id, report)


@router.post("/segments/{segment_id}/members/upload")
async def upload_members(segment_id: IdPath, page: ReaderPageDep, request: Request) -> Response:
    async with request.form(max_part_size=static.MAX_UPLOAD_BYTES + 1) as form:
        upload = form.get("file")
        if not isinstance(upload, UploadFile):
            raise InvalidRequest("file: choose a file of customer ids")
        data = await upload.read(static.MAX_UPLOAD_BYTES + 1)
    report = static.upload_members(page.db, page.principal, segment_id, data)
    return _report(page, segment_id, report)


@router.post("/groups/add")
async def add_from_list(
    page: ReaderPageDep,
    request: Request,
    params: Annotated[CustomerListParams, Depends()],
) -> Response:
    """From the customer list (ticked rows, or all matching its filters, which come as the
    list's own query parameters) or the 360 (`source=360`): into the chosen static group."""
    form = await request.form()
    picked = _text(form, "segment_id", 12)
    if not picked.isdigit() or not 1 <= int(picked) <= 2**31 - 1:
        raise InvalidRequest("segment_id: choose a static group")
    segment_id = int(picked)
    how = _text(form, "how") or "selected"
    if how == "all":
        ranges, bounds = _range_filters(request, page.indicators(), page.language)
        bad = next((e for _, _, e in bounds.values() if e), None)
        if bad:
            raise InvalidRequest(f"filters: {bad}")
        params.filters = [f for f in params.filters if f] + ranges
        report = static.add_matching(
            page.db, page.principal, segment_id, params.query(), page.settings
        )
    elif how == "selected":
        source: static.Source = "360" if _text(form, "source") == "360" else "ids"
        report = static.add_members(page.db, page.principal, segment_id, _ids(form), source=source)
    else:
        raise InvalidRequest("how: selected or all")
    return _report(page, segment_id, report)


@router.get("/customers/{customer_id}/groups")
def groups_slot(
    customer_id: Annotated[str, Path(min_length=1, max_length=64)], page: ReaderPageDep
) -> Response:
    """The 360's "add to group" control: the static groups the user may add to."""
    groups = static.addable_groups(page.db, page.principal)
    context = {"customer_id": customer_id, "groups": groups}
    return page.render("_group_add_360.html", context, active="customers")


@router.post("/segments/{segment_id}/shares")
async def share(segment_id: IdPath, page: ReaderPageDep, request: Request) -> Response:
    form = await request.form()
    access_kind = _text(form, "access") or "read"
    if access_kind not in ("read", "edit"):
        raise InvalidRequest("access: read or edit")
    shares.share_segment(
        page.db, page.principal, segment_id, _text(form, "user", 64), can_edit=access_kind == "edit"
    )
    return RedirectResponse(f"/segments/{segment_id}#shares", status_code=303)


@router.post("/segments/{segment_id}/shares/{username}/delete")
def unshare(
    segment_id: IdPath,
    username: Annotated[str, Path(min_length=1, max_length=64)],
    page: ReaderPageDep,
) -> Response:
    shares.unshare_segment(page.db, page.principal, segment_id, username)
    return RedirectResponse(f"/segments/{segment_id}#shares", status_code=303)
