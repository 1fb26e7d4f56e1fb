"""服务记录 (issue 17 section 2): log a contact, edit it for 24 hours, the 360 timeline.

Scope, the checks of every field and the audit are decided in `brokerlens.access.records`: a
customer (or a record of one) outside your scope answers 404 like an unknown one, a bad field
422 naming it, an edit by another user or after 24 hours 403 saying why.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, ConfigDict, Field
from starlette.responses import JSONResponse

from brokerlens.access.records import (
    CONTENT_MAX,
    MAX_TIMELINE_SIZE,
    NEXT_STEP_MAX,
    ContactInput,
    ServiceRecord,
    customer_timeline,
    get_record,
    patch_record,
)
from brokerlens.access.worklist_actions import log_and_close
from brokerlens.web.bounds import MAX_ID, IdPath, PageQuery
from brokerlens.web.deps import CsrfDep, DbDep, ReaderDep, SettingsDep, customer_reader

router = APIRouter(
    prefix="/api", tags=["service records"], dependencies=[CsrfDep, Depends(customer_reader)]
)

# Lengths past what the access layer accepts are refused there, naming the field; these only
# keep a request body from being unbounded.
_TEXT = CONTENT_MAX * 4


class ContactBody(BaseModel):
    """A contact as logged: enums as in the data contract (channel phone, visit, wechat, sms,
    email, app_push; purpose service, marketing, callback, care, complaint; result reached,
    not_reached, refused, done)."""

    model_config = ConfigDict(extra="forbid")

    channel: str = Field(max_length=40)
    purpose: str = Field(max_length=40)
    content: str = Field(max_length=_TEXT, description=f"1 to {CONTENT_MAX} characters")
    result: str = Field(max_length=40)
    next_step: str | None = Field(default=None, max_length=NEXT_STEP_MAX * 4)
    next_date: dt.date | None = Field(
        default=None, description="a follow-up on this date: after today, within a year"
    )
    contact_at: dt.datetime | None = Field(
        default=None, description="when the contact was (default now; no zone: Beijing time)"
    )
    campaign_id: int | None = Field(default=None, ge=1, le=MAX_ID)
    work_item_date: dt.date | None = Field(
        default=None, description="logged from the work list of this date"
    )


class ContactPatch(BaseModel):
    """The fields to change; those left out keep their values."""

    model_config = ConfigDict(extra="forbid")

    channel: str | None = Field(default=None, max_length=40)
    purpose: str | None = Field(default=None, max_length=40)
    content: str | None = Field(default=None, max_length=_TEXT)
    result: str | None = Field(default=None, max_length=40)
    next_step: str | None = Field(default=None, max_length=NEXT_STEP_MAX * 4)
    next_date: dt.date | None = None
    contact_at: dt.datetime | None = None
    campaign_id: int | None = Field(default=None, ge=1, le=MAX_ID)
    work_item_date: dt.date | None = None


class RecordPublic(BaseModel):
    record_id: int
    customer_id: str
    staff_id: str | None
    user_id: int
    username: str
    contact_at: dt.datetime
    channel: str
    purpose: str
    content: str
    result: str
    next_step: str | None
    next_date: dt.date | None = Field(description="the follow-up's date (a work item that day)")
    work_item_date: dt.date | None
    campaign_id: int | None
    created_at: dt.datetime
    updated_at: dt.datetime
    editable_until: dt.datetime = Field(description="the author may edit it until then")


def _public(record: ServiceRecord) -> RecordPublic:
    return RecordPublic(**record.public(), editable_until=record.editable_until)


@router.post(
    "/customers/{customer_id}/service-records", status_code=201, response_model=RecordPublic
)
def add_record(
    customer_id: str, body: ContactBody, db: DbDep, settings: SettingsDep, principal: ReaderDep
) -> JSONResponse:
    """Log a contact with a customer in your scope (audited `log_contact`); with a campaign,
    marks the customer's first contact for it; with `work_item_date`, closes the customer's
    open item on your work list of that date."""
    contact = ContactInput(**body.model_dump())
    record, _ = log_and_close(db, settings, principal, customer_id, contact)
    return JSONResponse(_public(record).model_dump(mode="json"), status_code=201)


@router.patch("/service-records/{record_id}", response_model=RecordPublic)
def edit(record_id: IdPath, body: ContactPatch, db: DbDep, principal: ReaderDep) -> Any:
    """Change your own record within 24 hours of logging it (403 after, or for another's);
    audited `edit_record` with the old values."""
    changes = body.model_dump(exclude_unset=True)
    return _public(patch_record(db, principal, record_id, changes))


@router.get("/service-records/{record_id}", response_model=RecordPublic)
def one(record_id: IdPath, db: DbDep, principal: ReaderDep) -> Any:
    """One service record of a customer in your scope; audited `view_record`."""
    return _public(get_record(db, principal, record_id))


class EntryPublic(BaseModel):
    kind: str = Field(description="record (服务记录), contact (contacts feed), care (message)")
    when: dt.datetime
    dated_only: bool = Field(description="a contacts-feed row: its date only")
    channel: str | None
    purpose: str | None
    result: str | None = Field(description="a care message: its status")
    who: str | None
    content: str | None = Field(description="a record's content, a care message's body")
    subject: str | None
    next_step: str | None
    next_date: dt.date | None
    record_id: int | None
    editable: bool = Field(description="yours, and within 24 hours of logging it")
    ref: str | None = Field(description="a contact's or message's id")
    duration_s: int | None


class TimelinePublic(BaseModel):
    customer_id: str
    as_of_date: dt.date
    total: int
    page: int
    size: int
    counts: dict[str, int]
    contacts_error: str | None = Field(description="the contacts feed could not be read")
    entries: list[EntryPublic]


@router.get("/customers/{customer_id}/timeline", response_model=TimelinePublic)
def timeline(
    customer_id: str,
    db: DbDep,
    settings: SettingsDep,
    principal: ReaderDep,
    page: PageQuery = 1,
    size: Annotated[int, Query(ge=1, le=MAX_TIMELINE_SIZE)] = 20,
) -> Any:
    """The customer's contacts newest first: service records, the contacts feed's rows of the
    last 90 days and care messages; audited `view_timeline`."""
    found = customer_timeline(db, settings, principal, customer_id, page=page, size=size)
    entries = [
        EntryPublic(
            **{k: v for k, v in e.public().items() if k in EntryPublic.model_fields},
            editable=e.editable_by(principal),
        )
        for e in found.entries
    ]
    return TimelinePublic(
        customer_id=found.customer_id,
        as_of_date=found.as_of_date,
        total=found.total,
        page=found.page,
        size=found.size,
        counts=found.counts,
        contacts_error=found.contacts_error,
        entries=entries,
    )
