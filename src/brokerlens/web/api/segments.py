"""Segments (customer groups, 客户分组): dynamic (saved conditions over the profile) or static
(customers added by hand); private, shared with a unit, or shared with named colleagues.

Counts and members are always cut to the viewer's scope by `access`; a segment the viewer may
not see answers 404 like one that does not exist.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi import Path as PathParam
from fastapi.encoders import jsonable_encoder
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from brokerlens import access
from brokerlens.access import segment_shares, segment_static
from brokerlens.access.conditions import Op
from brokerlens.access.exports import write_segment
from brokerlens.access.group_profile import group_profile as access_group_profile
from brokerlens.errors import InvalidRequest
from brokerlens.indicators import load_indicators
from brokerlens.web.api.customers import CustomerListPublic, page_of
from brokerlens.web.bounds import IdPath, PageQuery, check_condition_value, check_filters
from brokerlens.web.deps import (
    CsrfDep,
    DbDep,
    ExporterDep,
    ReaderDep,
    SettingsDep,
    customer_reader,
)
from brokerlens.web.export import CodesQuery, Format, Presentation, export_response
from brokerlens.web.filters import conditions_from, conditions_from_dicts

router = APIRouter(
    prefix="/api/segments", tags=["segments"], dependencies=[CsrfDep, Depends(customer_reader)]
)


class ConditionIn(BaseModel):
    field: str = Field(min_length=1, max_length=100)
    op: Op
    value: Any = Field(
        default=None, description="scalar; a list for `in`; [low, high] for `between`"
    )


class SegmentCreate(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    description: str | None = Field(default=None, max_length=2000)
    visibility: Literal["private", "unit"] = Field(
        default="private", description="private, or unit: shared with your unit and those below"
    )
    kind: Literal["dynamic", "static"] = Field(
        default="dynamic",
        description="dynamic (动态分组): its conditions; static (静态分组): customers added by "
        "hand (no conditions)",
    )
    conditions: list[dict[str, Any]] = Field(
        default_factory=list,
        description="ANDed: {field, op, value} or nested nodes; at least one for a dynamic "
        "group, none for a static",
    )


class SegmentUpdate(BaseModel):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    description: str | None = Field(default=None, max_length=2000)
    visibility: Literal["private", "unit"] | None = None
    conditions: list[dict[str, Any]] | None = Field(default=None, min_length=1)


class SegmentPublic(BaseModel):
    segment_id: int
    name: str
    description: str | None = None
    owner_user_id: int | None = None
    owner: str | None = None
    visibility: str
    unit_id: str | None = None
    conditions: list[dict[str, Any]]
    created_at: dt.datetime | None = None
    updated_at: dt.datetime | None = None
    editable: bool = Field(
        default=False, description="you own it, or it is shared with you as editable"
    )
    kind: str = Field(default="dynamic", description="dynamic or static")
    owned: bool = Field(default=False, description="you own it (only the owner deletes, shares)")
    shared: str | None = Field(
        default=None, description="how it is shared with you by name: read, edit (or none)"
    )


class SegmentsPublic(BaseModel):
    data: list[SegmentPublic]
    count: int


class CountIn(BaseModel):
    conditions: list[ConditionIn] = Field(default_factory=list)


class CountOut(BaseModel):
    count: int


def segment_public(segment: access.Segment) -> SegmentPublic:
    """The API's answer, built from access's typed segment in this one place."""
    data = jsonable_encoder(segment)
    return SegmentPublic.model_validate(data)


def typed_conditions(conditions: list[ConditionIn] | list[dict[str, Any]]) -> list[Any]:
    items = [c.model_dump() if isinstance(c, ConditionIn) else c for c in conditions]
    if not all(set(c) <= {"field", "op", "value"} and "field" in c for c in items):
        return items  # a nested tree (issue 25): access parses it, naming a bad node's path
    for c in items:  # the value's shape, before the conditions are built from it
        check_condition_value(str(c.get("field")), str(c.get("op")), c.get("value"))
    return conditions_from_dicts(items)


@router.get("", response_model=SegmentsPublic)
def list_segments(db: DbDep, principal: ReaderDep) -> SegmentsPublic:
    """Your segments and those shared with your unit or a unit above it."""
    data = [segment_public(s) for s in access.list_segments(db, principal)]
    return SegmentsPublic(data=data, count=len(data))


@router.post("", response_model=SegmentPublic, status_code=201)
def create_segment(
    body: SegmentCreate, db: DbDep, settings: SettingsDep, principal: ReaderDep
) -> SegmentPublic:
    if body.kind == "dynamic" and not body.conditions:
        raise InvalidRequest("conditions: a dynamic group needs at least one condition")
    segment = access.create_segment(
        db,
        principal,
        body.name,
        typed_conditions(body.conditions),
        visibility=body.visibility,
        description=body.description,
        settings=settings,
        kind=body.kind,
    )
    return segment_public(segment)


@router.post("/count", response_model=CountOut)
def count_unsaved(
    body: CountIn, db: DbDep, settings: SettingsDep, principal: ReaderDep
) -> CountOut:
    """The live count of conditions not yet saved (the segment builder asks as you type)."""
    conditions = typed_conditions(body.conditions)
    return CountOut(count=access.count_customers(db, principal, conditions, settings))


class PreviewIn(BaseModel):
    conditions: list[Any] | dict[str, Any] = Field(
        description="a condition tree: a list of nodes (ANDed) or one node (docs/groups.md)"
    )


class NodeCountOut(BaseModel):
    path: str
    count: int


class PreviewOut(BaseModel):
    total: int
    nodes: list[NodeCountOut]
    as_of_date: dt.date


@router.post("/preview", response_model=PreviewOut)
def preview_tree(
    body: PreviewIn, db: DbDep, settings: SettingsDep, principal: ReaderDep
) -> PreviewOut:
    """The live count of a condition tree and of each of its nodes, within your scope (issue
    25: the group builder shows how each condition narrows). A bad node: 400 naming its path."""
    found = access.preview_tree(db, principal, body.conditions, settings)
    return PreviewOut.model_validate(jsonable_encoder(found))


class HistoryDayOut(BaseModel):
    as_of_date: dt.date
    entered: int
    left: int
    members: int


@router.get("/{segment_id}/history", response_model=list[HistoryDayOut])
def group_history(
    segment_id: IdPath, db: DbDep, settings: SettingsDep, principal: ReaderDep
) -> list[HistoryDayOut]:
    """Per refreshed date: how many of your customers entered and left the group."""
    days = access.group_history(db, principal, segment_id, settings)
    return [HistoryDayOut.model_validate(jsonable_encoder(d)) for d in days]


class ChangeOut(BaseModel):
    customer_id: str
    change: str
    reason: str | None = None
    row: dict[str, Any]


class ChangesOut(BaseModel):
    as_of_date: dt.date
    rows: list[ChangeOut]
    total: int
    page: int
    page_size: int


@router.get("/{segment_id}/changes", response_model=ChangesOut)
def group_changes(
    segment_id: IdPath,
    db: DbDep,
    settings: SettingsDep,
    principal: ReaderDep,
    date: Annotated[dt.date, Query(description="a refreshed date")],
    page: PageQuery = 1,
    page_size: Annotated[int, Query(ge=1, le=200)] = 50,
) -> ChangesOut:
    """Who of your customers entered or left the group on `date`, and why (masked, audited)."""
    found = access.group_changes(
        db, principal, segment_id, settings, date, page=page, page_size=page_size
    )
    return ChangesOut.model_validate(jsonable_encoder(found))


class MembersAsOfOut(BaseModel):
    as_of_date: dt.date
    customer_ids: list[str]
    count: int


@router.get("/{segment_id}/members-as-of", response_model=MembersAsOfOut)
def members_as_of(
    segment_id: IdPath,
    db: DbDep,
    settings: SettingsDep,
    principal: ReaderDep,
    date: Annotated[dt.date, Query(description="a refreshed date")],
) -> MembersAsOfOut:
    """The group's members (your customers) as of a refreshed date (audited)."""
    ids = access.group_members_as_of(db, principal, segment_id, settings, date)
    return MembersAsOfOut(as_of_date=date, customer_ids=ids, count=len(ids))


