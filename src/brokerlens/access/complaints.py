"""Complaints (投诉与建议, issue 18 section 2) through the service layer: intake from the
workbench, the list in scope, a complaint with its events, and handling it: assign, note,
resolve (closing schedules a complaint call-back), reopen. The annual summary is
`access.complaint_summary`.

A complaint about a customer outside the principal's scope answers NotFound like an unknown one.
Anyone who reads customers may file a complaint about one in scope, read it and add a note;
assigning, resolving and reopening need the `complaints` permission (compliance, the call
centre; a branch manager within their branch, which is their scope). Every read of complaints is
audited with their customers, every change in its transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any

import sqlalchemy as sa
from pydantic import BaseModel, ConfigDict, Field, field_validator
from sqlalchemy.sql.elements import ColumnElement, True_

from brokerlens.access.audit import audit_read, record_audit
from brokerlens.access.callback_tasks import schedule_callback
from brokerlens.access.customers import scoped_row
from brokerlens.access.records import as_utc, beijing_date, utc_now
from brokerlens.access.scope import customer_scope
from brokerlens.access.snapshot import Snapshot, served_snapshot_on
from brokerlens.auth.principal import Permission, Principal, Role, customer_reader
from brokerlens.auth.users import principal_of
from brokerlens.compliance.callbacks.config import CallbackConfig
from brokerlens.compliance.complaints.config import ComplaintConfig
from brokerlens.compliance.retention import keep_until
from brokerlens.errors import Conflict, FieldRejected, Forbidden, NotFound
from brokerlens.store.compliance_schema import (
    COMPLAINT_CHANNELS,
    COMPLAINT_STATUSES,
    complaint_events,
    complaints,
)
from brokerlens.store.schema import users

CONTENT_MAX = 2000
NOTE_MAX = 2000
MAX_PAGE_SIZE = 200
RECENT = 20  # a customer's complaints on the 360


class ComplaintRejected(FieldRejected):
    """A complaint's field is unusable (422); `field` names it for the form."""


@dataclass(frozen=True)
class ComplaintInput:
    """A complaint taken in the workbench."""

    customer_id: str
    channel: str  # COMPLAINT_CHANNELS
    category: str  # one of the configured categories (complaints.yaml)
    content: str  # 1..2000 characters
    opened: dt.date | None = None  # default today (Beijing)


@dataclass(frozen=True)
class Complaint:
    """One `complaints` row."""

    complaint_id: str
    customer_id: str
    branch_id: str | None
    source: str
    channel: str | None
    category: str
    content: str | None
    opened: dt.date
    status: str
    sla_due: dt.date
    escalation: int
    escalated_on: dt.date | None
    assigned_to: str | None
    resolution: str | None
    satisfaction: int | None
    closed: dt.date | None
    created_by: str
    keep_until: dt.date

    @classmethod
    def of(cls, row: Mapping[str, Any] | sa.RowMapping) -> Complaint:
        return cls(**{f.name: row[f.name] for f in fields(cls)})


def _checked(entry: ComplaintInput, config: ComplaintConfig, today: dt.date) -> dict[str, Any]:
    if entry.channel not in COMPLAINT_CHANNELS:
        raise ComplaintRejected(
            "channel", f"must be one of {', '.join(COMPLAINT_CHANNELS)} (got {entry.channel!r:.40})"
        )
    if entry.category not in config.categories:
        raise ComplaintRejected(
            "category",
            f"must be one of {', '.join(config.categories)} (got {entry.category!r:.40})",
            hint="the categories are configured in compliance/complaints.yaml",
        )
    content = entry.content.strip() if isinstance(entry.content, str) else ""
    if not content:
        raise ComplaintRejected("content", "required", hint=f"write 1 to {CONTENT_MAX} characters")
    if len(content) > CONTENT_MAX:
        raise ComplaintRejected("content", f"{len(content)} characters, at most {CONTENT_MAX}")
    opened = entry.opened or today
    if opened > today:
        raise ComplaintRejected("opened", f"{opened} is after today ({today})")
    return {
        "channel": entry.channel,
        "category": entry.category,
        "content": content,
        "opened": opened,
    }


def _next_id(connection: sa.Connection) -> str:
    """W + an 8-digit number, one above the workbench's highest (the transaction's lock on
    SQLite, the primary key on PostgreSQL, keep two intakes apart)."""
    top = connection.execute(
        sa.select(sa.func.max(complaints.c.complaint_id)).where(complaints.c.source == "workbench")
    ).scalar_one_or_none()
    number = int(top[1:]) + 1 if top else 1
    return f"W{number:08d}"


