"""The report by branch (积分负债) over the hand-built lake and store entries made by hand: the
flows per branch add up to the outstanding points, a customer who redeemed is replayed lot by
lot (a lot partly spent lapses with what is left of it, not whole), a cancelled order nets to
nothing, a positive adjustment lapses at its own expiry; staff roles are refused; audited."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa

from brokerlens.access.points_report import points_liability
from brokerlens.auth.principal import Principal, Role
from brokerlens.errors import Forbidden
from brokerlens.store import dispose_engines, open_store
from brokerlens.store.points_schema import points_entries, points_items, points_orders
from brokerlens.store.schema import audit_log
from points.conftest import Lake

D = dt.date
WHEN = dt.datetime(2025, 4, 10, 2, 0, tzinfo=dt.UTC)
HQ = Principal(user_id=1, username="hq", display_name="总部", role=Role.HQ_MARKETING)


def _entry(
    customer: str, branch: str, day: str, kind: str, points: int, **kw: Any
) -> dict[str, Any]:
    return {
        "customer_id": customer,
        "branch_id": branch,
        "entry_date": D.fromisoformat(day),
        "kind": kind,
        "points": points,
        "username": "hq",
        "at": WHEN,
        "order_id": None,
        "expires_on": None,
        "reason": None,
        "request_id": None,
        **kw,
    }


@pytest.fixture(scope="module")
def store(lake: Lake) -> Iterator[sa.Engine]:
    """CT redeems 6 on 04-10 (its 5 of 03-27, 1 of the 4 earned on 03-31 that lapse 2026-03-31);
    CP's order of 20 is cancelled the next day; CB2 gets 10 by hand, lapsing 2025-06-12."""
    db = open_store(lake.settings)
    item = {"name_zh": "茶杯", "kind": "goods", "points_price": 1, "active": True}
    stamp = {"created_by": "hq", "created_at": WHEN, "updated_by": "hq", "updated_at": WHEN}
    order = {"item_id": 1, "placed_by": "hq", "placed_at": WHEN, "placed_on": D(2025, 4, 10)}
    with db.begin() as connection:
        connection.execute(points_items.insert().values(item_id=1, **item, **stamp))
        connection.execute(
            points_orders.insert(),
            [
                {
                    "order_id": 1,
                    "customer_id": "CT",
                    "branch_id": "B1",
                    "quantity": 6,
                    "points": 6,
                    "status": "placed",
                    **order,
                },
                {
                    "order_id": 2,
                    "customer_id": "CP",
                    "branch_id": "B1",
                    "quantity": 20,
                    "points": 20,
                    "status": "cancelled",
                    **order,
                },
            ],
        )
        connection.execute(
            points_entries.insert(),
            [
                _entry("CT", "B1", "2025-04-10", "redemption", -6, order_id=1),
                _entry("CP", "B1", "2025-04-10", "redemption", -20, order_id=2),
                _entry("CP", "B1", "2025-04-11", "return", 20, order_id=2),
                _entry(
                    "CB2",
                    "B2",
                    "2025-04-12",
                    "adjustment",
                    10,
                    expires_on=D(2025, 6, 12),
                    reason="补发",
                    request_id=9,
                ),
            ],
        )
    yield db
    dispose_engines()


def _rows(db: sa.Engine, lake: Lake, day: dt.date) -> dict[str | None, tuple[int, ...]]:
    found = points_liability(lake.settings, db, HQ, as_of=day)
    return {
        r.branch_id: (r.issued, r.adjusted, r.redeemed, r.expired, r.outstanding, r.expiring)
        for r in [*found.rows, found.total]
    }


def test_a_year_on_a_partly_spent_lot_lapses_with_what_is_left(
    store: sa.Engine, lake: Lake
) -> None:
    # B1 issued 899 (every award but CB2's); CT's lot of 4 lapsed on 2026-03-31 with 3 left
    assert _rows(store, lake, D(2026, 4, 15)) == {
        "B1": (899, 0, 6, 3, 890, 0),
        "B2": (1, 10, 0, 10, 1, 0),
        None: (900, 10, 6, 13, 891, 0),
    }


def test_before_anything_lapses_the_outstanding_is_what_was_not_spent(
    store: sa.Engine, lake: Lake
) -> None:
    assert _rows(store, lake, D(2025, 4, 30))["B1"] == (899, 0, 6, 0, 893, 0)
    # the redemption is not yet made on 04-01: nothing redeemed, the cancelled order nets to 0
    assert _rows(store, lake, D(2025, 4, 1))["B1"] == (899, 0, 0, 0, 899, 0)


def test_points_lapsing_within_30_days_count_only_what_is_left(
    store: sa.Engine, lake: Lake
) -> None:
    # by 2027-03-31: CT's lots of 03-27 were spent (0 left), 03-28's 600 and 03-31's 150 lapse
    assert _rows(store, lake, D(2027, 3, 1))["B1"][5] == 750
    assert _rows(store, lake, D(2027, 3, 1))["B2"][5] == 1


def test_staff_roles_are_refused_and_the_read_is_audited(store: sa.Engine, lake: Lake) -> None:
    broker = Principal(user_id=2, username="b", display_name="b", role=Role.BROKER, staff_id="S1")
    with pytest.raises(Forbidden):
        points_liability(lake.settings, store, broker)
    with store.connect() as connection:
        rows = (
            connection.execute(
                sa.select(audit_log.c.detail).where(audit_log.c.action == "points_report_view")
            )
            .scalars()
            .all()
        )
    assert {"as_of": "2025-04-01", "branches": 2} in rows