class ProfileBucketOut(BaseModel):
    value: Any = Field(description="the dimension's value (null: customers without one)")
    group: int
    book: int
    group_share: float | None
    book_share: float | None


class ProfileDimensionOut(BaseModel):
    name: str
    buckets: list[ProfileBucketOut]


class GroupProfileOut(BaseModel):
    segment_id: int
    as_of_date: dt.date
    group_total: int
    book_total: int
    dimensions: list[ProfileDimensionOut]


@router.get("/{segment_id}/profile", response_model=GroupProfileOut)
def group_profile(
    segment_id: IdPath, db: DbDep, settings: SettingsDep, principal: ReaderDep
) -> GroupProfileOut:
    """群组画像: the group's distribution over tiers, asset buckets, risk classes, preferences
    and branches beside the whole book, both in your scope (aggregates, audited)."""
    found = access_group_profile(db, principal, segment_id, settings)
    return GroupProfileOut.model_validate(jsonable_encoder(found))


@router.get("/{segment_id}", response_model=SegmentPublic)
def get_segment(segment_id: IdPath, db: DbDep, principal: ReaderDep) -> SegmentPublic:
    return segment_public(access.get_segment(db, principal, segment_id))


@router.patch("/{segment_id}", response_model=SegmentPublic)
def update_segment(
    segment_id: IdPath, body: SegmentUpdate, db: DbDep, settings: SettingsDep, principal: ReaderDep
) -> SegmentPublic:
    changes = body.model_dump(exclude_unset=True)
    if body.conditions is not None:
        changes["conditions"] = typed_conditions(body.conditions)
    updated = access.update_segment(db, principal, segment_id, settings=settings, **changes)
    return segment_public(updated)


