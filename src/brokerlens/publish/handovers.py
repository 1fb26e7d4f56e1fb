"""Applied handovers survive the publish that rebuilds `relationships` from the feed (issue 19).

The store's `relationships` holds the feed as of the previously published date plus the
handover items applied since (`handover_items.overlaid`). In the flip's transaction:

1. `take_out` undoes the overlaid items (newest first), so the table is the feed's as of the
   previous date again and `publish.reference` can apply the difference to T (the overlay's
   inserted rows are subtracted when comparing counts, `overlay_rows`, so a handover never
   forces a whole replace);
2. the reference is brought to T;
3. `put_back` re-applies, oldest first, each applied item the feed has not caught up with (the
   feed shows the receiver in that role from the handover's date on: the item is marked
   `caught_up` and left to the feed). An item whose giver row the feed no longer has stays out.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa

from brokerlens.brokers.ledger.overlay import (
    ItemConflict,
    ItemKey,
    apply_item,
    item_of,
    undo_item,
)
from brokerlens.store.brokers_handover_schema import handover_items, handovers
from brokerlens.store.schema import relationships

items = handover_items


@dataclass
class OverlayReport:
    taken_out: int = 0
    put_back: int = 0
    caught_up: int = 0


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


def take_out(connection: sa.Connection) -> int:
    """Undo every overlaid item, newest first (caller's transaction)."""
    rows = list(
        connection.execute(
            sa.select(items)
            .where(items.c.overlaid.is_(True))
            .order_by(items.c.handover_id.desc(), items.c.customer_id.desc(), items.c.role.desc())
        ).mappings()
    )
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


def put_back(connection: sa.Connection, day: dt.date) -> OverlayReport:
    """Re-apply the applied items the feed has not caught up with, oldest first."""
    report = OverlayReport()
    rows = list(
        connection.execute(
            sa.select(items)
            .join(handovers, handovers.c.handover_id == items.c.handover_id)
            .where(handovers.c.status == "applied", items.c.caught_up.is_(None))
            .order_by(items.c.handover_id, items.c.customer_id, items.c.role)
        ).mappings()
    )
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
