"""积分 (issue 23 section 1): a customer's points, the redemption catalogue, orders,
adjustments and the report by branch, through `brokerlens.access.points*` (scope, permissions,
audit). A customer or order outside the caller's scope answers 404 as an unknown one."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Query
from pydantic import BaseModel, Field
from starlette.responses import Response

from brokerlens.access import points as service
from brokerlens.access import points_adjust as adjust_service
from brokerlens.access import points_orders as orders_service
from brokerlens.access import points_report as report_service
from brokerlens.web.bounds import DayQuery, IdPath, PageQuery
from brokerlens.web.deps import CsrfDep, DbDep, ReaderDep, SettingsDep, customer_reader
from brokerlens.web.export import CodesQuery, Format, Presentation, export_response

router = APIRouter(
    prefix="/api/points", tags=["points"], dependencies=[CsrfDep, Depends(customer_reader)]
)
customer_router = APIRouter(
    prefix="/api/customers", tags=["points"], dependencies=[CsrfDep, Depends(customer_reader)]
)

CustomerPath = Annotated[str, Path(min_length=1, max_length=64)]


class EntryPublic(BaseModel):
    entry_date: dt.date
    source: str = Field(description="the rule id of an award, 'adjustment' or 'redemption'")
    kind: Literal["award", "adjustment", "redemption", "return"]
    points: int = Field(description="signed: < 0 leaves the balance")
    expires_on: dt.date | None
    branch_id: str | None
    ref: str | None
    note: str | None
    order_id: int | None
    cancelled: bool


class ExpiringPublic(BaseModel):
    expires_on: dt.date
    points: int


class CustomerPointsPublic(BaseModel):
    customer_id: str
    as_of: dt.date
    balance: int
    earned: int
    used: int
    expired: int
    expiring: int = Field(description="points lapsing within 30 days unless used first")
    expiring_lots: list[ExpiringPublic]
    entries: list[EntryPublic] = Field(description="newest first, at most 100")
    entry_count: int


class ItemIn(BaseModel):
    name_zh: str = Field(min_length=1, max_length=orders_service.NAME_MAX)
    name_en: str | None = Field(default=None, max_length=orders_service.NAME_MAX)
    kind: Literal["goods", "service"] = "goods"
    description: str | None = Field(default=None, max_length=orders_service.TEXT_MAX)
    points_price: int = Field(ge=1, le=orders_service.MAX_PRICE)
    stock: int | None = Field(default=None, ge=0, le=orders_service.MAX_STOCK)
    active: bool = True


class ItemPublic(BaseModel):
    item_id: int
    name_zh: str
    name_en: str | None
    kind: str
    description: str | None
    points_price: int
    stock: int | None = Field(description="null: no limit")
    active: bool


class ItemsPublic(BaseModel):
    data: list[ItemPublic]
    count: int


class OrderIn(BaseModel):
    customer_id: str = Field(min_length=1, max_length=32)
    item_id: int = Field(ge=1, le=2**31 - 1)
    quantity: int = Field(default=1, ge=1, le=orders_service.MAX_QUANTITY)
    note: str | None = Field(default=None, max_length=orders_service.TEXT_MAX)


class CancelIn(BaseModel):
    reason: str = Field(min_length=1, max_length=orders_service.TEXT_MAX)


class OrderPublic(BaseModel):
    order_id: int
    customer_id: str
    customer_name: str | None
    branch_id: str | None
    item_id: int
    item_name: str
    quantity: int
    points: int
    status: Literal["placed", "fulfilled", "cancelled"]
    note: str | None
    placed_by: str
    placed_at: dt.datetime
    placed_on: dt.date
    closed_by: str | None
    closed_at: dt.datetime | None
    cancel_reason: str | None
    may_cancel: bool
    may_fulfil: bool


class OrdersPublic(BaseModel):
    data: list[OrderPublic]
    count: int
    page: int
    page_size: int


class AdjustmentIn(BaseModel):
    customer_id: str = Field(min_length=1, max_length=32)
    points: int = Field(description="to add; negative takes off", ge=-1_000_000, le=1_000_000)
    reason: str = Field(min_length=1, max_length=adjust_service.REASON_MAX)
    expiry_months: int = Field(default=adjust_service.EXPIRY_MONTHS, ge=1, le=120)


class AdjustmentPublic(BaseModel):
    request_id: int
    status: str
    subject: str


class BranchPublic(BaseModel):
    branch_id: str | None = Field(description="null on the total")
    issued: int
    adjusted: int
    redeemed: int
    expired: int
    outstanding: int
    expiring: int = Field(description="lapsing within 30 days after the day, unless used")


class ReportPublic(BaseModel):
    as_of: dt.date
    whole: bool = Field(description="every branch (else the branches of your units)")
    data: list[BranchPublic]
    total: BranchPublic


def points_public(found: service.CustomerPoints) -> CustomerPointsPublic:
    return CustomerPointsPublic(
        customer_id=found.customer_id,
        as_of=found.as_of,
        balance=found.balance,
        earned=found.earned,
        used=found.used,
        expired=found.expired,
        expiring=found.expiring,
        expiring_lots=[
            ExpiringPublic(expires_on=x.expires_on, points=x.points) for x in found.expiring_lots
        ],
        entries=[
            EntryPublic(**{k: getattr(x, k) for k in EntryPublic.model_fields})
            for x in found.entries
        ],
        entry_count=found.entry_count,
    )


def item_public(item: orders_service.Item) -> ItemPublic:
    return ItemPublic(**{k: getattr(item, k) for k in ItemPublic.model_fields})


def order_public(order: orders_service.Order) -> OrderPublic:
    return OrderPublic(**{k: getattr(order, k) for k in OrderPublic.model_fields})


def branch_public(row: report_service.BranchPoints) -> BranchPublic:
    return BranchPublic(
        branch_id=row.branch_id,
        issued=row.issued,
        adjusted=row.adjusted,
        redeemed=row.redeemed,
        expired=row.expired,
        outstanding=row.outstanding,
        expiring=row.expiring,
    )


@customer_router.get("/{customer_id}/points", response_model=CustomerPointsPublic)
def customer_points(
    customer_id: CustomerPath,
    settings: SettingsDep,
    db: DbDep,
    principal: ReaderDep,
    as_of: DayQuery = None,
) -> CustomerPointsPublic:
    """A customer's balance, what lapses within 30 days and the ledger, newest first; audited."""
    found = service.customer_points(settings, db, principal, customer_id, as_of=as_of)
    return points_public(found)