def file_complaint(
    db: sa.Engine,
    principal: Principal,
    entry: ComplaintInput,
    config: ComplaintConfig,
    *,
    now: dt.datetime | None = None,
) -> Complaint:
    """Take a complaint about a customer in scope; its SLA due date comes from the category.
    Audited `file_complaint`."""
    at = utc_now(now)
    values = _checked(entry, config, beijing_date(at))
    with db.begin() as connection:
        row = scoped_row(connection, principal, served_snapshot_on(connection), entry.customer_id)
        complaint_id = _next_id(connection)
        kept = keep_until(values["opened"], config.retention_years)
        created = (
            connection.execute(
                complaints.insert()
                .values(
                    complaint_id=complaint_id,
                    customer_id=entry.customer_id,
                    branch_id=row.get("branch_id"),
                    source="workbench",
                    status="open",
                    sla_due=config.sla_due(values["category"], values["opened"]),
                    escalation=0,
                    created_by=principal.username,
                    created_at=at,
                    updated_at=at,
                    keep_until=kept,
                    **values,
                )
                .returning(*complaints.c)
            )
            .mappings()
            .one()
        )
        connection.execute(
            complaint_events.insert().values(
                complaint_id=complaint_id,
                at=at,
                username=principal.username,
                kind="opened",
                note=values["content"],
                keep_until=kept,
            )
        )
        complaint = Complaint.of(created)
        record_audit(
            connection,
            principal,
            "file_complaint",
            [entry.customer_id],
            {
                "complaint_id": complaint_id,
                "category": complaint.category,
                "channel": complaint.channel,
            },
        )
    return complaint


# -- the list -------------------------------------------------------------------------------------


class ComplaintQuery(BaseModel):
    """The list's filters, every one optional; `overdue`: not closed and past the SLA due date
    (as of today); `escalated`: raised to a branch manager or head office."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    status: str | None = None
    category: str | None = Field(default=None, max_length=32)
    branch_id: str | None = Field(default=None, max_length=32)
    customer_id: str | None = Field(default=None, max_length=32)
    assigned_to: str | None = Field(default=None, max_length=64)
    overdue: bool = False
    escalated: bool = False
    page: int = Field(default=1, ge=1)
    page_size: int = Field(default=50, ge=1, le=MAX_PAGE_SIZE)

    @field_validator("status", "category", "branch_id", "customer_id", "assigned_to", mode="before")
    @classmethod
    def _blank_is_none(cls, value: Any) -> Any:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("status")
    @classmethod
    def _known_status(cls, value: str | None) -> str | None:
        if value is not None and value not in COMPLAINT_STATUSES:
            raise ValueError(f"status must be one of {', '.join(COMPLAINT_STATUSES)}")
        return value


@dataclass(frozen=True)
class ComplaintRow:
    """A complaint as a list shows it: the row, the customer's name, and its SLA as of today."""

    complaint: Complaint
    name: str | None
    overdue: bool
    days_left: int | None  # to the SLA due date (negative: overdue); None when closed


@dataclass(frozen=True)
class ComplaintPage:
    rows: list[ComplaintRow]
    total: int
    page: int
    page_size: int
    by_status: dict[str, int]  # complaints in scope matching the filters but the status
    today: dt.date

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.page_size))


@dataclass(frozen=True)
class ComplaintEvent:
    event_id: int
    at: dt.datetime
    username: str
    kind: str
    note: str | None


@dataclass(frozen=True)
class ComplaintDetail:
    row: ComplaintRow
    events: list[ComplaintEvent]
    may_handle: bool  # the principal may assign, resolve and reopen it

    @property
    def complaint(self) -> Complaint:
        return self.row.complaint


def _today(now: dt.datetime | None) -> dt.date:
    return beijing_date(utc_now(now))


def _row_of(row: Mapping[str, Any] | sa.RowMapping, today: dt.date) -> ComplaintRow:
    complaint = Complaint.of(row)
    if complaint.status == "closed":
        return ComplaintRow(complaint, row.get("name"), False, None)
    left = (complaint.sla_due - today).days
    return ComplaintRow(complaint, row.get("name"), left < 0, left)


def _joined(snapshot: Snapshot) -> Any:
    table = snapshot.table
    return complaints.outerjoin(table, table.c.customer_id == complaints.c.customer_id)


