"""Applied handovers on the store's `relationships`: one item (customer, role) at a time.

`apply_item` ends the giver's row in force on the effective date at that date and gives the
receiver a row from it (same role, the giver's share; a receiver already holding the role gets
one row with both shares, theirs ended at the date or, starting that very day, changed in
place). What it did is returned (`ItemState`) and kept in `handover_items`, so `undo_item` can
take it back out exactly: publish does that before bringing `relationships` to T and re-applies
afterwards (publish/handovers.py); the approval applies it in the decision's transaction
(access/handovers.py). Used by both, so they cannot disagree.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa

from brokerlens.store.brokers_handover_schema import handover_items
from brokerlens.store.schema import relationships

r = relationships


@dataclass(frozen=True)
class ItemKey:
    customer_id: str
    role: str
    giver_id: str
    receiver_id: str
    effective_date: dt.date


@dataclass(frozen=True)
class ItemState:
    """What applying one item changed (the columns of `handover_items` of the same names)."""

    share_pct: float
    giver_start: dt.date
    giver_end: dt.date | None
    receiver_start: dt.date | None
    receiver_end: dt.date | None
    receiver_share: float | None
    inserted: bool

    def values(self) -> dict[str, object]:
        return {
            "share_pct": self.share_pct,
            "giver_start": self.giver_start,
            "giver_end": self.giver_end,
            "receiver_start": self.receiver_start,
            "receiver_end": self.receiver_end,
            "receiver_share": self.receiver_share,
            "inserted": self.inserted,
        }


def _in_force(staff_id: str, key: ItemKey) -> sa.Select[tuple[dt.date, dt.date | None, float]]:
    day = key.effective_date
    return (
        sa.select(r.c.start_date, r.c.end_date, r.c.share_pct)
        .where(
            r.c.customer_id == key.customer_id,
            r.c.staff_id == staff_id,
            r.c.role == key.role,
            r.c.start_date <= day,
            sa.or_(r.c.end_date.is_(None), r.c.end_date > day),
        )
        .order_by(r.c.start_date)
        .limit(1)
    )


def _row(customer_id: str, staff_id: str, role: str, start: dt.date) -> sa.ColumnElement[bool]:
    return sa.and_(
        r.c.customer_id == customer_id,
        r.c.staff_id == staff_id,
        r.c.role == role,
        r.c.start_date == start,
    )


def apply_item(connection: sa.Connection, key: ItemKey) -> ItemState | None:
    """Move one customer's role from giver to receiver on the store; None: the giver holds no
    row of that role in force on the date (nothing to move)."""
    giver = connection.execute(_in_force(key.giver_id, key)).first()
    if giver is None:
        return None
    day = key.effective_date
    share = float(giver.share_pct if giver.share_pct is not None else 100.0)
    connection.execute(
        r.update()
        .where(_row(key.customer_id, key.giver_id, key.role, giver.start_date))
        .values(end_date=day)
    )
    held = connection.execute(_in_force(key.receiver_id, key)).first()
    state = ItemState(share, giver.start_date, giver.end_date, None, None, None, inserted=True)
    if held is not None:
        held_share = float(held.share_pct if held.share_pct is not None else 0.0)
        state = ItemState(
            share,
            giver.start_date,
            giver.end_date,
            held.start_date,
            held.end_date,
            held_share,
            inserted=held.start_date != day,
        )
        where = _row(key.customer_id, key.receiver_id, key.role, held.start_date)
        if held.start_date == day:
            connection.execute(r.update().where(where).values(share_pct=held_share + share))
            return state
        connection.execute(r.update().where(where).values(end_date=day))
    connection.execute(
        r.insert().values(
            customer_id=key.customer_id,
            staff_id=key.receiver_id,
            role=key.role,
            start_date=day,
            end_date=giver.end_date,
            share_pct=share + (state.receiver_share or 0.0),
        )
    )
    return state


def undo_item(connection: sa.Connection, key: ItemKey, state: ItemState) -> None:
    """Take one applied item back out of the store (the rows as they were before it)."""
    day = key.effective_date
    if state.inserted:
        connection.execute(r.delete().where(_row(key.customer_id, key.receiver_id, key.role, day)))
    if state.receiver_start is not None:
        where = _row(key.customer_id, key.receiver_id, key.role, state.receiver_start)
        if state.receiver_start == day:
            connection.execute(r.update().where(where).values(share_pct=state.receiver_share))
        else:
            connection.execute(r.update().where(where).values(end_date=state.receiver_end))
    connection.execute(
        r.update()
        .where(_row(key.customer_id, key.giver_id, key.role, state.giver_start))
        .values(end_date=state.giver_end)
    )


def item_of(row: sa.RowMapping) -> tuple[ItemKey, ItemState | None]:
    """A `handover_items` row as its key and (when it was applied) its state."""
    key = ItemKey(
        str(row["customer_id"]),
        str(row["role"]),
        str(row["giver_id"]),
        str(row["receiver_id"]),
        row["effective_date"],
    )
    if row["giver_start"] is None:
        return key, None
    state = ItemState(
        float(row["share_pct"]),
        row["giver_start"],
        row["giver_end"],
        row["receiver_start"],
        row["receiver_end"],
        row["receiver_share"],
        bool(row["inserted"]),
    )
    return key, state


def overlaid_items(connection: sa.Connection) -> list[sa.RowMapping]:
    """The items the store carries now, in the order they were applied."""
    return list(
        connection.execute(
            sa.select(handover_items)
            .where(handover_items.c.overlaid.is_(True))
            .order_by(handover_items.c.handover_id, handover_items.c.customer_id)
        ).mappings()
    )
