"""Customer points in the operational store (issue 23 section 1; SQLAlchemy Core on the shared
`metadata`). The awards are the warehouse's (`points/awards/<T>.parquet`); the store keeps what
people do:

- `points_items` (积分商品): the redemption catalogue, goods and services with a points price
  and a stock (NULL: no limit, e.g. a service); an item is switched off, never deleted (orders
  name it).
- `points_orders` (积分订单): a redemption order: the customer, the item, how many, the points,
  and its status: placed -> fulfilled, or placed -> cancelled (the points go back).
- `points_entries`: the store's side of the ledger, never edited: a `redemption` (an order
  placed, points < 0), its `return` (the order cancelled, points > 0), an `adjustment` (a manual
  correction, either sign, with its reason and the approval request that allowed it; a
  positive one expires like an award).
A customer's balance is always computed from the awards and these entries (`points.fifo`).
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
)

from brokerlens.store.schema import metadata

ITEM_KINDS = ("goods", "service")
ORDER_STATUSES = ("placed", "fulfilled", "cancelled")
ENTRY_KINDS = ("redemption", "return", "adjustment")

points_items = Table(
    "points_items",
    metadata,
    Column("item_id", Integer, primary_key=True, autoincrement=True),
    Column("name_zh", String(100), nullable=False),
    Column("name_en", String(100)),
    Column("kind", String(16), nullable=False),  # ITEM_KINDS
    Column("description", String(500)),
    Column("points_price", BigInteger, nullable=False),
    Column("stock", Integer),  # NULL: no limit
    Column("active", Boolean, nullable=False, default=True),
    Column("created_by", String(64), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_by", String(64), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

points_orders = Table(
    "points_orders",
    metadata,
    Column("order_id", Integer, primary_key=True, autoincrement=True),
    Column("customer_id", String(32), nullable=False),
    Column("branch_id", String(32)),  # the customer's branch when the order was placed
    Column("item_id", Integer, ForeignKey("points_items.item_id"), nullable=False),
    Column("quantity", Integer, nullable=False),
    Column("points", BigInteger, nullable=False),  # quantity x the item's price then
    Column("status", String(16), nullable=False),  # ORDER_STATUSES
    Column("note", String(500)),  # e.g. where to send the goods
    Column("placed_by", String(64), nullable=False),
    Column("placed_at", DateTime(timezone=True), nullable=False),
    Column("placed_on", Date, nullable=False),  # the ledger's date of the redemption
    Column("closed_by", String(64)),  # who fulfilled or cancelled it
    Column("closed_at", DateTime(timezone=True)),
    Column("cancel_reason", String(500)),
    Index("ix_points_orders_customer_id", "customer_id"),
    Index("ix_points_orders_status", "status"),
)

points_entries = Table(
    "points_entries",
    metadata,
    Column("entry_id", Integer, primary_key=True, autoincrement=True),
    Column("customer_id", String(32), nullable=False),
    Column("branch_id", String(32)),  # the customer's branch when the entry was made
    Column("entry_date", Date, nullable=False),
    Column("kind", String(16), nullable=False),  # ENTRY_KINDS
    Column("points", BigInteger, nullable=False),  # signed: < 0 draws, > 0 credits
    Column("expires_on", Date),  # a positive adjustment's expiry
    Column("order_id", Integer, ForeignKey("points_orders.order_id")),
    Column("request_id", Integer),  # the approval request of an adjustment
    Column("reason", String(500)),
    Column("username", String(64), nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
    Index("ix_points_entries_customer_id_entry_date", "customer_id", "entry_date"),
)