def _name(snapshot: Snapshot) -> Any:
    table = snapshot.table
    return (table.c["name"] if "name" in table.c else sa.literal(None)).label("name")


def scoped_source(principal: Principal, snapshot: Snapshot) -> tuple[Any, ColumnElement[bool]]:
    """What a count reads and the scope: the complaints alone when every customer is in scope
    (no join), else joined to the profile the scope is decided on."""
    scope = customer_scope(principal, snapshot)
    return (complaints if isinstance(scope, True_) else _joined(snapshot)), scope


def _where(query: ComplaintQuery, today: dt.date) -> list[ColumnElement[bool]]:
    c = complaints.c
    where: list[ColumnElement[bool]] = []
    for column, value in (
        (c.category, query.category),
        (c.branch_id, query.branch_id),
        (c.customer_id, query.customer_id),
        (c.assigned_to, query.assigned_to),
    ):
        if value is not None:
            where.append(column == value)
    if query.overdue:
        where += [c.status != "closed", c.sla_due < today]
    if query.escalated:
        where.append(c.escalation > 0)
    return where


def list_complaints(
    db: sa.Engine, principal: Principal, query: ComplaintQuery, *, now: dt.datetime | None = None
) -> ComplaintPage:
    """One page of the complaints in scope matching the query, the soonest SLA due first, with
    the counts by status; audited `view_complaints` with the page's customers."""
    customer_reader(principal)
    today = _today(now)
    with db.connect() as connection:
        snapshot = served_snapshot_on(connection)
        source, scope = scoped_source(principal, snapshot)
        where = [scope, *_where(query, today)]
        c = complaints.c
        by_status = {
            str(s): int(n)
            for s, n in connection.execute(
                sa.select(c.status, sa.func.count())
                .select_from(source)
                .where(*where)
                .group_by(c.status)
            )
        }
        if query.status is not None:
            where.append(c.status == query.status)
        total = by_status.get(query.status, 0) if query.status else sum(by_status.values())
        rows = connection.execute(
            sa.select(*complaints.c, _name(snapshot))
            .select_from(_joined(snapshot))
            .where(*where)
            .order_by(c.sla_due, c.complaint_id)
            .limit(query.page_size)
            .offset((query.page - 1) * query.page_size)
        ).mappings()
        found = [_row_of(r, today) for r in rows]
    ids = list(dict.fromkeys(r.complaint.customer_id for r in found))
    detail = {"page": query.page, "page_size": query.page_size, "total": total}
    audit_read(db, principal, "view_complaints", ids, detail)
    return ComplaintPage(found, total, query.page, query.page_size, by_status, today)


def customer_complaints(
    db: sa.Engine, principal: Principal, customer_id: str, *, now: dt.datetime | None = None
) -> list[ComplaintRow]:
    """A customer's complaints in scope (the 360's panel), newest first; audited
    `view_complaints`."""
    today = _today(now)
    with db.connect() as connection:
        snapshot = served_snapshot_on(connection)
        found = scoped_row(connection, principal, snapshot, customer_id)
        rows = connection.execute(
            sa.select(complaints)
            .where(complaints.c.customer_id == customer_id)
            .order_by(complaints.c.opened.desc(), complaints.c.complaint_id.desc())
            .limit(RECENT)
        ).mappings()
        out = [_row_of({**r, "name": found.get("name")}, today) for r in rows]
    audit_read(db, principal, "view_complaints", [customer_id], {"customer": customer_id})
    return out


# -- one complaint --------------------------------------------------------------------------------


def _scoped(
    connection: sa.Connection, principal: Principal, complaint_id: str
) -> tuple[Complaint, dict[str, Any]]:
    """The complaint and its customer's profile row if in scope; NotFound alike for an unknown
    id."""
    missing = NotFound(f"no complaint {complaint_id[:40]!r}")
    row = (
        connection.execute(sa.select(complaints).where(complaints.c.complaint_id == complaint_id))
        .mappings()
        .first()
    )
    if row is None:
        raise missing
    try:
        customer = scoped_row(
            connection, principal, served_snapshot_on(connection), str(row["customer_id"])
        )
    except NotFound:
        raise missing from None
    return Complaint.of(row), customer


def may_handle(principal: Principal) -> bool:
    """Assign, resolve, reopen: the `complaints` permission (the scope bounds a branch manager
    to their branch)."""
    return principal.can(Permission.COMPLAINTS)


def require_handler(principal: Principal, what: str) -> None:
    if not may_handle(principal):
        raise Forbidden(
            f"{what} a complaint needs the complaints permission",
            hint="compliance, the call centre or the branch manager handles it; you may add a note",
        )


