"""Work orders (工单, issue 18 section 3): a task for a named user with a due date and a status.
Made by hand or by other flows (a call-back's issues found, an approval's follow-up); every
write is audited in its transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any

import sqlalchemy as sa

from brokerlens.access.audit import record_audit
from brokerlens.access.records import utc_now
from brokerlens.auth.principal import Principal
from brokerlens.errors import InvalidRequest
from brokerlens.store.compliance_schema import work_orders
from brokerlens.store.schema import users

TITLE_MAX = 200
DETAIL_MAX = 4000


class OrderRejected(InvalidRequest):
    """A work order's field is unusable (422); `field` names it for the form."""

    def __init__(self, field: str, problem: str, *, hint: str | None = None) -> None:
        super().__init__(f"{field}: {problem}", hint=hint)
        self.field = field
        self.problem = problem


@dataclass(frozen=True)
class OrderInput:
    title: str  # 1..200 characters
    assignee: str  # an active user's username
    detail: str | None = None
    due_date: dt.date | None = None
    customer_id: str | None = None  # checked in scope by the caller that has a customer
    source: str | None = None  # what made it: callback:<id>, complaint:<id>, approval:<id>


@dataclass(frozen=True)
class WorkOrder:
    order_id: int
    title: str
    detail: str | None
    customer_id: str | None
    assignee: str
    unit_id: str | None
    due_date: dt.date | None
    status: str
    source: str | None
    created_by: str

    @classmethod
    def of(cls, row: Mapping[str, Any] | sa.RowMapping) -> WorkOrder:
        return cls(**{f.name: row[f.name] for f in fields(cls)})


def create_order(
    connection: sa.Connection,
    principal: Principal,
    entry: OrderInput,
    *,
    now: dt.datetime | None = None,
) -> WorkOrder:
    """Make a work order in the caller's transaction (so a flow that makes one keeps both or
    neither); audited `create_work_order`."""
    title = entry.title.strip() if isinstance(entry.title, str) else ""
    if not title or len(title) > TITLE_MAX:
        raise OrderRejected("title", f"write 1 to {TITLE_MAX} characters")
    detail = (
        entry.detail.strip() if isinstance(entry.detail, str) and entry.detail.strip() else None
    )
    if detail is not None and len(detail) > DETAIL_MAX:
        raise OrderRejected("detail", f"{len(detail)} characters, at most {DETAIL_MAX}")
    user = connection.execute(
        sa.select(users.c.username, users.c.unit_id, users.c.active).where(
            users.c.username == entry.assignee
        )
    ).first()
    if user is None or not user.active:
        raise OrderRejected(
            "assignee", f"no active user {entry.assignee!r:.64}", hint="give a user's username"
        )
    at = utc_now(now)
    row = (
        connection.execute(
            work_orders.insert()
            .values(
                title=title,
                detail=detail,
                customer_id=entry.customer_id,
                assignee=user.username,
                unit_id=user.unit_id,
                due_date=entry.due_date,
                status="open",
                source=entry.source,
                created_by=principal.username,
                created_at=at,
                updated_at=at,
            )
            .returning(*work_orders.c)
        )
        .mappings()
        .one()
    )
    order = WorkOrder.of(row)
    record_audit(
        connection,
        principal,
        "create_work_order",
        [entry.customer_id] if entry.customer_id else [],
        {"order_id": order.order_id, "assignee": order.assignee, "source": order.source},
    )
    return order
