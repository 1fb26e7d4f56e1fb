"""Care messages (关怀提醒) for the web and the CLI: the outbox within scope, a customer's
messages and opt-outs, opting out and back in.

Scope is not decided here: a message is in scope when its customer is (`scope.customer_scope`
over the served profile, joined on the customer id), so a customer out of scope answers the
same NotFound as an unknown one. Reading the outbox is audited with the customers shown; an
opt-out or opt-in is a change, audited with its reason. Export and e-mail: `care_send`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, fields
from typing import Any

import sqlalchemy as sa
from pydantic import BaseModel, ConfigDict, Field, field_validator
from sqlalchemy.sql.elements import ColumnElement, True_

from brokerlens.access.audit import audit_read, record_audit
from brokerlens.access.customers import scoped_row
from brokerlens.access.masking import mask_row
from brokerlens.access.scope import customer_scope
from brokerlens.access.snapshot import Snapshot, served_snapshot_on
from brokerlens.auth.principal import Principal, customer_reader
from brokerlens.config import Settings
from brokerlens.errors import Conflict, InvalidRequest
from brokerlens.marketing.care.loader import load_rules
from brokerlens.marketing.care.model import CareRule
from brokerlens.store.marketing_schema import (
    MESSAGE_CHANNELS,
    MESSAGE_STATUSES,
    care_messages,
    opt_outs,
)

OPT_CHANNELS = (*MESSAGE_CHANNELS, "all")
REASON_MAX = 500
MAX_PAGE_SIZE = 200
RECENT = 50  # a customer's messages on the 360


class CareQuery(BaseModel):
    """The outbox's filters, every one optional; the dates are the occasion's."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    rule_id: str | None = Field(default=None, max_length=40)
    channel: str | None = None
    status: str | None = None
    customer_id: str | None = Field(default=None, max_length=32)
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    page: int = Field(default=1, ge=1)
    page_size: int = Field(default=50, ge=1, le=MAX_PAGE_SIZE)

    @field_validator("rule_id", "channel", "status", "customer_id", mode="before")
    @classmethod
    def _blank_is_none(cls, value: Any) -> Any:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("channel")
    @classmethod
    def _known_channel(cls, value: str | None) -> str | None:
        if value is not None and value not in MESSAGE_CHANNELS:
            raise ValueError(f"channel must be one of {', '.join(MESSAGE_CHANNELS)}")
        return value

    @field_validator("status")
    @classmethod
    def _known_status(cls, value: str | None) -> str | None:
        if value is not None and value not in MESSAGE_STATUSES:
            raise ValueError(f"status must be one of {', '.join(MESSAGE_STATUSES)}")
        return value


@dataclass(frozen=True)
class CareMessage:
    message_id: int
    rule_id: str
    customer_id: str
    name: str | None
    occasion_date: dt.date
    as_of_date: dt.date
    channel: str
    subject: str | None
    body: str
    status: str
    created_at: dt.datetime
    sent_at: dt.datetime | None
    sent_by: str | None
    error: str | None

    @classmethod
    def of(cls, row: Any) -> CareMessage:
        return cls(**{f.name: row.get(f.name) for f in fields(cls)})


@dataclass(frozen=True)
class Counts:
    """Messages in scope matching the filters, by rule, by channel and by status."""

    total: int
    by_rule: dict[str, int]
    by_channel: dict[str, int]
    by_status: dict[str, int]


@dataclass(frozen=True)
class Outbox:
    rows: list[CareMessage]
    total: int
    page: int
    page_size: int
    counts: Counts
    as_of_date: dt.date


@dataclass(frozen=True)
class OptOut:
    customer_id: str
    channel: str
    at: dt.datetime
    username: str
    reason: str | None


@dataclass(frozen=True)
class CustomerCare:
    customer_id: str
    messages: list[CareMessage]
    opt_outs: list[OptOut]


# -- scope and filters ----------------------------------------------------------------------------


def _joined(snapshot: Snapshot) -> Any:
    table = snapshot.table
    return care_messages.outerjoin(table, table.c.customer_id == care_messages.c.customer_id)


