"""工单: work orders (issue 18 section 3) through `brokerlens.access` (scope, audit).

Lists (`mine`, `unit`, `made`), one order, make one, start / done / cancel (a note required)
and reassign. An order the caller may not see answers 404 like an unknown one.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Literal

from fastapi import APIRouter, Depends, Query
from fastapi.encoders import jsonable_encoder
from pydantic import BaseModel, Field

from brokerlens.access import work_orders as service
from brokerlens.web.bounds import EARLIEST_DAY, LATEST_DAY, IdPath
from brokerlens.web.deps import CsrfDep, DbDep, ReaderDep, customer_reader

router = APIRouter(
    prefix="/api", tags=["work_orders"], dependencies=[CsrfDep, Depends(customer_reader)]
)


class OrderPublic(BaseModel):
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
    created_at: dt.datetime
    updated_at: dt.datetime
    done_at: dt.datetime | None
    note: str | None
    overdue: bool
    may_work: bool = Field(description="you are its assignee: start it, mark it done")
    may_manage: bool = Field(description="you made it or manage its unit: cancel, reassign")


class OrdersPublic(BaseModel):
    data: list[OrderPublic]
    count: int


class OrderCreate(BaseModel):
    title: str = Field(min_length=1, max_length=service.TITLE_MAX)
    assignee: str = Field(min_length=1, max_length=64)
    detail: str | None = Field(default=None, max_length=service.DETAIL_MAX)
    due_date: dt.date | None = Field(default=None, ge=EARLIEST_DAY, le=LATEST_DAY)
    customer_id: str | None = Field(default=None, min_length=1, max_length=32)


class StatusChange(BaseModel):
    status: Literal["in_progress", "done", "cancelled"]
    note: str | None = Field(default=None, max_length=service.NOTE_MAX)


class Reassign(BaseModel):
    assignee: str = Field(min_length=1, max_length=64)
    note: str | None = Field(default=None, max_length=service.NOTE_MAX)


def order_public(row: service.OrderRow) -> OrderPublic:
    values = jsonable_encoder(dataclasses.asdict(row.order))
    return OrderPublic(
        **values,
        created_at=row.created_at,
        updated_at=row.updated_at,
        done_at=row.done_at,
        note=row.note,
        overdue=row.overdue,
        may_work=row.may_work,
        may_manage=row.may_manage,
    )


@router.get("/work-orders", response_model=OrdersPublic)
def list_orders(
    db: DbDep,
    principal: ReaderDep,
    view: Literal["mine", "unit", "made"] = "mine",
    status: Literal["open", "in_progress", "done", "cancelled"] | None = None,
    overdue: bool = False,
    limit: int = Query(default=200, ge=1, le=service.LIST_LIMIT),
) -> OrdersPublic:
    """Assigned to you (`mine`), your unit's (`unit`, a manager; head office every unit) or
    made by you (`made`); open ones first by due date, overdue flagged; audited."""
    found = service.list_orders(db, principal, view, status=status, overdue=overdue, limit=limit)
    data = [order_public(r) for r in found]
    return OrdersPublic(data=data, count=len(data))


@router.post("/work-orders", response_model=OrderPublic, status_code=201)
def create_order(body: OrderCreate, db: DbDep, principal: ReaderDep) -> OrderPublic:
    """Give someone a work order (a customer named must be in your scope); audited."""
    made = service.create_order_as(db, principal, service.OrderInput(**body.model_dump()))
    return order_public(service.get_order(db, principal, made.order_id))


@router.get("/work-orders/{order_id}", response_model=OrderPublic)
def get_order(order_id: IdPath, db: DbDep, principal: ReaderDep) -> OrderPublic:
    return order_public(service.get_order(db, principal, order_id))


@router.post("/work-orders/{order_id}/status", response_model=OrderPublic)
def set_status(
    order_id: IdPath, body: StatusChange, db: DbDep, principal: ReaderDep
) -> OrderPublic:
    """in_progress / done by the assignee; cancelled (a note required) also by its maker or a
    manager of its unit. A step out of order: 409."""
    return order_public(service.set_order_status(db, principal, order_id, body.status, body.note))


@router.post("/work-orders/{order_id}/reassign", response_model=OrderPublic)
def reassign(order_id: IdPath, body: Reassign, db: DbDep, principal: ReaderDep) -> OrderPublic:
    """Give an open order to another active user (its maker or a manager of its unit)."""
    return order_public(service.reassign_order(db, principal, order_id, body.assignee, body.note))
