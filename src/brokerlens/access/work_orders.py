"""Work orders (工单, issue 18 section 3): a task for a named user with a due date and a status.
Made by hand or by other flows (a call-back's issues found, an approval's follow-up); every
write is audited in its transaction.

Who sees one: its assignee, its maker, a manager of its unit (the assignee's unit when made or
reassigned; a region manager the branches below) and head office. The assignee starts it and
marks it done; the assignee, the maker or a manager cancels it (with a note) or, the maker or a
manager, reassigns it. An open one past its due date (Beijing calendar) is flagged overdue.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any, Literal

import sqlalchemy as sa

from brokerlens.access.audit import audit_read, record_audit
from brokerlens.access.customers import scoped_row
from brokerlens.access.org import descendants, parents, principal_unit
from brokerlens.access.records import beijing_date, utc_now
from brokerlens.access.snapshot import served_snapshot_on
from brokerlens.auth.principal import ALL_CUSTOMER_ROLES, UNIT_ROLES, Principal
from brokerlens.errors import Conflict, FieldRejected, Forbidden, NotFound
from brokerlens.store.compliance_schema import WORK_ORDER_STATUSES, work_orders
from brokerlens.store.schema import staff, users

TITLE_MAX = 200
DETAIL_MAX = 4000


class OrderRejected(FieldRejected):
    """A work order's field is unusable (422); `field` names it for the form."""


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