@router.get("/items", response_model=ItemsPublic)
def list_items(
    db: DbDep, principal: ReaderDep, all_items: Annotated[bool, Query(alias="all")] = False
) -> ItemsPublic:
    """The redemption catalogue (with `all`, items no longer offered too: manage_points)."""
    found = [
        item_public(i) for i in orders_service.list_items(db, principal, include_inactive=all_items)
    ]
    return ItemsPublic(data=found, count=len(found))


@router.post("/items", response_model=ItemPublic, status_code=201)
def add_item(body: ItemIn, db: DbDep, principal: ReaderDep) -> ItemPublic:
    """A new catalogue item (manage_points); audited."""
    made = orders_service.add_item(db, principal, orders_service.ItemInput(**body.model_dump()))
    return item_public(made)


@router.put("/items/{item_id}", response_model=ItemPublic)
def update_item(item_id: IdPath, body: ItemIn, db: DbDep, principal: ReaderDep) -> ItemPublic:
    """Replace an item's values (manage_points); audited."""
    made = orders_service.update_item(
        db, principal, item_id, orders_service.ItemInput(**body.model_dump())
    )
    return item_public(made)


@router.get("/orders", response_model=OrdersPublic)
def list_orders(
    db: DbDep,
    principal: ReaderDep,
    status: Literal["placed", "fulfilled", "cancelled"] | None = None,
    customer_id: Annotated[str | None, Query(max_length=32)] = None,
    page: PageQuery = 1,
    page_size: Annotated[int, Query(ge=1, le=200)] = 50,
) -> OrdersPublic:
    """Orders of customers in your scope, newest first; audited with the customers shown."""
    found = orders_service.list_orders(
        db, principal, status=status, customer_id=customer_id, page=page, page_size=page_size
    )
    return OrdersPublic(
        data=[order_public(o) for o in found.data],
        count=found.total,
        page=found.page,
        page_size=found.page_size,
    )