@router.delete("/{segment_id}", status_code=204)
def delete_segment(segment_id: IdPath, db: DbDep, principal: ReaderDep) -> Response:
    access.delete_segment(db, principal, segment_id)
    return Response(status_code=204)


@router.get("/{segment_id}/count", response_model=CountOut)
def segment_count(
    segment_id: IdPath, db: DbDep, settings: SettingsDep, principal: ReaderDep
) -> CountOut:
    """Members now, within your scope."""
    return CountOut(count=access.segment_count(db, principal, segment_id, settings))


@router.get("/{segment_id}/members", response_model=CustomerListPublic)
def segment_members(
    segment_id: IdPath,
    db: DbDep,
    settings: SettingsDep,
    principal: ReaderDep,
    page: PageQuery = 1,
    page_size: Annotated[int, Query(ge=1, le=200)] = 50,
) -> CustomerListPublic:
    return page_of(
        access.segment_members(
            db, principal, segment_id, page=page, page_size=page_size, settings=settings
        )
    )


@router.get("/{segment_id}/export.{fmt}", response_class=Response)
def export_segment(
    segment_id: IdPath,
    fmt: Format,
    db: DbDep,
    settings: SettingsDep,
    principal: ExporterDep,
    codes: CodesQuery = False,
) -> Response:
    """Every member as CSV or Excel (PII masked), Chinese headers and labels unless `codes=1`;
    audited as an export naming the customers."""
    show = Presentation(principal.language, codes, load_indicators(settings))
    return export_response(
        lambda sink: write_segment(db, principal, segment_id, sink, settings), fmt, show, db=db
    )


# --- static groups' members (issue 25) ----------------------------------------------------------

CustomerId = Annotated[str, Field(min_length=1, max_length=64)]


class MatchIn(BaseModel):
    """Every customer a customer-list query matches within your scope ("all matching"): the
    list's own parameters."""

    f: list[str] = Field(default_factory=list, description="conditions field:op:value")
    branch_id: str | None = Field(default=None, max_length=32)
    team_id: str | None = Field(default=None, max_length=32)
    staff_id: str | None = Field(default=None, max_length=32)
    search: str | None = Field(default=None, max_length=100)

    def query(self) -> access.CustomerQuery:
        return access.CustomerQuery(
            conditions=list(conditions_from(check_filters([x for x in self.f if x]))),
            branch_id=self.branch_id or None,
            team_id=self.team_id or None,
            staff_id=self.staff_id or None,
            search=(self.search or "").strip() or None,
        )


class MembersIn(BaseModel):
    customer_ids: list[CustomerId] | None = Field(
        default=None, max_length=segment_static.MAX_IDS, description="the customers, by id"
    )
    match: MatchIn | None = Field(
        default=None, description="or: every customer a list query matches in your scope"
    )


REPORTED = 1000  # ids listed in a report at most (the counts say how many in all)


class MembersReportPublic(BaseModel):
    segment_id: int
    action: Literal["add", "remove"]
    changed: int = Field(description="customers added (or removed)")
    unchanged: int = Field(description="already members (adding), not members (removing)")
    not_found: list[str] = Field(description=f"ids not known (the first {REPORTED})")
    not_found_count: int
    out_of_scope: list[str] = Field(description=f"ids outside your scope (the first {REPORTED})")
    out_of_scope_count: int
    as_of_date: dt.date | None = None


def report_public(report: segment_static.MembersReport) -> MembersReportPublic:
    return MembersReportPublic(
        segment_id=report.segment_id,
        action=report.action,
        changed=report.changed,
        unchanged=report.unchanged,
        not_found=report.not_found[:REPORTED],
        not_found_count=len(report.not_found),
        out_of_scope=report.out_of_scope[:REPORTED],
        out_of_scope_count=len(report.out_of_scope),
        as_of_date=report.as_of_date,
    )


