"""Dynamic segments: saved conditions over the profile, private or shared with a unit.

Counts and members are always cut to the viewer's scope by `access`; a segment the viewer may
not see answers 404 like one that does not exist.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query
from fastapi.encoders import jsonable_encoder
from pydantic import BaseModel, Field
from starlette.responses import Response

from brokerlens import access
from brokerlens.access.conditions import Op
from brokerlens.access.exports import write_segment
from brokerlens.access.group_profile import group_profile as access_group_profile
from brokerlens.indicators import load_indicators
from brokerlens.web.api.customers import CustomerListPublic, page_of
from brokerlens.web.bounds import IdPath, PageQuery, check_condition_value
from brokerlens.web.deps import (
    CsrfDep,
    DbDep,
    ExporterDep,
    ReaderDep,
    SettingsDep,
    customer_reader,
)
from brokerlens.web.export import CodesQuery, Format, Presentation, export_response
from brokerlens.web.filters import conditions_from_dicts

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
    conditions: list[dict[str, Any]] = Field(
        min_length=1, description="conditions ANDed: {field, op, value} or nested nodes"
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
    editable: bool = Field(default=False, description="you own it and may change it")


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
    segment = access.create_segment(
        db,
        principal,
        body.name,
        typed_conditions(body.conditions),
        visibility=body.visibility,
        description=body.description,
        settings=settings,
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
