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
    """Rows the overlay added to `relationships` (the receivers' inserted rows)."""
    return int(
        connection.execute(
            sa.select(sa.func.count())
            .select_from(items)
            .where(items.c.overlaid.is_(True), items.c.inserted.is_(True))
        ).scalar_one()
    )


def _where(row: sa.RowMapping) -> sa.ColumnElement[bool]:
    return sa.and_(
        items.c.handover_id == row["handover_id"],
        items.c.customer_id == row["customer_id"],
        items.c.role == row["role"],
    )


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
        connection.execute(items.update().where(_where(row)).values(overlaid=False))
    return len(rows)


def _caught_up(connection: sa.Connection, key: ItemKey) -> bool:
    r = relationships
    found = connection.execute(
        sa.select(sa.literal(1))
        .where(
            r.c.customer_id == key.customer_id,
            r.c.staff_id == key.receiver_id,
            r.c.role == key.role,
            r.c.start_date >= key.effective_date,
        )
        .limit(1)
    ).first()
    return found is not None


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
            connection.execute(items.update().where(_where(row)).values(caught_up=day))
            report.caught_up += 1
            continue
        try:
            state = apply_item(connection, key)
        except ItemConflict:  # a row of the receiver's in the way: the feed's as it stands
            continue
        if state is None:  # the feed changed the giver's row: nothing of it to move now
            continue
        connection.execute(
            items.update().where(_where(row)).values(overlaid=True, **state.values())
        )
        report.put_back += 1
    return report