def _one_of(body: MembersIn) -> None:
    if (body.customer_ids is None) == (body.match is None):
        raise InvalidRequest("customer_ids: give customer_ids or match (not both)")


@router.post("/{segment_id}/members", response_model=MembersReportPublic)
def add_members(
    segment_id: IdPath, body: MembersIn, db: DbDep, settings: SettingsDep, principal: ReaderDep
) -> MembersReportPublic:
    """Add customers in your scope to a static group: by id, or every one a list query matches.
    The others are reported (not known, out of your scope); audited `segment_add_members`."""
    _one_of(body)
    if body.match is not None:
        done = segment_static.add_matching(db, principal, segment_id, body.match.query(), settings)
    else:
        done = segment_static.add_members(db, principal, segment_id, body.customer_ids or [])
    return report_public(done)


@router.post("/{segment_id}/members/remove", response_model=MembersReportPublic)
def remove_members(
    segment_id: IdPath, body: MembersIn, db: DbDep, settings: SettingsDep, principal: ReaderDep
) -> MembersReportPublic:
    """Take customers in your scope out of a static group; audited `segment_remove_members`."""
    _one_of(body)
    if body.match is not None:
        done = segment_static.remove_matching(
            db, principal, segment_id, body.match.query(), settings
        )
    else:
        done = segment_static.remove_members(db, principal, segment_id, body.customer_ids or [])
    return report_public(done)


ID_LIST = {
    "requestBody": {
        "required": True,
        "content": {
            "text/csv": {"schema": {"type": "string"}},
            "text/plain": {"schema": {"type": "string"}},
        },
    }
}


@router.post(
    "/{segment_id}/members/upload", response_model=MembersReportPublic, openapi_extra=ID_LIST
)
async def upload_members(
    segment_id: IdPath, request: Request, db: DbDep, principal: ReaderDep
) -> MembersReportPublic:
    """Add the customers of a list of ids (the body: CSV or text, one id a line, a header line
    optional): those in your scope added in one go, the others reported."""
    data = b""
    async for chunk in request.stream():
        data += chunk
        if len(data) > segment_static.MAX_UPLOAD_BYTES:
            raise InvalidRequest(
                f"file: larger than {segment_static.MAX_UPLOAD_BYTES:,} bytes",
                hint="upload the list in parts",
            )
    done = await run_in_threadpool(segment_static.upload_members, db, principal, segment_id, data)
    return report_public(done)


# --- shares with named colleagues (issue 25) ----------------------------------------------------


class ShareIn(BaseModel):
    user: str = Field(min_length=1, max_length=64, description="the colleague's username")
    can_edit: bool = Field(
        default=False, description="editable: may change name, conditions, members"
    )


class SharePublic(BaseModel):
    segment_id: int
    user_id: int
    username: str
    display_name: str
    can_edit: bool
    shared_by: str | None = None
    shared_at: dt.datetime | None = None


class SharesPublic(BaseModel):
    data: list[SharePublic]
    count: int


@router.get("/{segment_id}/shares", response_model=SharesPublic)
def list_shares(segment_id: IdPath, db: DbDep, principal: ReaderDep) -> SharesPublic:
    """The colleagues the group is shared with by name."""
    data = [
        SharePublic.model_validate(jsonable_encoder(s))
        for s in segment_shares.list_shares(db, principal, segment_id)
    ]
    return SharesPublic(data=data, count=len(data))


@router.post("/{segment_id}/shares", response_model=SharePublic)
def share_segment(
    segment_id: IdPath, body: ShareIn, db: DbDep, principal: ReaderDep
) -> SharePublic:
    """Share your group with a colleague, read-only or editable (again: changes how); they see
    only the members in their own scope. Audited `segment_share`."""
    done = segment_shares.share_segment(
        db, principal, segment_id, body.user, can_edit=body.can_edit
    )
    return SharePublic.model_validate(jsonable_encoder(done))


@router.delete("/{segment_id}/shares/{username}", status_code=204)
def unshare_segment(
    segment_id: IdPath,
    username: Annotated[str, PathParam(min_length=1, max_length=64)],
    db: DbDep,
    principal: ReaderDep,
) -> Response:
    """Revoke a colleague's share. Audited `segment_unshare`."""
    segment_shares.unshare_segment(db, principal, segment_id, username)
    return Response(status_code=204)
