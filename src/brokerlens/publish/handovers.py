"""Applied handovers survive the publish that rebuilds `relationships` from the feed (issue 19).

The store's `relationships` holds the feed as of the previously published date plus the
handover items applied since (`handover_items.overlaid`). In the flip's transaction:

1. `take_out` undoes the overlaid items of the customers whose feed rows the difference to T
   touches (`touched_customers`; all when the table is replaced whole), newest first, so their
   rows are the feed's as of the previous date again and `publish.reference` can apply the
   difference (the overlay's net rows are subtracted when comparing counts, `overlay_rows`, so
   a handover never forces a whole replace); the other items stay as they are;
2. the reference is brought to T;
3. `put_back` re-applies, oldest first, each of those items the feed has not caught up with (the
   feed shows the receiver in that role from the handover's date on: the item is marked
   `caught_up` and left to the feed). An item whose giver row the feed no longer has stays out.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import duckdb
import sqlalchemy as sa

from brokerlens.brokers.ledger.overlay import (
    ItemConflict,
    ItemKey,
    apply_item,
    item_of,
    undo_item,
)
from brokerlens.engine.sqltext import ident
from brokerlens.publish.reference import ReferencePlan, staged_name
from brokerlens.store.brokers_handover_schema import handover_items, handovers
from brokerlens.store.schema import relationships

items = handover_items


@dataclass
class OverlayReport:
    taken_out: int = 0
    put_back: int = 0
    caught_up: int = 0


def touched_customers(
    duck: duckdb.DuckDBPyConnection, plan: ReferencePlan, previous: dt.date | None
) -> set[str] | None:
    """The customers whose feed rows differ between the previous date and T (the difference
    publish applies): only their items need taking out and putting back. None: every item (the
    table is replaced whole, or loaded for the first time)."""
    name = relationships.name
    if previous is None or plan.preloaded or name in plan.whole:
        return None
    gone = ident(staged_name(relationships, "gone"))
    added = ident(staged_name(relationships, "added"))
    rows = duck.execute(
        f"SELECT customer_id FROM {gone} UNION SELECT customer_id FROM {added}"
    ).fetchall()
    return {str(r[0]) for r in rows}


def _only(query: sa.Select[Any], customers: set[str] | None) -> sa.Select[Any]:
    if customers is None:
        return query
    return query.where(items.c.customer_id.in_(sorted(customers)))


def overlay_rows(connection: sa.Connection) -> int:
    """Rows the overlay added to `relationships`, net: the receivers' inserted rows less the
    giver rows it removed (those starting on the handover's date)."""
    net = sa.case((items.c.inserted.is_(True), 1), else_=0) - sa.case(
        (items.c.giver_start == items.c.effective_date, 1), else_=0
    )
    found = connection.execute(
        sa.select(sa.func.coalesce(sa.func.sum(net), 0)).where(items.c.overlaid.is_(True))
    ).scalar_one()
    return int(found)


_ITEM = sa.and_(
    items.c.handover_id == sa.bindparam("h"),
    items.c.customer_id == sa.bindparam("c"),
    items.c.role == sa.bindparam("k_role"),
)
_OUT = items.update().where(_ITEM).values(overlaid=False)
_CAUGHT = items.update().where(_ITEM).values(caught_up=sa.bindparam("day", type_=sa.Date()))
_BACK = (
    items.update()
    .where(_ITEM)
    .values(
        overlaid=True,
        share_pct=sa.bindparam("v_share_pct"),
        giver_start=sa.bindparam("v_giver_start", type_=sa.Date()),
        giver_end=sa.bindparam("v_giver_end", type_=sa.Date()),
        receiver_start=sa.bindparam("v_receiver_start", type_=sa.Date()),
        receiver_end=sa.bindparam("v_receiver_end", type_=sa.Date()),
        receiver_share=sa.bindparam("v_receiver_share"),
        inserted=sa.bindparam("v_inserted"),
    )
)
_RECEIVED = (
    sa.select(sa.literal(1))
    .where(
        relationships.c.customer_id == sa.bindparam("c"),
        relationships.c.staff_id == sa.bindparam("s"),
        relationships.c.role == sa.bindparam("k_role"),
        relationships.c.start_date >= sa.bindparam("day", type_=sa.Date()),
    )
    .limit(1)
)


def _ids(row: sa.RowMapping) -> dict[str, object]:
    return {"h": row["handover_id"], "c": row["customer_id"], "k_role": row["role"]}


def take_out(connection: sa.Connection, customers: set[str] | None = None) -> int:
    """Undo the overlaid items (of `customers`; None: all), newest first (caller's
    transaction)."""
    if customers is not None and not customers:
        return 0
    query = (
        sa.select(items)
        .where(items.c.overlaid.is_(True))
        .order_by(items.c.handover_id.desc(), items.c.customer_id.desc(), items.c.role.desc())
    )
    rows = list(connection.execute(_only(query, customers)).mappings())
    for row in rows:
        key, state = item_of(row)
        if state is not None:
            undo_item(connection, key, state)
        connection.execute(_OUT, _ids(row))
    return len(rows)


def _caught_up(connection: sa.Connection, key: ItemKey) -> bool:
    values = {
        "c": key.customer_id,
        "s": key.receiver_id,
        "k_role": key.role,
        "day": key.effective_date,
    }
    return connection.execute(_RECEIVED, values).first() is not None


def put_back(
    connection: sa.Connection, day: dt.date, customers: set[str] | None = None
) -> OverlayReport:
    """Re-apply, oldest first, the applied items the feed has not caught up with: of
    `customers`, those taken out; None: all (the table was loaded or replaced whole)."""
    report = OverlayReport()
    if customers is not None and not customers:
        return report
    query = (
        sa.select(items)
        .join(handovers, handovers.c.handover_id == items.c.handover_id)
        .where(handovers.c.status == "applied", items.c.caught_up.is_(None))
        .order_by(items.c.handover_id, items.c.customer_id, items.c.role)
    )
    if customers is not None:  # of those, the ones taken out (the others stand as they are)
        query = _only(query.where(items.c.overlaid.is_(False)), customers)
    rows = list(connection.execute(query).mappings())
    for row in rows:
        key, _ = item_of(row)
        if _caught_up(connection, key):
            connection.execute(_CAUGHT, {**_ids(row), "day": day})
            report.caught_up += 1
            continue
        try:
            state = apply_item(connection, key)
        except ItemConflict:  # a row of the receiver's in the way: the feed's as it stands
            continue
        if state is None:  # the feed changed the giver's row: nothing of it to move now
            continue
        values = {f"v_{name}": value for name, value in state.values().items()}
        connection.execute(_BACK, {**_ids(row), **values})
        report.put_back += 1
    return report
