"""Service records (服务记录): a contact a user logged with a customer in their scope.

A record is written once by `log_contact` and may be changed by its author for 24 hours
(`edit_record`); then it is immutable. Every write is audited in the transaction that makes it.
A customer outside the principal's scope on the served snapshot answers the same NotFound as an
unknown one. Input errors are `ContactRejected` (a 422) naming the field, so a form can show
the message beside it.

"Today" and the dates users type are Beijing dates (the brokerage's calendar); instants are
stored in UTC.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields, replace
from typing import Any

import sqlalchemy as sa

from brokerlens.access.audit import record_audit
from brokerlens.access.customers import scoped_row
from brokerlens.access.detail import recent_contacts
from brokerlens.access.snapshot import served_snapshot_on
from brokerlens.auth.principal import Principal
from brokerlens.config import Settings
from brokerlens.errors import FieldRejected, Forbidden, InvalidRequest, LakeError, NotFound
from brokerlens.store.marketing_schema import (
    CHANNELS,
    PURPOSES,
    RESULTS,
    campaign_members,
    campaigns,
    care_messages,
    service_records,
)
from brokerlens.store.schema import users

BEIJING = dt.timezone(dt.timedelta(hours=8), "CST")  # no daylight saving since 1991
CONTENT_MAX = 2000
NEXT_STEP_MAX = 500
NEXT_DATE_HORIZON = 365  # days: a follow-up further out is a plan, not a next step
CLOCK_SKEW = dt.timedelta(minutes=5)  # a contact time this far ahead of the server still counts
EDIT_WINDOW = dt.timedelta(hours=24)


class ContactRejected(FieldRejected):
    """A contact's field is unusable (422); `field` names it for the form."""


@dataclass(frozen=True)
class ContactInput:
    """What a user says about one contact with a customer."""

    channel: str  # CHANNELS: phone, visit, wechat, sms, email, app_push
    purpose: str  # PURPOSES: service, marketing, callback, care, complaint
    content: str  # 1..2000 characters
    result: str  # RESULTS: reached, not_reached, refused, done
    next_step: str | None = None
    next_date: dt.date | None = None  # after today: a follow-up work item that day
    contact_at: dt.datetime | None = None  # default now; naive means Beijing time
    campaign_id: int | None = None  # sets campaign_members.contacted_on (first contact)
    work_item_date: dt.date | None = None  # logged from the work list of this date

    @classmethod
    def of_record(cls, record: ServiceRecord) -> ContactInput:
        """A record's values as input: what an edit changes some of."""
        return cls(**{f.name: getattr(record, f.name) for f in fields(cls)})