def scoped(principal: Principal, snapshot: Snapshot) -> tuple[Any, ColumnElement[bool]]:
    """What a query reads, and the scope: the outbox alone when every customer is in scope, else
    joined to the profile the scope is decided on."""
    scope = customer_scope(principal, snapshot)
    return (care_messages if isinstance(scope, True_) else _joined(snapshot)), scope


def where_of(query: CareQuery) -> list[ColumnElement[bool]]:
    if query.date_from and query.date_to and query.date_from > query.date_to:
        raise InvalidRequest("date_from: after date_to", hint="give date_from <= date_to")
    c = care_messages.c
    where: list[ColumnElement[bool]] = []
    for column, value in (
        (c.rule_id, query.rule_id),
        (c.channel, query.channel),
        (c.status, query.status),
        (c.customer_id, query.customer_id),
    ):
        if value is not None:
            where.append(column == value)
    if query.date_from:
        where.append(c.occasion_date >= query.date_from)
    if query.date_to:
        where.append(c.occasion_date <= query.date_to)
    return where


def _columns(snapshot: Snapshot) -> list[Any]:
    table = snapshot.table
    name = table.c["name"] if "name" in table.c else sa.literal(None)
    return [*care_messages.c, name.label("name")]


def _newest_first() -> list[Any]:
    return [care_messages.c.occasion_date.desc(), care_messages.c.message_id.desc()]


# -- the outbox -----------------------------------------------------------------------------------


def list_messages(db: sa.Engine, principal: Principal, query: CareQuery) -> Outbox:
    """One page of the messages in scope matching the query, newest occasion first, with the
    counts; audited `view_care_messages` with the page's customers."""
    customer_reader(principal)
    with db.connect() as connection:
        snapshot = served_snapshot_on(connection)
        source, scope = scoped(principal, snapshot)
        where = [scope, *where_of(query)]
        counts = _counts(connection, source, where)
        rows = connection.execute(
            sa.select(*_columns(snapshot))
            .select_from(_joined(snapshot))
            .where(*where)
            .order_by(*_newest_first())
            .limit(query.page_size)
            .offset((query.page - 1) * query.page_size)
        ).mappings()
        found = [CareMessage.of(mask_row(r)) for r in rows]
    ids = list(dict.fromkeys(m.customer_id for m in found))
    detail = {"page": query.page, "page_size": query.page_size, "total": counts.total}
    audit_read(db, principal, "view_care_messages", ids, detail)
    return Outbox(found, counts.total, query.page, query.page_size, counts, snapshot.as_of_date)


def _counts(connection: sa.Connection, source: Any, where: list[Any]) -> Counts:
    c = care_messages.c
    rows = connection.execute(
        sa.select(c.rule_id, c.channel, c.status, sa.func.count())
        .select_from(source)
        .where(*where)
        .group_by(c.rule_id, c.channel, c.status)
    ).all()
    by: list[dict[str, int]] = [{}, {}, {}]
    for *keys, n in rows:
        for counted, key in zip(by, keys, strict=True):
            counted[str(key)] = counted.get(str(key), 0) + int(n)
    total = sum(by[0].values())
    return Counts(total, *(dict(sorted(b.items())) for b in by))


def rules_in_force(settings: Settings) -> list[CareRule]:
    """The care rules the run uses (the installation's file, else the shipped one)."""
    return load_rules(settings)


# -- a customer's messages and opt-outs -----------------------------------------------------------


def customer_care(db: sa.Engine, principal: Principal, customer_id: str) -> CustomerCare:
    """The customer's newest messages and their opt-outs; NotFound, as the 360, when out of
    scope. Audited `view_customer_care`."""
    customer_reader(principal)
    with db.begin() as connection:
        snapshot = served_snapshot_on(connection)
        scoped_row(connection, principal, snapshot, customer_id)
        record_audit(connection, principal, "view_customer_care", [customer_id], {})
        rows = connection.execute(
            sa.select(*_columns(snapshot))
            .select_from(_joined(snapshot))
            .where(care_messages.c.customer_id == customer_id)
            .order_by(*_newest_first())
            .limit(RECENT)
        ).mappings()
        messages = [CareMessage.of(mask_row(r)) for r in rows]
        refused = _opt_outs(connection, customer_id)
    return CustomerCare(customer_id, messages, refused)