@router.post("/orders", response_model=OrderPublic, status_code=201)
def place_order(
    body: OrderIn, settings: SettingsDep, db: DbDep, principal: ReaderDep
) -> OrderPublic:
    """Redeem: place an order for a customer in your scope (redeem_points); 409 when the
    balance or the stock does not cover it. Audited."""
    made = orders_service.place_order(
        settings, db, principal, body.customer_id, body.item_id, body.quantity, body.note
    )
    return order_public(made)


@router.get("/orders/{order_id}", response_model=OrderPublic)
def get_order(order_id: IdPath, db: DbDep, principal: ReaderDep) -> OrderPublic:
    """One order of a customer in your scope; audited."""
    return order_public(orders_service.get_order(db, principal, order_id))


@router.post("/orders/{order_id}/fulfil", response_model=OrderPublic)
def fulfil_order(order_id: IdPath, db: DbDep, principal: ReaderDep) -> OrderPublic:
    """Mark a placed order fulfilled (manage_points); audited."""
    return order_public(orders_service.fulfil_order(db, principal, order_id))


@router.post("/orders/{order_id}/cancel", response_model=OrderPublic)
def cancel_order(order_id: IdPath, body: CancelIn, db: DbDep, principal: ReaderDep) -> OrderPublic:
    """Cancel a placed order (its placer or manage_points): points and stock come back."""
    return order_public(orders_service.cancel_order(db, principal, order_id, body.reason))


@router.post("/adjustments", response_model=AdjustmentPublic, status_code=201)
def request_adjustment(
    body: AdjustmentIn, settings: SettingsDep, db: DbDep, principal: ReaderDep
) -> AdjustmentPublic:
    """Ask for a manual adjustment with a reason (adjust_points); head office decides it in
    /api/approvals (kind points_adjustment)."""
    made = adjust_service.request_adjustment(
        settings,
        db,
        principal,
        body.customer_id,
        body.points,
        body.reason,
        expiry_months=body.expiry_months,
    )
    return AdjustmentPublic(request_id=made.request_id, status=made.status, subject=made.subject)


@router.get("/report", response_model=ReportPublic)
def report(
    settings: SettingsDep, db: DbDep, principal: ReaderDep, as_of: DayQuery = None
) -> ReportPublic:
    """Points issued, adjusted, redeemed, expired and outstanding by branch as of a day
    (default today); managers and head office. Audited."""
    found = report_service.points_liability(settings, db, principal, as_of=as_of)
    return ReportPublic(
        as_of=found.as_of,
        whole=found.whole,
        data=[branch_public(r) for r in found.rows],
        total=branch_public(found.total),
    )


def report_presentation(language: str, codes: bool) -> Presentation:
    return Presentation(language=language, codes=codes)


@router.get("/report/export.{fmt}", response_class=Response)
def export_report(
    fmt: Format,
    settings: SettingsDep,
    db: DbDep,
    principal: ReaderDep,
    as_of: DayQuery = None,
    codes: CodesQuery = False,
) -> Response:
    """The report by branch as CSV or Excel (needs export); audited."""
    return export_response(
        lambda sink: report_service.export_liability(settings, db, principal, sink, as_of=as_of),
        fmt,
        report_presentation(principal.language, codes),
        db=db,
    )