@dataclass(frozen=True)
class ServiceRecord:
    """One `service_records` row (instants as aware UTC)."""

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
    next_date: dt.date | None
    work_item_date: dt.date | None
    campaign_id: int | None
    created_at: dt.datetime
    updated_at: dt.datetime

    @classmethod
    def of(cls, row: Mapping[str, Any] | sa.RowMapping) -> ServiceRecord:
        values = {f.name: row[f.name] for f in fields(cls)}
        for name in ("contact_at", "created_at", "updated_at"):
            values[name] = as_utc(values[name])
        return cls(**values)

    @property
    def editable_until(self) -> dt.datetime:
        return self.created_at + EDIT_WINDOW

    def editable_by(self, principal: Principal, now: dt.datetime | None = None) -> bool:
        """Whether `principal` may still change this record: its author, within 24 hours."""
        return principal.user_id == self.user_id and utc_now(now) < self.editable_until

    def public(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


# -- time -----------------------------------------------------------------------------------------


def as_utc(value: dt.datetime) -> dt.datetime:
    """A stored instant as aware UTC (SQLite hands back naive UTC datetimes)."""
    if value.tzinfo is None:
        return value.replace(tzinfo=dt.UTC)
    return value.astimezone(dt.UTC)


def utc_now(now: dt.datetime | None = None) -> dt.datetime:
    return dt.datetime.now(dt.UTC) if now is None else as_utc(now)


def beijing_date(value: dt.datetime) -> dt.date:
    return as_utc(value).astimezone(BEIJING).date()


def _typed_instant(value: dt.datetime) -> dt.datetime:
    """A time a user typed: naive is Beijing time."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=BEIJING)
    return value.astimezone(dt.UTC)


# -- checks ---------------------------------------------------------------------------------------


def _one_of(field: str, value: Any, allowed: tuple[str, ...]) -> str:
    if not isinstance(value, str) or value not in allowed:
        raise ContactRejected(field, f"must be one of {', '.join(allowed)} (got {value!r:.40})")
    return value


def _text(field: str, value: Any, most: int, *, required: bool) -> str | None:
    text = value.strip() if isinstance(value, str) else None
    if not text:
        if required:
            raise ContactRejected(field, "required", hint=f"write 1 to {most} characters")
        return None
    if len(text) > most:
        raise ContactRejected(field, f"{len(text)} characters, at most {most}")
    return text


def checked(
    contact: ContactInput, now: dt.datetime, *, kept_next_date: dt.date | None = None
) -> dict[str, Any]:
    """The record's columns from the input, or ContactRejected naming the first bad field.
    `kept_next_date`: an edit's unchanged next date, not checked against today again."""
    today = beijing_date(now)
    values: dict[str, Any] = {
        "channel": _one_of("channel", contact.channel, CHANNELS),
        "purpose": _one_of("purpose", contact.purpose, PURPOSES),
        "result": _one_of("result", contact.result, RESULTS),
        "content": _text("content", contact.content, CONTENT_MAX, required=True),
    }
    at = _typed_instant(contact.contact_at) if contact.contact_at is not None else now
    if at > now + CLOCK_SKEW:
        raise ContactRejected("contact_at", "in the future", hint="give the time of the contact")
    values["contact_at"] = at
    next_step = _text("next_step", contact.next_step, NEXT_STEP_MAX, required=False)
    next_date = contact.next_date
    if next_date is not None and next_date != kept_next_date:
        if next_date <= today:
            raise ContactRejected(
                "next_date", f"{next_date} is not after today ({today})", hint="give a later date"
            )
        if next_date > today + dt.timedelta(days=NEXT_DATE_HORIZON):
            raise ContactRejected(
                "next_date",
                f"{next_date} is more than {NEXT_DATE_HORIZON} days ahead",
                hint="give a date within a year",
            )
    if next_date is not None and next_step is None:
        raise ContactRejected(
            "next_step", "required with next_date", hint="say what to do on that date"
        )
    values["next_step"] = next_step
    values["next_date"] = next_date
    if contact.work_item_date is not None and contact.work_item_date > today:
        raise ContactRejected("work_item_date", f"{contact.work_item_date} is after today")
    values["work_item_date"] = contact.work_item_date
    values["campaign_id"] = contact.campaign_id
    return values


def _campaign_member(connection: sa.Connection, campaign_id: int, customer_id: str) -> None:
    """The campaign exists and the customer is in its treatment group, else ContactRejected."""
    found = connection.execute(
        sa.select(campaigns.c.campaign_id).where(campaigns.c.campaign_id == campaign_id)
    ).first()
    if found is None:
        raise ContactRejected("campaign_id", f"no campaign {campaign_id}")
    group = connection.execute(
        sa.select(campaign_members.c.grp).where(
            campaign_members.c.campaign_id == campaign_id,
            campaign_members.c.customer_id == customer_id,
        )
    ).scalar_one_or_none()
    if group is None:
        raise ContactRejected(
            "campaign_id",
            f"the customer is not a member of campaign {campaign_id}",
            hint="log the contact without the campaign",
        )
    if group != "treatment":
        # Contacting the holdout for the campaign would spoil its uplift measurement.
        raise ContactRejected(
            "campaign_id",
            f"the customer is in campaign {campaign_id}'s holdout, not to be contacted for it",
            hint="log the contact without the campaign",
        )


def _mark_contacted(
    connection: sa.Connection, campaign_id: int, customer_id: str, day: dt.date
) -> None:
    """The campaign's first contact with the customer (a later one leaves the date)."""
    connection.execute(
        campaign_members.update()
        .where(
            campaign_members.c.campaign_id == campaign_id,
            campaign_members.c.customer_id == customer_id,
            campaign_members.c.contacted_on.is_(None),
        )
        .values(contacted_on=day)
    )


# -- writing --------------------------------------------------------------------------------------


def log_contact(
    db: sa.Engine,
    principal: Principal,
    customer_id: str,
    contact: ContactInput,
    *,
    now: dt.datetime | None = None,
) -> ServiceRecord:
    """Record a contact with a customer in scope; audited `log_contact`. With a campaign, the
    customer's campaign membership is marked contacted on the contact's date (if not yet)."""
    at = utc_now(now)
    values = checked(contact, at)
    with db.begin() as connection:
        snapshot = served_snapshot_on(connection)
        scoped_row(connection, principal, snapshot, customer_id)
        campaign_id = values["campaign_id"]
        if campaign_id is not None:
            _campaign_member(connection, campaign_id, customer_id)
        row = (
            connection.execute(
                service_records.insert()
                .values(
                    customer_id=customer_id,
                    staff_id=principal.staff_id,
                    user_id=principal.user_id,
                    username=principal.username,
                    created_at=at,
                    updated_at=at,
                    **values,
                )
                .returning(*service_records.c)
            )
            .mappings()
            .one()
        )
        record = ServiceRecord.of(row)
        if campaign_id is not None:
            _mark_contacted(connection, campaign_id, customer_id, beijing_date(record.contact_at))
        record_audit(
            connection,
            principal,
            "log_contact",
            [customer_id],
            _audited(record),
        )
    return record


def _audited(record: ServiceRecord) -> dict[str, Any]:
    """What an audit row keeps of a record (JSON-ready)."""
    out: dict[str, Any] = {}
    for name, value in record.public().items():
        if name in ("customer_id", "user_id", "username", "created_at", "updated_at"):
            continue
        out[name] = value.isoformat() if isinstance(value, dt.date) else value
    return out


# -- reading and editing one record ---------------------------------------------------------------


def _scoped_record(
    connection: sa.Connection, principal: Principal, record_id: int
) -> ServiceRecord:
    """The record if its customer is in scope; NotFound alike for an unknown id."""
    row = (
        connection.execute(
            sa.select(service_records).where(service_records.c.record_id == record_id)
        )
        .mappings()
        .first()
    )
    missing = NotFound(f"no service record {record_id}")
    if row is None:
        raise missing
    snapshot = served_snapshot_on(connection)
    try:
        scoped_row(connection, principal, snapshot, str(row["customer_id"]))
    except NotFound:
        raise missing from None
    return ServiceRecord.of(row)


def get_record(db: sa.Engine, principal: Principal, record_id: int) -> ServiceRecord:
    """One record of a customer in scope; audited `view_record`."""
    with db.begin() as connection:
        record = _scoped_record(connection, principal, record_id)
        record_audit(
            connection, principal, "view_record", [record.customer_id], {"record_id": record_id}
        )
    return record


def _may_edit(record: ServiceRecord, principal: Principal, now: dt.datetime) -> None:
    if record.user_id != principal.user_id:
        raise Forbidden(
            f"only its author ({record.username}) may edit service record {record.record_id}",
            hint="log a new contact to add to it",
        )
    if now >= record.editable_until:
        logged = record.created_at.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M")
        raise Forbidden(
            f"service record {record.record_id} was logged at {logged} (Beijing time) and can "
            "no longer be changed: records are immutable 24 hours after they are logged",
            hint="log a new contact to correct or add to it",
        )


def edit_record(
    db: sa.Engine,
    principal: Principal,
    record_id: int,
    changes: ContactInput,
    *,
    now: dt.datetime | None = None,
) -> ServiceRecord:
    """Replace a record's values (its author only, within 24 hours of logging it; Forbidden
    otherwise); audited `edit_record` with the old and the new values. A contact time left out
    keeps the old one."""
    return _edit(db, principal, record_id, lambda _: changes, now)


def patch_record(
    db: sa.Engine,
    principal: Principal,
    record_id: int,
    changes: Mapping[str, Any],
    *,
    now: dt.datetime | None = None,
) -> ServiceRecord:
    """`edit_record` with only the named fields changed (the API's PATCH)."""
    unknown = set(changes) - {f.name for f in fields(ContactInput)}
    if unknown:
        raise ContactRejected(sorted(unknown)[0], "not a field of a service record")
    return _edit(
        db, principal, record_id, lambda old: replace(ContactInput.of_record(old), **changes), now
    )


def _edit(
    db: sa.Engine,
    principal: Principal,
    record_id: int,
    make: Callable[[ServiceRecord], ContactInput],
    now: dt.datetime | None,
) -> ServiceRecord:
    at = utc_now(now)
    with db.begin() as connection:
        old = _scoped_record(connection, principal, record_id)
        _may_edit(old, principal, at)
        contact = make(old)
        if contact.contact_at is None:
            contact = replace(contact, contact_at=old.contact_at)
        values = checked(contact, at, kept_next_date=old.next_date)
        campaign_id = values["campaign_id"]
        if campaign_id is not None and campaign_id != old.campaign_id:
            _campaign_member(connection, campaign_id, old.customer_id)
        row = (
            connection.execute(
                service_records.update()
                .where(service_records.c.record_id == record_id)
                .values(updated_at=at, **values)
                .returning(*service_records.c)
            )
            .mappings()
            .one()
        )
        record = ServiceRecord.of(row)
        if campaign_id is not None and campaign_id != old.campaign_id:
            _mark_contacted(
                connection, campaign_id, old.customer_id, beijing_date(record.contact_at)
            )
        record_audit(
            connection,
            principal,
            "edit_record",
            [record.customer_id],
            {"record_id": record_id, "old": _audited(old), "new": _audited(record)},
        )
    return record


# -- the timeline ---------------------------------------------------------------------------------

KINDS = ("record", "contact", "care")  # a service record, a contacts-feed row, a care message
MAX_TIMELINE_SIZE = 100
MAX_TIMELINE_PAGE = 1000


@dataclass(frozen=True)
class TimelineEntry:
    """One thing that happened between the brokerage and the customer."""

    kind: str  # KINDS
    when: dt.datetime  # aware UTC; a contacts-feed row has a date only (its Beijing midnight)
    dated_only: bool
    channel: str | None
    purpose: str | None
    result: str | None  # a care message: its status (queued, sent, opted_out ...)
    who: str | None  # the author, the staff member, or who sent a message (None: the system)
    content: str | None  # a record's content, a message's body
    subject: str | None = None
    next_step: str | None = None
    next_date: dt.date | None = None
    record_id: int | None = None
    author_id: int | None = None  # a record's author (user id)
    editable_until: dt.datetime | None = None
    ref: str | None = None  # a contact's or message's id
    duration_s: int | None = None

    def editable_by(self, principal: Principal, now: dt.datetime | None = None) -> bool:
        return (
            self.kind == "record"
            and self.author_id == principal.user_id
            and self.editable_until is not None
            and utc_now(now) < self.editable_until
        )

    def public(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


@dataclass(frozen=True)
class Timeline:
    customer_id: str
    as_of_date: dt.date
    entries: list[TimelineEntry]
    total: int
    page: int
    size: int
    counts: dict[str, int]  # entries by kind
    contacts_error: str | None = None  # the contacts feed could not be read (the rest shows)

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.size))