def _events(connection: sa.Connection, complaint_id: str) -> list[ComplaintEvent]:
    e = complaint_events.c
    return [
        ComplaintEvent(int(r.event_id), as_utc(r.at), r.username, r.kind, r.note)
        for r in connection.execute(
            sa.select(e.event_id, e.at, e.username, e.kind, e.note)
            .where(e.complaint_id == complaint_id)
            .order_by(e.at, e.event_id)
        )
    ]


def get_complaint(
    db: sa.Engine, principal: Principal, complaint_id: str, *, now: dt.datetime | None = None
) -> ComplaintDetail:
    """A complaint in scope with its events, oldest first; audited `view_complaint`."""
    customer_reader(principal)
    with db.begin() as connection:
        complaint, customer = _scoped(connection, principal, complaint_id)
        events = _events(connection, complaint_id)
        record_audit(
            connection,
            principal,
            "view_complaint",
            [complaint.customer_id],
            {"complaint_id": complaint_id},
        )
    row = _row_of({**_as_row(complaint), "name": customer.get("name")}, _today(now))
    return ComplaintDetail(row, events, may_handle(principal))


def _as_row(complaint: Complaint) -> dict[str, Any]:
    return {f.name: getattr(complaint, f.name) for f in fields(complaint)}


def _text(field: str, value: Any, *, required: bool, most: int = NOTE_MAX) -> str | None:
    text = value.strip() if isinstance(value, str) else ""
    if not text:
        if required:
            raise ComplaintRejected(field, "required", hint=f"write 1 to {most} characters")
        return None
    if len(text) > most:
        raise ComplaintRejected(field, f"{len(text)} characters, at most {most}")
    return text


def _change(
    connection: sa.Connection,
    principal: Principal,
    complaint: Complaint,
    at: dt.datetime,
    event: tuple[str, str | None],
    **values: Any,
) -> Complaint:
    """Update the complaint (when `values`), add the event, return the row as it is now."""
    c = complaints.c
    if values:
        connection.execute(
            complaints.update()
            .where(c.complaint_id == complaint.complaint_id)
            .values(updated_at=at, **values)
        )
    row = (
        connection.execute(sa.select(complaints).where(c.complaint_id == complaint.complaint_id))
        .mappings()
        .one()
    )
    connection.execute(
        complaint_events.insert().values(
            complaint_id=complaint.complaint_id,
            at=at,
            username=principal.username,
            kind=event[0],
            note=event[1],
            keep_until=row["keep_until"],
        )
    )
    return Complaint.of(row)


def _assignee(connection: sa.Connection, username: Any, customer: dict[str, Any]) -> str:
    """An active user who may handle complaints and sees this customer (a branch manager: of
    the customer's branch), else ComplaintRejected naming `assigned_to`."""
    name = username.strip() if isinstance(username, str) else ""
    if not name:
        raise ComplaintRejected("assigned_to", "required", hint="give a username")
    row = connection.execute(sa.select(users).where(users.c.username == name)).mappings().first()
    if row is None or not row["active"]:
        raise ComplaintRejected("assigned_to", f"no active user {name[:64]!r}")
    who = principal_of(row)
    if not who.can(Permission.COMPLAINTS):
        raise ComplaintRejected(
            "assigned_to",
            f"{name} may not handle complaints",
            hint="assign it to compliance, the call centre or the customer's branch manager",
        )
    if who.role in (Role.BRANCH_MANAGER, Role.REGION_MANAGER) and (
        customer.get("branch_id") != who.unit_id and customer.get("region_id") != who.unit_id
    ):
        raise ComplaintRejected(
            "assigned_to", f"{name} manages another unit than the customer's branch"
        )
    return name


def assign_complaint(
    db: sa.Engine,
    principal: Principal,
    complaint_id: str,
    username: str,
    *,
    now: dt.datetime | None = None,
) -> Complaint:
    """Give a complaint to a user who may handle it; an open one goes to `processing`. Audited
    `assign_complaint`."""
    require_handler(principal, "assigning")
    at = utc_now(now)
    with db.begin() as connection:
        complaint, customer = _scoped(connection, principal, complaint_id)
        if complaint.status == "closed":
            raise Conflict(
                f"complaint {complaint_id} is closed", hint="reopen it first to work on it again"
            )
        name = _assignee(connection, username, customer)
        status = "processing" if complaint.status == "open" else complaint.status
        changed = _change(
            connection,
            principal,
            complaint,
            at,
            ("assigned", name),
            assigned_to=name,
            status=status,
        )
        record_audit(
            connection,
            principal,
            "assign_complaint",
            [complaint.customer_id],
            {"complaint_id": complaint_id, "assigned_to": name, "from": complaint.assigned_to},
        )
    return changed


