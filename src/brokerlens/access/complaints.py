"""Complaints (投诉与建议, issue 18 section 2) through the service layer: intake from the
workbench, and (to come in this module) assignment, escalation, resolution and the annual
summary. A complaint about a customer outside the principal's scope answers NotFound like an
unknown one; every write is audited in its transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any

import sqlalchemy as sa

from brokerlens.access.audit import record_audit
from brokerlens.access.customers import scoped_row
from brokerlens.access.records import beijing_date, utc_now
from brokerlens.access.snapshot import served_snapshot_on
from brokerlens.auth.principal import Principal
from brokerlens.compliance.complaints.config import ComplaintConfig
from brokerlens.compliance.retention import keep_until
from brokerlens.errors import InvalidRequest
from brokerlens.store.compliance_schema import COMPLAINT_CHANNELS, complaint_events, complaints

CONTENT_MAX = 2000


class ComplaintRejected(InvalidRequest):
    """A complaint's field is unusable (422); `field` names it for the form."""

    def __init__(self, field: str, problem: str, *, hint: str | None = None) -> None:
        super().__init__(f"{field}: {problem}", hint=hint)
        self.field = field
        self.problem = problem


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