def _opt_outs(connection: sa.Connection, customer_id: str) -> list[OptOut]:
    rows = connection.execute(
        sa.select(opt_outs)
        .where(opt_outs.c.customer_id == customer_id)
        .order_by(opt_outs.c.channel)
    ).mappings()
    return [OptOut(**dict(r)) for r in rows]


def _channel(channel: str) -> str:
    if channel not in OPT_CHANNELS:
        raise InvalidRequest(
            f"channel: {channel[:20]!r} is not a message channel",
            hint=f"use one of {', '.join(OPT_CHANNELS)}",
        )
    return channel


def _reason(reason: str | None, *, required: bool) -> str | None:
    text = (reason or "").strip()
    if required and not text:
        raise InvalidRequest("reason: say why the customer refuses these messages (it is kept)")
    if len(text) > REASON_MAX:
        raise InvalidRequest(f"reason: at most {REASON_MAX} characters")
    return text or None


def _covers(channel: str) -> ColumnElement[bool]:
    return sa.true() if channel == "all" else care_messages.c.channel == channel


def opt_out(
    db: sa.Engine, principal: Principal, customer_id: str, channel: str, reason: str
) -> OptOut:
    """The customer refuses messages on `channel` (or "all"); their queued messages there become
    opted_out. Audited `care_opt_out` with the reason."""
    customer_reader(principal)
    channel, why = _channel(channel), _reason(reason, required=True)
    now = dt.datetime.now(dt.UTC)
    with db.begin() as connection:
        snapshot = served_snapshot_on(connection)
        scoped_row(connection, principal, snapshot, customer_id)
        key = sa.and_(opt_outs.c.customer_id == customer_id, opt_outs.c.channel == channel)
        connection.execute(opt_outs.delete().where(key))
        values = {"customer_id": customer_id, "channel": channel, "at": now, "reason": why}
        connection.execute(opt_outs.insert().values(username=principal.username, **values))
        held = connection.execute(
            care_messages.update()
            .where(
                care_messages.c.customer_id == customer_id,
                care_messages.c.status == "queued",
                _covers(channel),
            )
            .values(status="opted_out")
        ).rowcount
        detail = {"channel": channel, "reason": why, "count": held}
        record_audit(connection, principal, "care_opt_out", [customer_id], detail)
    return OptOut(customer_id, channel, now, principal.username, why)


def opt_in(
    db: sa.Engine,
    principal: Principal,
    customer_id: str,
    channel: str,
    reason: str | None = None,
) -> int:
    """The customer takes messages on `channel` again: their opted-out messages whose occasion
    has not passed go back to the queue where no other opt-out still covers them. Returns how
    many; Conflict when there was no such opt-out. Audited `care_opt_in`."""
    customer_reader(principal)
    channel, why = _channel(channel), _reason(reason, required=False)
    with db.begin() as connection:
        snapshot = served_snapshot_on(connection)
        scoped_row(connection, principal, snapshot, customer_id)
        key = sa.and_(opt_outs.c.customer_id == customer_id, opt_outs.c.channel == channel)
        if connection.execute(opt_outs.delete().where(key)).rowcount == 0:
            raise Conflict(f"customer {customer_id} has not opted out of {channel}")
        still = {o.channel for o in _opt_outs(connection, customer_id)}
        back = [c for c in MESSAGE_CHANNELS if "all" not in still and c not in still]
        if channel != "all":
            back = [c for c in back if c == channel]
        requeued = connection.execute(
            care_messages.update()
            .where(
                care_messages.c.customer_id == customer_id,
                care_messages.c.status == "opted_out",
                care_messages.c.channel.in_(back),
                care_messages.c.occasion_date >= dt.date.today(),
            )
            .values(status="queued")
        ).rowcount
        detail = {"channel": channel, "reason": why, "count": requeued}
        record_audit(connection, principal, "care_opt_in", [customer_id], detail)
    return int(requeued)