def note_complaint(
    db: sa.Engine,
    principal: Principal,
    complaint_id: str,
    note: str,
    *,
    now: dt.datetime | None = None,
) -> ComplaintEvent:
    """Add a note to a complaint in scope (anyone who reads it); audited `note_complaint`."""
    customer_reader(principal)
    text = _text("note", note, required=True)
    at = utc_now(now)
    with db.begin() as connection:
        complaint, _ = _scoped(connection, principal, complaint_id)
        _change(connection, principal, complaint, at, ("note", text))
        record_audit(
            connection,
            principal,
            "note_complaint",
            [complaint.customer_id],
            {"complaint_id": complaint_id},
        )
        return max(_events(connection, complaint_id), key=lambda e: e.event_id)


def _satisfaction(value: Any) -> int | None:
    if value is None or value == "":
        return None
    try:
        score = int(value)
    except (TypeError, ValueError):
        raise ComplaintRejected("satisfaction", f"{str(value)[:10]!r} is not a number") from None
    if not 1 <= score <= 5:
        raise ComplaintRejected("satisfaction", f"{score} is not within 1..5")
    return score


@dataclass(frozen=True)
class Resolved:
    complaint: Complaint
    callback_id: int | None  # the complaint call-back scheduled (None: one existed)


def resolve_complaint(
    db: sa.Engine,
    principal: Principal,
    complaint_id: str,
    resolution: str,
    satisfaction: int | str | None,
    callback_config: CallbackConfig,
    complaint_config: ComplaintConfig,
    *,
    now: dt.datetime | None = None,
) -> Resolved:
    """Close a complaint with its resolution and the customer's satisfaction (1..5, optional)
    and schedule its call-back (kind complaint, due `complaint.due_days` later). Audited
    `resolve_complaint`; the record is kept `retention_years` after the closing too."""
    require_handler(principal, "resolving")
    text = _text("resolution", resolution, required=True)
    score = _satisfaction(satisfaction)
    at = utc_now(now)
    today = beijing_date(at)
    with db.begin() as connection:
        complaint, _ = _scoped(connection, principal, complaint_id)
        if complaint.status == "closed":
            raise Conflict(f"complaint {complaint_id} is closed already (on {complaint.closed})")
        kept = max(complaint.keep_until, keep_until(today, complaint_config.retention_years))
        changed = _change(
            connection,
            principal,
            complaint,
            at,
            ("resolved", text),
            status="closed",
            closed=today,
            resolution=text,
            satisfaction=score,
            keep_until=kept,
        )
        callback_id = schedule_callback(
            connection,
            principal,
            customer_id=complaint.customer_id,
            kind="complaint",
            source_ref=complaint_id,
            due_date=today + dt.timedelta(days=callback_config.complaint.due_days),
            branch_id=complaint.branch_id,
            config=callback_config,
            today=today,
        )
        record_audit(
            connection,
            principal,
            "resolve_complaint",
            [complaint.customer_id],
            {"complaint_id": complaint_id, "satisfaction": score, "callback_id": callback_id},
        )
    return Resolved(changed, callback_id)


def reopen_complaint(
    db: sa.Engine,
    principal: Principal,
    complaint_id: str,
    reason: str,
    *,
    now: dt.datetime | None = None,
) -> Complaint:
    """Open a closed complaint again (the reason required): back to `processing` when it has an
    assignee, else `open`; the resolution stays in its events. Audited `reopen_complaint`."""
    require_handler(principal, "reopening")
    text = _text("reason", reason, required=True)
    at = utc_now(now)
    with db.begin() as connection:
        complaint, _ = _scoped(connection, principal, complaint_id)
        if complaint.status != "closed":
            raise Conflict(f"complaint {complaint_id} is not closed ({complaint.status})")
        changed = _change(
            connection,
            principal,
            complaint,
            at,
            ("reopened", text),
            status="processing" if complaint.assigned_to else "open",
            closed=None,
            resolution=None,
            satisfaction=None,
        )
        record_audit(
            connection,
            principal,
            "reopen_complaint",
            [complaint.customer_id],
            {"complaint_id": complaint_id, "reason": text},
        )
    return changed
