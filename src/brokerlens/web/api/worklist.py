"""今日待办 (issue 17 section 1): a broker's daily work list, done / snooze / dismiss, completion by
broker.

Scope, checks and audit are decided in `brokerlens.access.worklist*`: a broker outside your
reach, or a customer not on the list in your scope, answers 404 like an unknown one; bad input
422 naming the field; an item already done or dismissed 409; completion by broker 403 for a
broker or advisor.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, ConfigDict, Field

from brokerlens.access.records import ContactInput
from brokerlens.access.worklist import MAX_PAGE_SIZE, WorkItem, WorkList, work_list
from brokerlens.access.worklist_actions import dismiss, mark_done, snooze
from brokerlens.access.worklist_team import Completion, completion
from brokerlens.errors import InvalidRequest
from brokerlens.web.bounds import DayQuery, PageQuery, check_day
from brokerlens.web.deps import CsrfDep, DbDep, ReaderDep, SettingsDep, customer_reader

router = APIRouter(
    prefix="/api", tags=["worklist"], dependencies=[CsrfDep, Depends(customer_reader)]
)

StaffQuery = Annotated[
    str | None, Query(max_length=32, description="the broker whose list (default: your own)")
]


def parse_day(name: str, value: str | None) -> dt.date | None:
    """A date typed in a form or query ("" = none), held to the app's date range."""
    if value is None or not value.strip():
        return None
    try:
        day = dt.date.fromisoformat(value.strip())
    except ValueError:
        raise InvalidRequest(f"{name}: {value[:10]!r} is not a date (YYYY-MM-DD)") from None
    return check_day(name, day)


def item_public(item: WorkItem) -> dict[str, Any]:
    return dataclasses.asdict(item)


def list_public(found: WorkList) -> dict[str, Any]:
    out = dataclasses.asdict(found)
    out["pages"] = max(1, -(-found.total // found.page_size))
    return out


def completion_public(found: Completion) -> dict[str, Any]:
    out = dataclasses.asdict(found)
    out["rate"] = found.rate
    for row, public in zip(found.rows, out["rows"], strict=True):
        public["rate"] = row.rate
    return out


class ListTarget(BaseModel):
    """Which list an action is on: T (default: the served date) and the broker (default: you)."""

    model_config = ConfigDict(extra="forbid")

    as_of: dt.date | None = Field(default=None, description="the list's date, YYYY-MM-DD")
    staff_id: str | None = Field(default=None, max_length=32)


class DoneIn(ListTarget):
    channel: str = Field(max_length=16, description="phone, visit, wechat, sms, email, app_push")
    result: str = Field(max_length=16, description="reached, not_reached, refused, done")
    content: str = Field(max_length=2000, description="what was said, 1..2000 characters")
    purpose: str | None = Field(
        default=None,
        max_length=16,
        description="service, marketing, callback, care, complaint (default: from the kinds)",
    )
    next_step: str | None = Field(default=None, max_length=500)
    next_date: dt.date | None = Field(default=None, description="a follow-up item that day")


class SnoozeIn(ListTarget):
    until: dt.date = Field(description="after the list's date, at most 90 days later")


class DismissIn(ListTarget):
    reason: str = Field(max_length=500, description="why (required)")


@router.get("/worklist")
def get_worklist(
    db: DbDep,
    settings: SettingsDep,
    principal: ReaderDep,
    as_of: DayQuery = None,
    staff_id: StaffQuery = None,
    all_items: Annotated[
        bool, Query(alias="all", description="the full inbox, paged, not today's budget")
    ] = False,
    kind: Annotated[
        str | None, Query(max_length=80, description="a family (alert, churn ...) or alert:<id>")
    ] = None,
    page: PageQuery = 1,
    page_size: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = 50,
) -> Any:
    """A broker's work list for `as_of` (default: the served date): today's budget by rank, or
    with `all=true` one page of the full inbox (filter `kind`); each row with every reason, the
    offer and its state (open, done, snoozed, dismissed). `available` false: no list kept."""
    found = work_list(
        db,
        settings,
        principal,
        as_of=as_of,
        staff_id=staff_id,
        all_items=all_items,
        kind=kind,
        page=page,
        page_size=page_size,
    )
    return list_public(found)


@router.get("/worklist/completion")
def get_completion(
    db: DbDep, settings: SettingsDep, principal: ReaderDep, as_of: DayQuery = None
) -> Any:
    """Per broker in your reach with a list on `as_of`: budget items, done, snoozed, dismissed,
    open, done beyond the budget, and the completion rate (done / budget). Leads, managers and
    head office only."""
    return completion_public(completion(db, settings, principal, as_of))


@router.post("/worklist/{customer_id}/done")
def post_done(
    customer_id: str, body: DoneIn, db: DbDep, settings: SettingsDep, principal: ReaderDep
) -> Any:
    """Log the contact (a service record) and mark the customer's row done."""
    contact = ContactInput(
        channel=body.channel,
        purpose=body.purpose or "",
        content=body.content,
        result=body.result,
        next_step=body.next_step,
        next_date=body.next_date,
    )
    item, record = mark_done(
        db, settings, principal, customer_id, contact, as_of=body.as_of, staff_id=body.staff_id
    )
    return {"item": item_public(item), "record": record.public()}


@router.post("/worklist/{customer_id}/snooze")
def post_snooze(
    customer_id: str, body: SnoozeIn, db: DbDep, settings: SettingsDep, principal: ReaderDep
) -> Any:
    """Leave the customer off the list until `until`."""
    item = snooze(
        db, settings, principal, customer_id, body.until, as_of=body.as_of, staff_id=body.staff_id
    )
    return item_public(item)


@router.post("/worklist/{customer_id}/dismiss")
def post_dismiss(
    customer_id: str, body: DismissIn, db: DbDep, settings: SettingsDep, principal: ReaderDep
) -> Any:
    """Dismiss the row with a reason."""
    item = dismiss(
        db, settings, principal, customer_id, body.reason, as_of=body.as_of, staff_id=body.staff_id
    )
    return item_public(item)