def _assignee(connection: sa.Connection, username: str) -> tuple[str, str | None]:
    """(username, unit) of an active user: a manager's unit, or a staff member's (the unit a
    manager sees the order under)."""
    user = connection.execute(
        sa.select(users.c.username, users.c.unit_id, users.c.active, staff.c.unit_id)
        .select_from(users.outerjoin(staff, staff.c.staff_id == users.c.staff_id))
        .where(users.c.username == username)
    ).first()
    if user is None or not user[2]:
        raise OrderRejected(
            "assignee", f"no active user {username!r:.64}", hint="give a user's username"
        )
    return str(user[0]), user[1] or user[3]


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
    user = _assignee(connection, entry.assignee)
    at = utc_now(now)
    row = (
        connection.execute(
            work_orders.insert()
            .values(
                title=title,
                detail=detail,
                customer_id=entry.customer_id,
                assignee=user[0],
                unit_id=user[1],
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


# --- lists and changes ------------------------------------------------------------------------

NOTE_MAX = 2000
LIST_LIMIT = 500
OrderView = Literal["mine", "unit", "made"]
ORDER_VIEWS: tuple[OrderView, ...] = ("mine", "unit", "made")
OPEN_STATUSES = ("open", "in_progress")
# status -> the statuses it may move to; done and cancelled are final
MOVES: dict[str, tuple[str, ...]] = {
    "open": ("in_progress", "done", "cancelled"),
    "in_progress": ("done", "cancelled"),
}


@dataclass(frozen=True)
class OrderRow:
    """A work order in a list, with what the reader may do to it."""

    order: WorkOrder
    created_at: dt.datetime
    updated_at: dt.datetime
    done_at: dt.datetime | None
    note: str | None
    overdue: bool
    may_work: bool  # the assignee: start, done
    may_manage: bool  # the maker or a manager of its unit: cancel, reassign


def _managed_units(connection: sa.Connection, principal: Principal) -> set[str] | None:
    """Units whose orders the principal manages; None: every unit (head office roles)."""
    if principal.role in ALL_CUSTOMER_ROLES:
        return None
    if principal.role in UNIT_ROLES:
        unit = principal_unit(connection, principal)
        return descendants(unit, parents(connection)) if unit else set()
    return set()


def _row(
    row: Mapping[str, Any] | sa.RowMapping,
    principal: Principal,
    units: set[str] | None,
    today: dt.date,
) -> OrderRow:
    order = WorkOrder.of(row)
    manages = (
        row["created_by"] == principal.username
        or units is None
        or (order.unit_id is not None and order.unit_id in units)
    )
    overdue = (
        order.status in OPEN_STATUSES and order.due_date is not None and order.due_date < today
    )
    return OrderRow(
        order=order,
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        done_at=row["done_at"],
        note=row["note"],
        overdue=overdue,
        may_work=order.assignee == principal.username and order.status in OPEN_STATUSES,
        may_manage=manages and order.status in OPEN_STATUSES,
    )


def _today(now: dt.datetime | None) -> dt.date:
    return beijing_date(utc_now(now))


def _view_where(principal: Principal, view: OrderView, units: set[str] | None) -> Any:
    if view == "mine":
        return work_orders.c.assignee == principal.username
    if view == "made":
        return work_orders.c.created_by == principal.username
    if units is None:
        return sa.true()
    return work_orders.c.unit_id.in_(sorted(units)) if units else sa.false()


def list_orders(
    db: sa.Engine,
    principal: Principal,
    view: OrderView = "mine",
    *,
    status: str | None = None,
    overdue: bool = False,
    limit: int = LIST_LIMIT,
    now: dt.datetime | None = None,
) -> list[OrderRow]:
    """Work orders assigned to me (`mine`), of my unit (`unit`: a manager's units, head office
    every unit) or made by me (`made`); open ones first by due date, overdue flagged. Audited
    `view_work_orders` with the customers shown."""
    if view not in ORDER_VIEWS:
        raise OrderRejected("view", f"one of {', '.join(ORDER_VIEWS)}")
    if status is not None and status not in WORK_ORDER_STATUSES:
        raise OrderRejected("status", f"one of {', '.join(WORK_ORDER_STATUSES)}")
    today = _today(now)
    wo = work_orders.c
    open_first = sa.case((wo.status.in_(OPEN_STATUSES), 0), else_=1)
    query = sa.select(work_orders).order_by(
        open_first, wo.due_date.is_(None), wo.due_date, wo.order_id.desc()
    )
    if status is not None:
        query = query.where(wo.status == status)
    if overdue:
        query = query.where(wo.status.in_(OPEN_STATUSES), wo.due_date < today)
    with db.connect() as connection:
        units = _managed_units(connection, principal)
        query = query.where(_view_where(principal, view, units))
        rows = connection.execute(query.limit(max(1, min(limit, LIST_LIMIT)))).mappings().all()
        found = [_row(r, principal, units, today) for r in rows]
    ids = sorted({r.order.customer_id for r in found if r.order.customer_id})
    audit_read(db, principal, "view_work_orders", ids, {"order_view": view, "rows": len(found)})
    return found


def _visible(
    connection: sa.Connection, principal: Principal, order_id: int, today: dt.date
) -> OrderRow:
    row = (
        connection.execute(sa.select(work_orders).where(work_orders.c.order_id == order_id))
        .mappings()
        .first()
    )
    units = _managed_units(connection, principal)
    sees = row is not None and (
        principal.username in (row["assignee"], row["created_by"])
        or units is None
        or row["unit_id"] in units
    )
    if row is None or not sees:
        raise NotFound(f"no work order {order_id}", hint="see your work orders")
    return _row(row, principal, units, today)


def get_order(
    db: sa.Engine, principal: Principal, order_id: int, *, now: dt.datetime | None = None
) -> OrderRow:
    """One order the reader may see (assignee, maker, a manager of its unit, head office);
    audited `view_work_order`."""
    with db.begin() as connection:
        found = _visible(connection, principal, order_id, _today(now))
        customers = [found.order.customer_id] if found.order.customer_id else []
        record_audit(connection, principal, "view_work_order", customers, {"order_id": order_id})
    return found


def _note(value: str | None, *, required: bool) -> str | None:
    text = value.strip() if isinstance(value, str) else ""
    if not text:
        if required:
            raise OrderRejected("note", "write why", hint="a cancelled order keeps its reason")
        return None
    if len(text) > NOTE_MAX:
        raise OrderRejected("note", f"{len(text)} characters, at most {NOTE_MAX}")
    return text


def set_order_status(
    db: sa.Engine,
    principal: Principal,
    order_id: int,
    status: str,
    note: str | None = None,
    *,
    now: dt.datetime | None = None,
) -> OrderRow:
    """open -> in_progress -> done by the assignee; cancelled (a note required) by the
    assignee, the maker or a manager of its unit. Audited `work_order_<status>`."""
    if status not in WORK_ORDER_STATUSES or status == "open":
        raise OrderRejected("status", "one of in_progress, done, cancelled")
    text = _note(note, required=status == "cancelled")
    at = utc_now(now)
    with db.begin() as connection:
        found = _visible(connection, principal, order_id, _today(now))
        allowed = found.may_work or (status == "cancelled" and found.may_manage)
        if found.order.status not in MOVES:
            raise Conflict(f"work order {order_id} is {found.order.status}: it is closed")
        if status not in MOVES[found.order.status]:
            raise Conflict(f"work order {order_id} is {found.order.status}: not {status}")
        if not allowed:
            raise Forbidden(
                f"only the assignee ({found.order.assignee}) works on work order {order_id}",
                hint="its maker or a manager of its unit may cancel or reassign it",
            )
        values: dict[str, Any] = {"status": status, "updated_at": at}
        if text is not None:
            values["note"] = text
        if status in ("done", "cancelled"):
            values["done_at"] = at
        changed = connection.execute(
            work_orders.update()
            .where(work_orders.c.order_id == order_id, work_orders.c.status == found.order.status)
            .values(**values)
        ).rowcount
        if changed != 1:
            raise Conflict(f"work order {order_id} changed meanwhile")
        customers = [found.order.customer_id] if found.order.customer_id else []
        detail = {"order_id": order_id, "order_status": found.order.status, "note": text}
        record_audit(connection, principal, f"work_order_{status}", customers, detail)
        return _visible(connection, principal, order_id, _today(now))


def reassign_order(
    db: sa.Engine,
    principal: Principal,
    order_id: int,
    assignee: str,
    note: str | None = None,
    *,
    now: dt.datetime | None = None,
) -> OrderRow:
    """Give an open order to another active user (the maker or a manager of its unit); its
    unit follows the new assignee. Audited `work_order_reassign`."""
    text = _note(note, required=False)
    with db.begin() as connection:
        found = _visible(connection, principal, order_id, _today(now))
        if not found.may_manage:
            if found.order.status not in OPEN_STATUSES:
                raise Conflict(f"work order {order_id} is {found.order.status}: it is closed")
            raise Forbidden(
                "only the order's maker or a manager of its unit reassigns it",
                hint=f"ask {found.order.created_by}",
            )
        user = _assignee(connection, assignee)
        values: dict[str, Any] = {
            "assignee": user[0],
            "unit_id": user[1],
            "updated_at": utc_now(now),
        }
        if text is not None:
            values["note"] = text
        connection.execute(
            work_orders.update().where(work_orders.c.order_id == order_id).values(**values)
        )
        customers = [found.order.customer_id] if found.order.customer_id else []
        detail = {"order_id": order_id, "assignee": user[0], "note": text}
        record_audit(connection, principal, "work_order_reassign", customers, detail)
        row = connection.execute(
            sa.select(work_orders).where(work_orders.c.order_id == order_id)
        ).mappings()
        # the maker or manager who gave it away may no longer see it: answered as it now is
        return _row(row.one(), principal, _managed_units(connection, principal), _today(now))


def create_order_as(
    db: sa.Engine, principal: Principal, entry: OrderInput, *, now: dt.datetime | None = None
) -> WorkOrder:
    """A work order made by hand (the page, the API, the CLI): any signed-in business user may
    give one; a customer named must be in the maker's scope (NotFound alike otherwise)."""
    if entry.due_date is not None and entry.due_date < _today(now):
        raise OrderRejected("due_date", "in the past", hint="today or later")
    with db.begin() as connection:
        if entry.customer_id:
            scoped_row(connection, principal, served_snapshot_on(connection), entry.customer_id)
        return create_order(connection, principal, entry, now=now)
