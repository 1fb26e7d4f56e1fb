"""通知公告: notices (issue 23 section 4) through `brokerlens.access` (audience, reach, audit).

The notices showing to you (unread first) or those you publish and manage; one notice; write
one (to units within your reach: 403 naming the unit outside it), publish a draft, withdraw,
mark read; a notice's read receipts per unit. A notice you may not see answers 404 like an
unknown one. Every signed-in user reads the notices addressed to them, the administrator too.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field, field_validator

from brokerlens.access import notice_receipts as receipts_service
from brokerlens.access import notices as service
from brokerlens.web.bounds import EARLIEST_DAY, LATEST_DAY, IdPath
from brokerlens.web.deps import CsrfDep, DbDep, PrincipalDep

router = APIRouter(prefix="/api/notices", tags=["notices"], dependencies=[CsrfDep])


class NoticePublic(BaseModel):
    notice_id: int
    title: str
    body: str
    body_format: str
    importance: str
    pinned: bool
    status: str = Field(description="draft, published or withdrawn")
    state: str = Field(description="draft, scheduled, showing, expired or withdrawn")
    publisher: str
    publisher_unit_id: str | None
    publish_at: dt.datetime | None
    expire_at: dt.datetime | None
    created_at: dt.datetime
    withdrawn_at: dt.datetime | None
    withdrawn_by: str | None
    units: list[str]
    roles: list[str] = Field(description="empty: every role")
    addressed: bool = Field(description="it reaches you and shows now")
    read_at: dt.datetime | None = Field(description="when you first read it")
    may_publish: bool
    may_withdraw: bool
    may_see_receipts: bool


class NoticesPublic(BaseModel):
    data: list[NoticePublic]
    count: int
    unread: int = Field(description="notices showing to you that you have not read")


class NoticeCreate(BaseModel):
    title: str = Field(min_length=1, max_length=service.TITLE_MAX)
    body: str = Field(min_length=1, max_length=service.BODY_MAX)
    units: list[str] = Field(
        min_length=1, max_length=service.UNITS_MAX, description="the units it reaches"
    )
    roles: list[str] = Field(default_factory=list, max_length=20, description="none: every role")
    body_format: Literal["markdown", "text"] = "markdown"
    importance: Literal["normal", "important", "urgent"] = "normal"
    pinned: bool = False
    publish_at: dt.datetime | None = Field(
        default=None, description="none: now; without a zone: Beijing time"
    )
    expire_at: dt.datetime | None = Field(default=None, description="none: until withdrawn")
    draft: bool = False

    @field_validator("publish_at", "expire_at")
    @classmethod
    def _in_range(cls, value: dt.datetime | None) -> dt.datetime | None:
        if value is not None and not EARLIEST_DAY <= value.date() <= LATEST_DAY:
            raise ValueError(f"outside {EARLIEST_DAY} .. {LATEST_DAY}")
        return value


class Withdraw(BaseModel):
    note: str | None = Field(default=None, max_length=service.NOTE_MAX)


class ReaderPublic(BaseModel):
    username: str
    display_name: str
    role: str
    unit_id: str | None
    read_at: dt.datetime | None


class UnitReceiptsPublic(BaseModel):
    unit_id: str | None
    addressed: int
    read: int
    unread: list[ReaderPublic]


class ReceiptsPublic(BaseModel):
    notice_id: int
    addressed: int
    read: int
    whole: bool = Field(description="every unit it reaches; false: your units only")
    units: list[UnitReceiptsPublic]


def notice_public(row: service.NoticeRow) -> NoticePublic:
    n = row.notice
    return NoticePublic(
        notice_id=n.notice_id,
        title=n.title,
        body=n.body,
        body_format=n.body_format,
        importance=n.importance,
        pinned=n.pinned,
        status=n.status,
        state=row.state,
        publisher=n.publisher,
        publisher_unit_id=n.publisher_unit_id,
        publish_at=n.publish_at,
        expire_at=n.expire_at,
        created_at=n.created_at,
        withdrawn_at=n.withdrawn_at,
        withdrawn_by=n.withdrawn_by,
        units=list(n.units),
        roles=list(n.roles),
        addressed=row.addressed,
        read_at=row.read_at,
        may_publish=row.may_publish,
        may_withdraw=row.may_withdraw,
        may_see_receipts=row.may_see_receipts,
    )


@router.get("", response_model=NoticesPublic)
def list_notices(
    db: DbDep,
    principal: PrincipalDep,
    view: Literal["inbox", "managed"] = "inbox",
    unread: bool = False,
    limit: int = Query(default=100, ge=1, le=service.LIST_LIMIT),
) -> NoticesPublic:
    """`inbox`: the notices showing to you, unread first (`unread`: those only); `managed`:
    yours in every state and, if you may publish, the published ones reaching your units."""
    found = service.list_notices(db, principal, view, unread_only=unread, limit=limit)
    data = [notice_public(r) for r in found.rows]
    return NoticesPublic(data=data, count=len(data), unread=found.unread)


@router.post("", response_model=NoticePublic, status_code=201)
def create_notice(body: NoticeCreate, db: DbDep, principal: PrincipalDep) -> NoticePublic:
    """Publish a notice (or keep a draft) to units within your reach (head office: any unit;
    a manager: their unit and below), optionally to some roles only; audited."""
    entry = service.NoticeInput(**body.model_dump())
    return notice_public(service.create_notice(db, principal, entry))


@router.get("/{notice_id}", response_model=NoticePublic)
def get_notice(notice_id: IdPath, db: DbDep, principal: PrincipalDep) -> NoticePublic:
    """One notice you may see; reading it here marks nothing (POST .../read does)."""
    return notice_public(service.get_notice(db, principal, notice_id))


@router.post("/{notice_id}/read", response_model=NoticePublic)
def mark_read(notice_id: IdPath, db: DbDep, principal: PrincipalDep) -> NoticePublic:
    """Your read receipt (the first read stands; audited then). 409 for a notice that does not
    reach you."""
    return notice_public(service.mark_read(db, principal, notice_id))


@router.post("/{notice_id}/publish", response_model=NoticePublic)
def publish_notice(notice_id: IdPath, db: DbDep, principal: PrincipalDep) -> NoticePublic:
    """Publish a draft of yours; audited."""
    return notice_public(service.publish_notice(db, principal, notice_id))


@router.post("/{notice_id}/withdraw", response_model=NoticePublic)
def withdraw_notice(
    notice_id: IdPath, body: Withdraw, db: DbDep, principal: PrincipalDep
) -> NoticePublic:
    """Withdraw it (its publisher, or a manager of every unit it addresses); audited."""
    return notice_public(service.withdraw_notice(db, principal, notice_id, body.note))


@router.get("/{notice_id}/receipts", response_model=ReceiptsPublic)
def receipts(notice_id: IdPath, db: DbDep, principal: PrincipalDep) -> ReceiptsPublic:
    """Who of its audience read it, per unit (its publisher: every unit; a manager: theirs);
    audited."""
    found = receipts_service.notice_receipts(db, principal, notice_id)
    units = [
        UnitReceiptsPublic(
            unit_id=u.unit_id,
            addressed=u.addressed,
            read=u.read,
            unread=[ReaderPublic(**dataclasses.asdict(r)) for r in u.unread],
        )
        for u in found.units
    ]
    return ReceiptsPublic(
        notice_id=notice_id,
        addressed=found.addressed,
        read=found.read,
        whole=found.whole,
        units=units,
    )
