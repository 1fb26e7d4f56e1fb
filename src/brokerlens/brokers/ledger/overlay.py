"""Applied handovers on the store's `relationships`: one item (customer, role) at a time.

`apply_item` ends the giver's row in force on the effective date at that date and gives the
receiver a row from it (same role, the giver's share; a receiver already holding the role gets
one row with both shares, theirs ended at the date or, starting that very day, changed in
place; a giver row starting that very day goes, as it would never be in force). What it did is
returned (`ItemState`) and kept in `handover_items`, so `undo_item` can
take it back out exactly: publish does that before bringing `relationships` to T and re-applies
afterwards (publish/handovers.py); the approval applies it in the decision's transaction
(access/handovers.py). Used by both, so they cannot disagree.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from brokerlens.errors import Conflict
from brokerlens.store.brokers_handover_schema import handover_items
from brokerlens.store.schema import relationships

r = relationships


class ItemConflict(Conflict):
    """An item cannot be applied as the rows stand (a row of the receiver's is in the way)."""


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


# Built once, executed with bound values: a book of thousands of items costs statements, not
# the building of thousands of expressions.
_KEY = sa.and_(
    r.c.customer_id == sa.bindparam("c"),
    r.c.staff_id == sa.bindparam("s"),
    r.c.role == sa.bindparam("k_role"),
    r.c.start_date == sa.bindparam("start", type_=sa.Date()),
)
_IN_FORCE = (
    sa.select(r.c.start_date, r.c.end_date, r.c.share_pct)
    .where(
        r.c.customer_id == sa.bindparam("c"),
        r.c.staff_id == sa.bindparam("s"),
        r.c.role == sa.bindparam("k_role"),
        r.c.start_date <= sa.bindparam("day", type_=sa.Date()),
        sa.or_(r.c.end_date.is_(None), r.c.end_date > sa.bindparam("day", type_=sa.Date())),
    )
    .order_by(r.c.start_date)
    .limit(1)
)
_EXISTS = sa.select(r.c.role).where(_KEY)
_DELETE = r.delete().where(_KEY)
_SET_END = r.update().where(_KEY).values(end_date=sa.bindparam("end", type_=sa.Date()))
_SET_SHARE = r.update().where(_KEY).values(share_pct=sa.bindparam("share", type_=sa.Float()))
_INSERT = r.insert()


def _key(customer: str, staff: str, role: str, start: dt.date) -> dict[str, object]:
    return {"c": customer, "s": staff, "k_role": role, "start": start}


def _in_force(connection: sa.Connection, staff_id: str, key: ItemKey) -> Any:
    values = {"c": key.customer_id, "s": staff_id, "k_role": key.role, "day": key.effective_date}
    return connection.execute(_IN_FORCE, values).first()


def _row_values(
    key: ItemKey, staff: str, start: dt.date, end: dt.date | None, share: float | None
) -> dict[str, object]:
    return {
        "customer_id": key.customer_id,
        "staff_id": staff,
        "role": key.role,
        "start_date": start,
        "end_date": end,
        "share_pct": share,
    }


def apply_item(connection: sa.Connection, key: ItemKey) -> ItemState | None:
    """Move one customer's role from giver to receiver on the store; None: the giver holds no
    row of that role in force on the date (nothing to move)."""
    giver = _in_force(connection, key.giver_id, key)
    if giver is None:
        return None
    day = key.effective_date
    share = float(giver.share_pct if giver.share_pct is not None else 100.0)
    held = _in_force(connection, key.receiver_id, key)
    receiver_key = _key(key.customer_id, key.receiver_id, key.role, day)
    if held is None and connection.execute(_EXISTS, receiver_key).first() is not None:
        raise ItemConflict(
            f"{key.receiver_id} has a {key.role} relationship with {key.customer_id} that "
            f"starts and ends on {day}",
            hint="hand it over from another date",
        )
    giver_key = _key(key.customer_id, key.giver_id, key.role, giver.start_date)
    if giver.start_date == day:  # it would never be in force: it goes (undo puts it back)
        connection.execute(_DELETE, giver_key)
    else:
        connection.execute(_SET_END, {**giver_key, "end": day})
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
        held_key = _key(key.customer_id, key.receiver_id, key.role, held.start_date)
        if held.start_date == day:
            connection.execute(_SET_SHARE, {**held_key, "share": held_share + share})
            return state
        connection.execute(_SET_END, {**held_key, "end": day})
    total = share + (state.receiver_share or 0.0)
    connection.execute(_INSERT, _row_values(key, key.receiver_id, day, giver.end_date, total))
    return state


def undo_item(connection: sa.Connection, key: ItemKey, state: ItemState) -> None:
    """Take one applied item back out of the store (the rows as they were before it)."""
    day = key.effective_date
    if state.inserted:
        connection.execute(_DELETE, _key(key.customer_id, key.receiver_id, key.role, day))
    if state.receiver_start is not None:
        held_key = _key(key.customer_id, key.receiver_id, key.role, state.receiver_start)
        if state.receiver_start == day:
            connection.execute(_SET_SHARE, {**held_key, "share": state.receiver_share})
        else:
            connection.execute(_SET_END, {**held_key, "end": state.receiver_end})
    if state.giver_start == day:  # deleted by apply_item: back as it was
        values = _row_values(key, key.giver_id, day, state.giver_end, state.share_pct)
        connection.execute(_INSERT, values)
        return
    giver_key = _key(key.customer_id, key.giver_id, key.role, state.giver_start)
    connection.execute(_SET_END, {**giver_key, "end": state.giver_end})


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
