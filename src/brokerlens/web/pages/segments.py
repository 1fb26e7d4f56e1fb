"""Segments: the list, the builder with a live count, members and export."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from starlette.datastructures import FormData
from starlette.responses import RedirectResponse, Response

from brokerlens.access import (
    count_customers,
    create_segment,
    delete_segment,
    get_segment,
    list_segments,
    segment_count,
    segment_members,
    update_segment,
)
from brokerlens.auth.principal import Permission
from brokerlens.errors import Forbidden, InvalidRequest
from brokerlens.web.bounds import MAX_PAGE, IdPath, check_field, check_filters
from brokerlens.web.deps import CsrfDep
from brokerlens.web.filters import (
    NO_VALUE_OPS,
    columns_of,
    conditions_from_dicts,
    parse_filter,
)
from brokerlens.web.group_form import (
    Draft,
    drafts_from_form,
    drafts_from_nodes,
    error_at,
    renumber,
    to_tree,
)
from brokerlens.web.pages.common import Page, ReaderPageDep
from brokerlens.web.pages.customers import LIST_COLUMNS, ListColumn, column_kind, column_label
from brokerlens.web.pages.groups import tree_context
from brokerlens.web.pages.segment_groups import group_context

router = APIRouter(include_in_schema=False, dependencies=[CsrfDep])


@dataclass(frozen=True)
class Row:
    field: str
    op: str
    value: str


def _rows_from_filters(filters: list[str]) -> list[Row]:
    rows = []
    for text in check_filters(filters):
        if text:
            field, op, value = parse_filter(text)
            rows.append(Row(field, op, value or ""))
    return rows


def _rows_from_form(form: FormData) -> list[Row]:
    fields, ops, values = form.getlist("field"), form.getlist("op"), form.getlist("value")
    rows = []
    for field, op, value in zip(fields, ops, values, strict=False):
        if isinstance(field, str) and isinstance(op, str) and field:
            check_field(field, "condition")
            rows.append(Row(field, op, value if isinstance(value, str) else ""))
    return rows


def _conditions(rows: list[Row]) -> list[Any]:
    usable = [r for r in rows if r.op in NO_VALUE_OPS or r.value.strip()]
    return conditions_from_dicts([{"field": r.field, "op": r.op, "value": r.value} for r in usable])


@router.get("/segments")
def segments_page(page: ReaderPageDep) -> Response:
    items = list_segments(page.db, page.principal)
    counts: dict[int, int | None] = {}
    for s in items:
        try:
            counts[s.segment_id] = segment_count(
                page.db, page.principal, s.segment_id, page.settings
            )
        except Forbidden:  # a shared segment on a personal field the viewer may not use
            counts[s.segment_id] = None
    return page.render("segments.html", {"segments": items, "counts": counts}, active="segments")


@router.get("/segments/new")
def new_segment(page: ReaderPageDep, request: Request) -> Response:
    rows = _rows_from_filters(request.query_params.getlist("f"))
    drafts = renumber([Draft("leaf", field=r.field, op=r.op, value=r.value) for r in rows])
    context = {**tree_context(page, drafts or [Draft("leaf", "0")], None), "segment": None}
    return page.render("segment.html", context, active="segments", snapshot=context["snapshot"])


@router.post("/segments/count")
async def live_count(page: ReaderPageDep, request: Request) -> Response:
    rows = _rows_from_form(await request.form())
    count = count_customers(page.db, page.principal, _conditions(rows), page.settings)
    return page.render("_segment_count.html", {"count": count}, active="segments")


Visibility = Literal["private", "unit"]


def _form_fields(form: FormData) -> tuple[str, str | None, Visibility]:
    name = str(form.get("name") or "").strip()
    description = str(form.get("description") or "").strip() or None
    visibility = str(form.get("visibility") or "private")
    if not name:
        raise InvalidRequest("name: give the segment a name")
    if visibility == "unit":
        return name, description, "unit"
    if visibility != "private":
        raise InvalidRequest("visibility: private or unit")
    return name, description, "private"


def _tree_of(drafts: list[Draft], paths: dict[str, str]) -> tuple[list[Any], dict[str, str]]:
    nodes, paths = to_tree(drafts, counting=False, paths=paths)
    if not nodes:
        raise InvalidRequest("conditions: add at least one condition")
    return nodes, paths


def _refused(
    page: Page,
    form: FormData,
    drafts: list[Draft],
    exc: Exception,
    paths: dict[str, str],
    segment_id: int | None,
) -> Response | None:
    """The builder again with the error beside the node its path names (None: an error of the
    name or of no node, raised as any other)."""
    node_id, text = error_at(str(exc), paths)
    if node_id is None:
        return None
    segment = get_segment(page.db, page.principal, segment_id) if segment_id else None
    context = {
        **tree_context(page, drafts, segment_id, {node_id: text}),
        "segment": segment,
        "form_name": str(form.get("name") or ""),
        "form_description": str(form.get("description") or ""),
    }
    return page.render(
        "segment.html", context, active="segments", snapshot=context["snapshot"], status_code=400
    )


def _save(page: Page, form: FormData, segment_id: int | None) -> Response:
    name, description, visibility = _form_fields(form)
    drafts = drafts_from_form(form)
    paths: dict[str, str] = {}
    try:
        conditions, paths = _tree_of(drafts, paths)
        if segment_id is None:
            segment_id = create_segment(
                page.db,
                page.principal,
                name,
                conditions,
                visibility=visibility,
                description=description,
                settings=page.settings,
            ).segment_id
        else:
            update_segment(
                page.db,
                page.principal,
                segment_id,
                name=name,
                conditions=conditions,
                visibility=visibility,
                description=description,
                settings=page.settings,
            )
    except InvalidRequest as exc:
        shown = _refused(page, form, drafts, exc, paths, segment_id)
        if shown is None:
            raise
        return shown
    return RedirectResponse(f"/segments/{segment_id}", status_code=303)


@router.post("/segments")
async def create(page: ReaderPageDep, request: Request) -> Response:
    return _save(page, await request.form(), None)


def _members_context(page: Page, segment_id: int, number: int) -> dict[str, Any]:
    result = segment_members(
        page.db, page.principal, segment_id, page=number, page_size=50, settings=page.settings
    )
    snapshot = page.snapshot()
    info = columns_of(snapshot)
    columns = [
        ListColumn(
            n,
            column_label(n, snapshot, page.language, page.indicators()),
            column_kind(n, info[n].type),
        )
        for n in LIST_COLUMNS
        if n in info
    ]
    pages = max(1, -(-result.total // result.page_size))
    group = get_segment(page.db, page.principal, segment_id)
    return {
        "removable": group.kind == "static" and group.editable,  # issue 25
        "members": result,
        "columns": columns,
        "pages": pages,
        "segment_id": segment_id,
        "url": lambda n: f"/segments/{segment_id}/members?" + urlencode({"page": n}),
    }


@router.get("/segments/{segment_id}")
def segment_page(segment_id: IdPath, page: ReaderPageDep) -> Response:
    segment = get_segment(page.db, page.principal, segment_id)
    drafts = drafts_from_nodes(segment.conditions) or [Draft("leaf", "0")]
    context = {
        **tree_context(page, drafts, segment_id),
        **_members_context(page, segment_id, 1),
        "segment": segment,
        **group_context(page, segment),  # issue 25: members by hand, shares
        "count": segment_count(page.db, page.principal, segment_id, page.settings),
        "can_export": page.principal.can(Permission.EXPORT),
    }
    return page.render("segment.html", context, active="segments", snapshot=context["snapshot"])


@router.get("/segments/{segment_id}/members")
def members_partial(
    segment_id: IdPath,
    page: ReaderPageDep,
    number: Annotated[int, Query(alias="page", ge=1, le=MAX_PAGE)] = 1,
) -> Response:
    return page.render(
        "_members.html", _members_context(page, segment_id, number), active="segments"
    )


@router.post("/segments/{segment_id}")
async def update(segment_id: IdPath, page: ReaderPageDep, request: Request) -> Response:
    return _save(page, await request.form(), segment_id)


@router.post("/segments/{segment_id}/delete")
def delete(segment_id: IdPath, page: ReaderPageDep) -> Response:
    delete_segment(page.db, page.principal, segment_id)
    return RedirectResponse("/segments", status_code=303)