def _record_entries(
    connection: sa.Connection, customer_id: str, limit: int
) -> tuple[list[TimelineEntry], int]:
    where = service_records.c.customer_id == customer_id
    total = connection.execute(
        sa.select(sa.func.count()).select_from(service_records).where(where)
    ).scalar_one()
    rows = connection.execute(
        sa.select(service_records, users.c.display_name)
        .select_from(service_records.outerjoin(users, users.c.user_id == service_records.c.user_id))
        .where(where)
        .order_by(service_records.c.contact_at.desc(), service_records.c.record_id.desc())
        .limit(limit)
    ).mappings()
    entries = []
    for row in rows:
        record = ServiceRecord.of(row)
        entries.append(
            TimelineEntry(
                kind="record",
                when=record.contact_at,
                dated_only=False,
                channel=record.channel,
                purpose=record.purpose,
                result=record.result,
                who=row["display_name"] or record.username,
                content=record.content,
                next_step=record.next_step,
                next_date=record.next_date,
                record_id=record.record_id,
                author_id=record.user_id,
                editable_until=record.editable_until,
            )
        )
    return entries, int(total)


def _care_entries(
    connection: sa.Connection, customer_id: str, limit: int
) -> tuple[list[TimelineEntry], int]:
    where = care_messages.c.customer_id == customer_id
    total = connection.execute(
        sa.select(sa.func.count()).select_from(care_messages).where(where)
    ).scalar_one()
    when = sa.func.coalesce(care_messages.c.sent_at, care_messages.c.created_at)
    rows = connection.execute(
        sa.select(care_messages, when.label("when"))
        .where(where)
        .order_by(when.desc(), care_messages.c.message_id.desc())
        .limit(limit)
    ).mappings()
    entries = [
        TimelineEntry(
            kind="care",
            when=as_utc(row["sent_at"] or row["created_at"]),
            dated_only=False,
            channel=row["channel"],
            purpose="care",
            result=row["status"],
            who=row["sent_by"],
            content=row["body"],
            subject=row["subject"],
            ref=str(row["message_id"]),
        )
        for row in rows
    ]
    return entries, int(total)


