"""Handovers survive publish: the store's `relationships` is the feed's as of T plus the applied
handovers the feed has not caught up with, brought there by a difference (never a whole
replace because of the overlay); and without handovers the store and the ledger file of T say
the same as the feed."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pyarrow.parquet as pq
import sqlalchemy as sa
from publish_home import Computed

from brokerlens.access.approvals import approve
from brokerlens.access.handovers import HandoverInput, request_handover
from brokerlens.auth.principal import Principal, Role
from brokerlens.auth.users import add_user
from brokerlens.config import Settings
from brokerlens.publish import publish
from brokerlens.store import open_store
from brokerlens.store.brokers_handover_schema import handover_items
from brokerlens.store.schema import relationships, staff
from brokerlens.warehouse.layout import WarehouseLayout

Key = tuple[str, str, str, dt.date]


def _hq(db: sa.Engine, name: str) -> Principal:
    user_id = add_user(
        db, username=name, display_name=name, role=Role.HQ_MARKETING, password="Passw0rd!x9"
    )
    return Principal(user_id=user_id, username=name, display_name=name, role=Role.HQ_MARKETING)


def _rows(db: sa.Engine) -> dict[Key, tuple[dt.date | None, float | None]]:
    r = relationships
    with db.connect() as connection:
        found = connection.execute(
            sa.select(
                r.c.customer_id, r.c.staff_id, r.c.role, r.c.start_date, r.c.end_date, r.c.share_pct
            )
        ).all()
    return {(c, s, role, start): (end, share) for c, s, role, start, end, share in found}


def _giver_and_receiver(db: sa.Engine, day: dt.date) -> tuple[str, str]:
    r = relationships
    with db.connect() as connection:
        giver, unit = connection.execute(
            sa.select(r.c.staff_id, staff.c.unit_id)
            .join(staff, staff.c.staff_id == r.c.staff_id)
            .where(r.c.start_date <= day, sa.or_(r.c.end_date.is_(None), r.c.end_date > day))
            .group_by(r.c.staff_id, staff.c.unit_id)
            .order_by(sa.func.count().desc(), r.c.staff_id)
            .limit(1)
        ).one()
        receiver = connection.execute(
            sa.select(staff.c.staff_id)
            .where(staff.c.unit_id == unit, staff.c.staff_id != giver, staff.c.leave_date.is_(None))
            .order_by(staff.c.staff_id)
            .limit(1)
        ).scalar_one()
    return str(giver), str(receiver)


def test_an_applied_handover_survives_the_next_publish(
    pub_settings: Settings, computed: Computed
) -> None:
    first = publish(pub_settings, as_of=computed.earlier)
    db = open_store(pub_settings)
    giver, receiver = _giver_and_receiver(db, computed.earlier)
    asked = request_handover(
        db, pub_settings, _hq(db, "hq_one"), HandoverInput(giver_id=giver, receiver_id=receiver)
    )
    approve(db, pub_settings, _hq(db, "hq_two"), asked.request_id)
    handed = _rows(db)
    moved = {k for k in handed if k[1] == receiver and k[3] == computed.earlier}
    assert len(moved) >= 1

    second = publish(pub_settings, as_of=computed.latest)
    total = second.reference["relationships"]
    written = second.reference_written["relationships"]
    assert written < total / 2  # a difference, not the whole table again
    # only the items of customers whose feed rows changed were taken out and put back
    assert second.handovers <= len(moved)
    after = _rows(db)
    assert moved <= after.keys()  # the receiver still holds them
    for customer, _, role, _ in moved:
        gave = [
            end
            for (c, s, ro, _), (end, _) in after.items()
            if (c, s, ro) == (customer, giver, role) and (end is None or end > computed.earlier)
        ]
        assert gave == []  # and the giver no longer does
    with db.connect() as connection:
        overlaid = connection.execute(
            sa.select(sa.func.count()).select_from(handover_items).where(handover_items.c.overlaid)
        ).scalar_one()
    assert overlaid == len(moved) and first.snapshot_id < second.snapshot_id

    third = publish(pub_settings, as_of=computed.latest)  # again: the same rows, nothing whole
    assert _rows(db) == after and third.reference_written["relationships"] == 0
    assert third.handovers == 0  # no feed row changed: no item taken out


def test_without_handovers_the_store_and_the_ledger_agree_on_the_feed(
    pub_settings: Settings, computed: Computed, tmp_path: Path
) -> None:
    publish(pub_settings, as_of=computed.latest)
    store = _rows(open_store(pub_settings))
    ledger = pq.read_table(WarehouseLayout(pub_settings.warehouse_dir).ledger_file(computed.latest))
    filed = {
        (r["customer_id"], r["staff_id"], r["role"], r["valid_from"]): (
            r["valid_to"],
            float(r["share_pct"]) if r["share_pct"] is not None else None,
        )
        for r in ledger.to_pylist()
    }
    assert len(store) > 100 and filed == store
