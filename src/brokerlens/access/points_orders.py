"""积分兑换: the redemption catalogue (积分商品) and orders (积分订单), issue 23 section 1.

- The catalogue: goods and services with a points price and a stock (none: no limit). Head
  office (`manage_points`) adds and edits items; an item is switched off, never deleted.
  Everyone who reads customers sees the active items. Changes audited `points_item_add` /
  `points_item_edit`.
- An order is placed for a customer in the user's scope (`redeem_points`): the customer's
  balance today must cover it and the item's stock must hold it; the points leave the ledger at
  once (a `redemption` entry, drawn from the oldest lots) and the stock goes down. Audited
  `points_redeem`.
- An order is fulfilled by head office (`manage_points`), or cancelled (with a reason) by whoever
  placed it or by head office while it is still placed: the points come back (a `return` entry:
  to the lots they were drawn from, with their own expiry) and so does the stock. Audited
  `points_order_fulfil` / `points_order_cancel`.
- Lists and single orders are cut to the reader's scope (an order of a customer out of scope
  answers 404) and audited `points_orders_view` / `points_order_view` with the customers shown.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, fields
from typing import Any

import sqlalchemy as sa
from sqlalchemy.sql.elements import True_

from brokerlens.access.audit import audit_read, record_audit
from brokerlens.access.customers import scoped_row
from brokerlens.access.points import balance_of, ledger_of, today_in_beijing
from brokerlens.access.records import utc_now
from brokerlens.access.scope import customer_scope
from brokerlens.access.snapshot import Snapshot, served_snapshot_on
from brokerlens.auth.principal import Permission, Principal, customer_reader
from brokerlens.config import Settings
from brokerlens.errors import Conflict, FieldRejected, Forbidden, NotFound
from brokerlens.store.points_schema import (
    ITEM_KINDS,
    ORDER_STATUSES,
    points_entries,
    points_items,
    points_orders,
)

MAX_PRICE = 10**9
MAX_STOCK = 10**9
MAX_QUANTITY = 99
NAME_MAX = 100
TEXT_MAX = 500
PAGE_SIZE = 50


class PointsRejected(FieldRejected):
    """A points request's field is unusable (422); `field` names it for the form."""


@dataclass(frozen=True)
class Item:
    item_id: int
    name_zh: str
    name_en: str | None
    kind: str
    description: str | None
    points_price: int
    stock: int | None
    active: bool
    updated_by: str
    updated_at: dt.datetime

    @classmethod
    def of(cls, row: Any) -> Item:
        return cls(**{f.name: row[f.name] for f in fields(cls)})

    def name(self, language: str) -> str:
        return (self.name_en or self.name_zh) if language == "en" else self.name_zh


@dataclass(frozen=True)
class ItemInput:
    name_zh: str
    kind: str
    points_price: int
    stock: int | None = None
    name_en: str | None = None
    description: str | None = None
    active: bool = True


@dataclass(frozen=True)
class Order:
    order_id: int
    customer_id: str
    customer_name: str | None
    branch_id: str | None
    item_id: int
    item_name: str
    quantity: int
    points: int
    status: str
    note: str | None
    placed_by: str
    placed_at: dt.datetime
    placed_on: dt.date
    closed_by: str | None
    closed_at: dt.datetime | None
    cancel_reason: str | None
    may_cancel: bool = False
    may_fulfil: bool = False


@dataclass(frozen=True)
class OrderPage:
    data: list[Order]
    total: int
    page: int
    page_size: int


# --- checks -----------------------------------------------------------------------------------


def _require(principal: Principal, permission: Permission, doing: str) -> None:
    if not principal.can(permission):
        raise Forbidden(
            f"{doing} needs the {permission.value} permission",
            hint="head office marketing manages the points catalogue and orders",
        )


def _text(field: str, value: str | None, most: int, *, required: bool = False) -> str | None:
    text = value.strip() if isinstance(value, str) else ""
    if not text:
        if required:
            raise PointsRejected(field, "必填 / required")
        return None
    if len(text) > most:
        raise PointsRejected(field, f"最多{most}字 / {len(text)} characters, at most {most}")
    return text