def _contact_entries(rows: list[dict[str, Any]]) -> list[TimelineEntry]:
    out = []
    for row in rows:
        day = row["biz_date"]
        if isinstance(day, dt.datetime):
            day = day.date()
        out.append(
            TimelineEntry(
                kind="contact",
                when=dt.datetime.combine(day, dt.time(), BEIJING).astimezone(dt.UTC),
                dated_only=True,
                channel=row.get("channel"),
                purpose=row.get("purpose"),
                result=row.get("result"),
                who=row.get("staff_name") or row.get("staff_id"),
                content=None,
                ref=None if row.get("contact_id") is None else str(row["contact_id"]),
                duration_s=None if row.get("duration_s") is None else int(row["duration_s"]),
            )
        )
    return out


def _bounds(page: int, size: int) -> None:
    if not 1 <= size <= MAX_TIMELINE_SIZE:
        raise InvalidRequest(f"size: {size} is not within 1..{MAX_TIMELINE_SIZE}")
    if not 1 <= page <= MAX_TIMELINE_PAGE:
        raise InvalidRequest(f"page: {page} is not within 1..{MAX_TIMELINE_PAGE}")


def customer_timeline(
    db: sa.Engine,
    settings: Settings,
    principal: Principal,
    customer_id: str,
    *,
    page: int = 1,
    size: int = 20,
) -> Timeline:
    """One page of everything between the brokerage and a customer in scope, newest first:
    the service records, the contacts feed's rows (call-centre and staff contacts, the last 90
    days as the 360 shows them) and the care messages; audited `view_timeline`."""
    _bounds(page, size)
    enough = page * size  # the page is within the first `enough` of every source
    with db.begin() as connection:
        snapshot = served_snapshot_on(connection)
        scoped_row(connection, principal, snapshot, customer_id)
        records, n_records = _record_entries(connection, customer_id, enough)
        cares, n_cares = _care_entries(connection, customer_id, enough)
    error = None
    try:
        contacts = _contact_entries(recent_contacts(settings, customer_id, snapshot.as_of_date))
    except LakeError as exc:  # the store's entries still show; say the feed's are missing
        contacts, error = [], exc.message
    order = {k: n for n, k in enumerate(KINDS)}
    merged = sorted(
        [*records, *contacts, *cares],
        key=lambda e: (e.when, -order[e.kind], e.record_id or 0, e.ref or ""),
        reverse=True,
    )
    entries = merged[(page - 1) * size : enough]
    counts = {"record": n_records, "contact": len(contacts), "care": n_cares}
    total = sum(counts.values())
    with db.begin() as connection:
        record_audit(
            connection,
            principal,
            "view_timeline",
            [customer_id],
            {"page": page, "size": size, "total": total},
        )
    return Timeline(customer_id, snapshot.as_of_date, entries, total, page, size, counts, error)
