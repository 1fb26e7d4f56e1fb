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
from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any

import sqlalchemy as sa

from brokerlens.access.audit import record_audit
from brokerlens.access.customers import scoped_row
from brokerlens.access.snapshot import served_snapshot_on
from brokerlens.auth.principal import Principal
from brokerlens.errors import InvalidRequest
from brokerlens.store.marketing_schema import (
    CHANNELS,
    PURPOSES,
    RESULTS,
    campaign_members,
    campaigns,
    service_records,
)

BEIJING = dt.timezone(dt.timedelta(hours=8), "CST")  # no daylight saving since 1991
CONTENT_MAX = 2000
NEXT_STEP_MAX = 500
NEXT_DATE_HORIZON = 365  # days: a follow-up further out is a plan, not a next step
CLOCK_SKEW = dt.timedelta(minutes=5)  # a contact time this far ahead of the server still counts
EDIT_WINDOW = dt.timedelta(hours=24)


class ContactRejected(InvalidRequest):
    """A contact's field is unusable (422); `field` names it for the form."""

    def __init__(self, field: str, problem: str, *, hint: str | None = None) -> None:
        super().__init__(f"{field}: {problem}", hint=hint)
        self.field = field
        self.problem = problem


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


def checked(contact: ContactInput, now: dt.datetime) -> dict[str, Any]:
    """The record's columns from the input, or ContactRejected naming the first bad field."""
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
    if next_date is not None:
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
        if next_step is None:
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