def _whole(field: str, value: Any, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise PointsRejected(field, "须为整数 / a whole number")
    if not low <= value <= high:
        raise PointsRejected(field, f"须在{low:,}到{high:,}之间 / between {low:,} and {high:,}")
    return value


def _item_values(item: ItemInput) -> dict[str, Any]:
    if item.kind not in ITEM_KINDS:
        raise PointsRejected("kind", f"one of {', '.join(ITEM_KINDS)}")
    return {
        "name_zh": _text("name_zh", item.name_zh, NAME_MAX, required=True),
        "name_en": _text("name_en", item.name_en, NAME_MAX),
        "kind": item.kind,
        "description": _text("description", item.description, TEXT_MAX),
        "points_price": _whole("points_price", item.points_price, 1, MAX_PRICE),
        "stock": None if item.stock is None else _whole("stock", item.stock, 0, MAX_STOCK),
        "active": bool(item.active),
    }


# --- the catalogue ----------------------------------------------------------------------------


def list_items(
    db: sa.Engine, principal: Principal, *, include_inactive: bool = False
) -> list[Item]:
    """The catalogue, by price then name (switched-off items only for `manage_points`). No
    customer data: not audited."""
    customer_reader(principal)
    query = sa.select(points_items).order_by(
        points_items.c.points_price, points_items.c.name_zh, points_items.c.item_id
    )
    if not (include_inactive and principal.can(Permission.MANAGE_POINTS)):
        query = query.where(points_items.c.active.is_(True))
    with db.connect() as connection:
        return [Item.of(r) for r in connection.execute(query).mappings()]


def _item(connection: sa.Connection, item_id: int) -> Item:
    row = (
        connection.execute(sa.select(points_items).where(points_items.c.item_id == item_id))
        .mappings()
        .first()
    )
    if row is None:
        raise NotFound(f"no points item {item_id}", hint="see the catalogue: /points/catalogue")
    return Item.of(row)


def add_item(
    db: sa.Engine, principal: Principal, item: ItemInput, *, now: dt.datetime | None = None
) -> Item:
    """A new catalogue item (manage_points); audited `points_item_add`."""
    _require(principal, Permission.MANAGE_POINTS, "adding to the points catalogue")
    values = _item_values(item)
    at = utc_now(now)
    with db.begin() as connection:
        item_id = connection.execute(
            points_items.insert()
            .values(
                **values,
                created_by=principal.username,
                created_at=at,
                updated_by=principal.username,
                updated_at=at,
            )
            .returning(points_items.c.item_id)
        ).scalar_one()
        record_audit(connection, principal, "points_item_add", [], {"item_id": item_id, **values})
        return _item(connection, int(item_id))


def update_item(
    db: sa.Engine,
    principal: Principal,
    item_id: int,
    item: ItemInput,
    *,
    now: dt.datetime | None = None,
) -> Item:
    """Replace an item's name, kind, price, stock and whether it is offered (manage_points);
    orders already placed keep their points. Audited `points_item_edit`."""
    _require(principal, Permission.MANAGE_POINTS, "editing the points catalogue")
    values = _item_values(item)
    with db.begin() as connection:
        _item(connection, item_id)
        connection.execute(
            points_items.update()
            .where(points_items.c.item_id == item_id)
            .values(**values, updated_by=principal.username, updated_at=utc_now(now))
        )
        record_audit(connection, principal, "points_item_edit", [], {"item_id": item_id, **values})
        return _item(connection, item_id)


# --- orders -----------------------------------------------------------------------------------


def _lock_customer(connection: sa.Connection, customer_id: str) -> None:
    """Two orders of one customer are placed one after the other (PostgreSQL: a transaction
    lock on the customer; SQLite: the write below holds the database)."""
    if connection.dialect.name == "postgresql":
        connection.execute(
            sa.text("SELECT pg_advisory_xact_lock(hashtext(:key))"),
            {"key": f"points:{customer_id}"},
        )


def _take_stock(connection: sa.Connection, item: Item, quantity: int) -> None:
    c = points_items.c
    taken = connection.execute(
        points_items.update()
        .where(
            c.item_id == item.item_id,
            c.active.is_(True),
            sa.or_(c.stock.is_(None), c.stock >= quantity),
        )
        .values(stock=sa.case((c.stock.is_(None), None), else_=c.stock - quantity))
    ).rowcount
    if taken != 1:
        if not item.active:
            raise Conflict(
                f"{item.name_zh}已下架 / {item.name_zh} is no longer offered",
                hint="choose another item",
            )
        raise Conflict(
            f"{item.name_zh}库存不足：剩余{item.stock or 0}，需要{quantity} / "
            f"only {item.stock or 0} left, {quantity} asked",
            hint="order fewer, or ask head office to restock it",
        )


def place_order(
    settings: Settings,
    db: sa.Engine,
    principal: Principal,
    customer_id: str,
    item_id: int,
    quantity: int = 1,
    note: str | None = None,
    *,
    today: dt.date | None = None,
    now: dt.datetime | None = None,
) -> Order:
    """Redeem points for an item on behalf of a customer in scope (redeem_points). Refused
    (409) when the balance or the stock does not cover it. Audited `points_redeem`."""
    customer_reader(principal)
    _require(principal, Permission.REDEEM_POINTS, "placing a points redemption")
    count = _whole("quantity", quantity, 1, MAX_QUANTITY)
    words = _text("note", note, TEXT_MAX)
    day = today or today_in_beijing(now)
    at = utc_now(now)
    with db.begin() as connection:
        row = scoped_row(connection, principal, served_snapshot_on(connection), customer_id)
        item = _item(connection, item_id)
        _lock_customer(connection, customer_id)
        _take_stock(connection, item, count)
        points = item.points_price * count
        have = balance_of(ledger_of(settings, connection, customer_id), day).balance
        if have < points:
            raise Conflict(
                f"积分不足：可用{have:,}分，兑换{count}件{item.name_zh}需{points:,}分 / "
                f"{customer_id} has {have:,} points, {points:,} needed",
                hint="the balance counts the points not yet used or lapsed",
            )
        branch = row.get("branch_id")
        order_id = connection.execute(
            points_orders.insert()
            .values(
                customer_id=customer_id,
                branch_id=branch,
                item_id=item.item_id,
                quantity=count,
                points=points,
                status="placed",
                note=words,
                placed_by=principal.username,
                placed_at=at,
                placed_on=day,
            )
            .returning(points_orders.c.order_id)
        ).scalar_one()
        _entry(connection, principal, customer_id, branch, day, "redemption", -points, at, order_id)
        detail = {"order_id": order_id, "item_id": item.item_id, "points": points}
        record_audit(connection, principal, "points_redeem", [customer_id], detail)
        return _order(connection, principal, int(order_id))


def _entry(
    connection: sa.Connection,
    principal: Principal,
    customer_id: str,
    branch_id: str | None,
    day: dt.date,
    kind: str,
    points: int,
    at: dt.datetime,
    order_id: int | None = None,
    reason: str | None = None,
) -> None:
    connection.execute(
        points_entries.insert().values(
            customer_id=customer_id,
            branch_id=branch_id,
            entry_date=day,
            kind=kind,
            points=points,
            order_id=order_id,
            reason=reason,
            username=principal.username,
            at=at,
        )
    )


def _order_query(snapshot: Snapshot) -> sa.Select[Any]:
    """Orders with their item's name and the customer's (the profile the scope is decided on)."""
    o, i, table = points_orders.c, points_items.c, snapshot.table
    source = points_orders.join(points_items, i.item_id == o.item_id).outerjoin(
        table, table.c.customer_id == o.customer_id
    )
    name = table.c["name"] if "name" in table.c else sa.literal(None)
    return sa.select(
        *points_orders.c, i.name_zh.label("item_name"), name.label("customer_name")
    ).select_from(source)


def _as_order(row: Any, principal: Principal) -> Order:
    names = [f.name for f in fields(Order) if f.name not in ("may_cancel", "may_fulfil")]
    values = {n: row[n] for n in names}
    placed = row["status"] == "placed"
    manages = principal.can(Permission.MANAGE_POINTS)
    return Order(
        **values,
        may_cancel=placed and (manages or row["placed_by"] == principal.username),
        may_fulfil=placed and manages,
    )


def _order(connection: sa.Connection, principal: Principal, order_id: int) -> Order:
    """The order if its customer is in scope; NotFound alike for unknown ids."""
    snapshot = served_snapshot_on(connection)
    scope = customer_scope(principal, snapshot)
    query = _order_query(snapshot).where(points_orders.c.order_id == order_id)
    if not isinstance(scope, True_):
        query = query.where(scope)
    row = connection.execute(query).mappings().first()
    if row is None:
        raise NotFound(f"no points order {order_id}", hint="see the orders: /points/orders")
    return _as_order(row, principal)


def get_order(db: sa.Engine, principal: Principal, order_id: int) -> Order:
    """One order in scope; audited `points_order_view` with its customer."""
    customer_reader(principal)
    with db.begin() as connection:
        found = _order(connection, principal, order_id)
        record_audit(
            connection, principal, "points_order_view", [found.customer_id], {"order_id": order_id}
        )
    return found


def list_orders(
    db: sa.Engine,
    principal: Principal,
    *,
    status: str | None = None,
    customer_id: str | None = None,
    page: int = 1,
    page_size: int = PAGE_SIZE,
) -> OrderPage:
    """Orders in scope, newest first, by status and customer; audited `points_orders_view`
    with the customers shown."""
    customer_reader(principal)
    if status is not None and status not in ORDER_STATUSES:
        raise PointsRejected("status", f"one of {', '.join(ORDER_STATUSES)}")
    if page < 1 or not 1 <= page_size <= 200:
        raise PointsRejected("page", "page >= 1 and page_size 1..200")
    with db.connect() as connection:
        snapshot = served_snapshot_on(connection)
        scope = customer_scope(principal, snapshot)
        query = _order_query(snapshot)
        where = [] if isinstance(scope, True_) else [scope]
        if status is not None:
            where.append(points_orders.c.status == status)
        if customer_id is not None:
            where.append(points_orders.c.customer_id == customer_id)
        query = query.where(*where)
        total = connection.execute(
            sa.select(sa.func.count()).select_from(query.subquery())
        ).scalar_one()
        rows = connection.execute(
            query.order_by(points_orders.c.order_id.desc())
            .limit(page_size)
            .offset((page - 1) * page_size)
        ).mappings()
        found = [_as_order(r, principal) for r in rows]
    ids = sorted({o.customer_id for o in found})
    detail = {"status": status, "rows": len(found), "page": page}
    audit_read(db, principal, "points_orders_view", ids, detail)
    return OrderPage(found, int(total), page, page_size)


def fulfil_order(
    db: sa.Engine, principal: Principal, order_id: int, *, now: dt.datetime | None = None
) -> Order:
    """Mark a placed order fulfilled (manage_points); audited `points_order_fulfil`."""
    _require(principal, Permission.MANAGE_POINTS, "fulfilling a points order")
    with db.begin() as connection:
        found = _order(connection, principal, order_id)
        _close(connection, principal, found, "fulfilled", now)
        record_audit(
            connection,
            principal,
            "points_order_fulfil",
            [found.customer_id],
            {"order_id": order_id},
        )
        return _order(connection, principal, order_id)


def cancel_order(
    db: sa.Engine,
    principal: Principal,
    order_id: int,
    reason: str,
    *,
    today: dt.date | None = None,
    now: dt.datetime | None = None,
) -> Order:
    """Cancel a placed order (its placer, or manage_points) with a reason: the points and the
    stock come back. Audited `points_order_cancel`."""
    customer_reader(principal)
    why = _text("reason", reason, TEXT_MAX, required=True)
    at = utc_now(now)
    day = today or today_in_beijing(now)
    with db.begin() as connection:
        found = _order(connection, principal, order_id)
        if not found.may_cancel and found.status == "placed":
            raise Forbidden(
                "只有下单人或总部可以取消 / only whoever placed the order, or head office, "
                "cancels it",
                hint="ask head office marketing (manage_points)",
            )
        _close(connection, principal, found, "cancelled", now, why)
        connection.execute(
            points_items.update()
            .where(points_items.c.item_id == found.item_id, points_items.c.stock.is_not(None))
            .values(stock=points_items.c.stock + found.quantity)
        )
        _entry(
            connection,
            principal,
            found.customer_id,
            found.branch_id,
            day,
            "return",
            found.points,
            at,
            order_id,
            why,
        )
        detail = {"order_id": order_id, "points": found.points}
        record_audit(connection, principal, "points_order_cancel", [found.customer_id], detail)
        return _order(connection, principal, order_id)


def _close(
    connection: sa.Connection,
    principal: Principal,
    found: Order,
    status: str,
    now: dt.datetime | None,
    reason: str | None = None,
) -> None:
    """The status is the lock: an order already closed (meanwhile too) is refused (409)."""
    changed = connection.execute(
        points_orders.update()
        .where(points_orders.c.order_id == found.order_id, points_orders.c.status == "placed")
        .values(
            status=status,
            closed_by=principal.username,
            closed_at=utc_now(now),
            cancel_reason=reason,
        )
    ).rowcount
    if changed != 1:
        raise Conflict(
            f"订单{found.order_id}已不是待处理状态 / order {found.order_id} is {found.status}, "
            "not placed",
            hint="only a placed order is fulfilled or cancelled",
        )
