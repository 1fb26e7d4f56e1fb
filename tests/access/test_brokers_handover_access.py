"""Handovers through the service layer on the hand-built store (tests/access/builders.py):
preview, request, approval by someone else in reach, scope following at once (store and
columnar readers), the unit rule (a receiver in another branch makes it head office's), the
refusals, reject, the disable guard, audit."""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import sqlalchemy as sa

from access.builders import AS_OF, World
from access.columnar_support import READERS, serve_from
from brokerlens.access import CustomerQuery, list_customers
from brokerlens.access.approvals import approve, get_approval, reject
from brokerlens.access.conditions import Condition
from brokerlens.access.handovers import (
    HandoverInput,
    HandoverRejected,
    get_handover,
    list_handovers,
    preview_handover,
    request_handover,
    staff_book_left,
)
from brokerlens.access.segments import create_segment
from brokerlens.access.users import disable_account
from brokerlens.auth.principal import Permission
from brokerlens.errors import Conflict, Forbidden, NotFound
from brokerlens.publish.handovers import overlay_rows, put_back, take_out
from brokerlens.store.brokers_handover_schema import handover_items
from brokerlens.store.schema import audit_log, relationships
from brokerlens.warehouse.layout import WarehouseLayout


@pytest.fixture(params=READERS)
def world(world: World, request: pytest.FixtureRequest, tmp_path: Path) -> World:
    return serve_from(request.param, world, tmp_path)


def ids(world: World, who: str) -> set[str]:
    page = list_customers(world.engine, world.who(who), CustomerQuery(page_size=200))
    return {r["customer_id"] for r in page.rows}


def _audited(world: World, action: str) -> list[tuple[str, list[str], dict]]:
    with world.engine.connect() as connection:
        rows = connection.execute(
            sa.select(audit_log.c.username, audit_log.c.customer_ids, audit_log.c.detail)
            .where(audit_log.c.action == action)
            .order_by(audit_log.c.audit_id)
        ).all()
    return [(r[0], [c for c in (r[1] or "").split(",") if c], dict(r[2] or {})) for r in rows]


def _admin(world: World) -> object:
    admin = world.who("admin")
    return dataclasses.replace(admin, extra_permissions=frozenset({Permission.MANAGE_USERS}))


def test_a_whole_book_moves_once_approved_and_scope_follows_at_once(world: World) -> None:
    branch, region = world.who("branch"), world.who("region")
    book = HandoverInput(giver_id="S1", receiver_id="S2", reason="李雷离职")
    seen = preview_handover(world.engine, world.settings, branch, book)
    assert seen.effective_date == AS_OF  # default: the served date, so scope changes at once
    assert {m.customer_id: m.roles for m in seen.customers} == {
        "C001": ["servicer"],
        "C002": ["developer"],
    }  # C005's relationship with S1 ended before the served date
    assert seen.roles == ["developer", "servicer"] and seen.unit_id == "B1"
    assert seen.total_assets == 1_750_000
    assert seen.commission_basis == "none" and seen.commission_cents is None  # no month kept
    assert ids(world, "broker") == {"C001", "C002"}

    asked = request_handover(world.engine, world.settings, branch, book)
    assert asked.status == "pending" and asked.customer_ids == ["C001", "C002"]
    assert ids(world, "broker") == {"C001", "C002"}  # nothing moves before the approval
    with pytest.raises(Forbidden):  # the requester never decides their own request
        approve(world.engine, world.settings, branch, asked.request_id)
    with pytest.raises(NotFound):  # another region's manager does not see it
        approve(world.engine, world.settings, world.who("region2"), asked.request_id)

    done = approve(world.engine, world.settings, region, asked.request_id, "同意")
    assert done.status == "approved" and "2 customers" in (done.effect or "")
    assert ids(world, "broker") == set()  # the giver no longer sees them
    assert ids(world, "broker2") == {"C001", "C002", "C003"}  # the receiver does
    assert get_handover(world.engine, branch, asked.handover_id).status == "applied"
    # the store's rows: the giver's end at the date, the receiver's start there
    with world.engine.connect() as connection:
        rows = connection.execute(
            sa.select(
                relationships.c.customer_id,
                relationships.c.staff_id,
                relationships.c.role,
                relationships.c.start_date,
                relationships.c.end_date,
                relationships.c.share_pct,
            )
            .where(relationships.c.customer_id.in_(["C001", "C002"]))
            .order_by(relationships.c.customer_id, relationships.c.role, relationships.c.staff_id)
        ).all()
        kept = connection.execute(sa.select(sa.func.count()).select_from(handover_items)).scalar()
    assert [tuple(r) for r in rows] == [
        ("C001", "S1", "servicer", dt.date(2024, 1, 1), AS_OF, 100.0),
        ("C001", "S2", "servicer", AS_OF, None, 100.0),
        ("C002", "S1", "developer", dt.date(2024, 1, 1), AS_OF, 100.0),
        ("C002", "S2", "developer", AS_OF, None, 100.0),
        ("C002", "S2", "servicer", dt.date(2024, 6, 1), None, 100.0),
    ]
    assert kept == 2
    (applied,) = _audited(world, "handover_apply")
    assert applied[0] == "region" and sorted(applied[1]) == ["C001", "C002"]
    assert _audited(world, "handover_request")[0][1] == ["C001", "C002"]
    assert staff_book_left(world.engine, branch, "S1").customers == 0


def test_a_receiver_in_another_branch_makes_it_head_office_s(world: World) -> None:
    branch, hq = world.who("branch"), world.who("hq")
    one = HandoverInput(giver_id="S1", receiver_id="S4", customer_ids=["C001"])
    asked = request_handover(world.engine, world.settings, branch, one)
    assert asked.unit_id is None and asked.customer_ids == ["C001"]
    request = get_approval(world.engine, hq, asked.request_id)
    assert request.may_decide
    with pytest.raises(NotFound):  # the branch's region manager does not decide head office's
        approve(world.engine, world.settings, world.who("region"), asked.request_id)
    approve(world.engine, world.settings, hq, asked.request_id)
    assert ids(world, "broker") == {"C002"}
    with world.engine.connect() as connection:
        s4 = connection.execute(
            sa.select(relationships.c.customer_id).where(
                relationships.c.staff_id == "S4", relationships.c.customer_id == "C001"
            )
        ).scalar()
    assert s4 == "C001"


def test_refusals(world: World) -> None:
    branch, settings, db = world.who("branch"), world.settings, world.engine
    with pytest.raises(Forbidden, match="manage_org"):
        preview_handover(db, settings, world.who("broker"), HandoverInput("S1", "S2"))
    with pytest.raises(NotFound):  # S4 is in another region: out of the branch's reach
        preview_handover(db, settings, branch, HandoverInput("S4", "S1"))
    bad = {
        "receiver_id": HandoverInput("S1", "S1"),
        "roles": HandoverInput("S1", "S2", roles=["boss"]),
        "effective_date": HandoverInput("S1", "S2", effective_date=AS_OF - dt.timedelta(days=1)),
    }
    for field, entry in bad.items():
        with pytest.raises(HandoverRejected) as refused:
            preview_handover(db, settings, branch, entry)
        assert refused.value.field == field
    with pytest.raises(HandoverRejected, match="holds none"):
        request_handover(db, settings, branch, HandoverInput("S1", "S2", customer_ids=["C007"]))
    first = request_handover(db, settings, branch, HandoverInput("S1", "S2", roles=["servicer"]))
    assert first.roles == ["servicer"] and first.customer_ids == ["C001"]


def test_a_rejected_handover_moves_nothing(world: World) -> None:
    branch, region = world.who("branch"), world.who("region")
    asked = request_handover(world.engine, world.settings, branch, HandoverInput("S1", "S2"))
    reject(world.engine, world.settings, region, asked.request_id, "先别移交")
    assert get_handover(world.engine, branch, asked.handover_id).status == "rejected"
    assert ids(world, "broker") == {"C001", "C002"}
    listed = list_handovers(world.engine, world.who("broker2"))  # the receiver's reach
    assert [h.handover_id for h in listed] == [asked.handover_id]
    assert list_handovers(world.engine, world.who("region2")) == []


def test_an_account_is_disabled_only_once_its_book_is_handed_over(world: World) -> None:
    admin = _admin(world)
    with pytest.raises(Conflict, match="developer 1, servicer 1"):
        disable_account(world.engine, admin, "broker")
    left = staff_book_left(world.engine, world.who("branch"), "S1")
    assert left.by_role == {"developer": 1, "servicer": 1}
    asked = request_handover(
        world.engine, world.settings, world.who("branch"), HandoverInput("S1", "S2")
    )
    assert [h.handover_id for h in left.open_handovers] == []
    approve(world.engine, world.settings, world.who("hq"), asked.request_id)
    assert disable_account(world.engine, admin, "broker").active is False


def _servicers(world: World, customer: str) -> list[tuple[str, dt.date, dt.date | None]]:
    with world.engine.connect() as connection:
        rows = connection.execute(
            sa.select(
                relationships.c.staff_id, relationships.c.start_date, relationships.c.end_date
            )
            .where(relationships.c.customer_id == customer, relationships.c.role == "servicer")
            .order_by(relationships.c.start_date, relationships.c.staff_id)
        ).all()
    return [tuple(r) for r in rows]


def test_a_chain_on_one_day_and_publish_taking_it_out_and_back(world: World) -> None:
    branch, region = world.who("branch"), world.who("region")
    before = _servicers(world, "C001")
    for giver, receiver in (("S1", "S2"), ("S2", "S3"), ("S3", "S1")):
        entry = HandoverInput(giver, receiver, customer_ids=["C001"], roles=["servicer"])
        asked = request_handover(world.engine, world.settings, branch, entry)
        done = approve(world.engine, world.settings, region, asked.request_id)
        assert done.status == "approved", done.effect
    # S2's and S3's rows of that day went (never in force); S1 holds C001 again from the day
    after = _servicers(world, "C001")
    assert after == [("S1", dt.date(2024, 1, 1), AS_OF), ("S1", AS_OF, None)]
    assert ids(world, "broker") == {"C001", "C002"}
    with world.engine.begin() as connection:
        assert overlay_rows(connection) == 1  # net: S1's second row; S2's and S3's went
        assert take_out(connection) == 3
        assert _servicers_on(connection, "C001") == before  # the feed's rows again
        report = put_back(connection, AS_OF)
        assert (report.put_back, report.caught_up) == (3, 0)
        assert _servicers_on(connection, "C001") == after


def _servicers_on(connection: sa.Connection, customer: str) -> list[tuple[object, ...]]:
    rows = connection.execute(
        sa.select(relationships.c.staff_id, relationships.c.start_date, relationships.c.end_date)
        .where(relationships.c.customer_id == customer, relationships.c.role == "servicer")
        .order_by(relationships.c.start_date, relationships.c.staff_id)
    ).all()
    return [tuple(r) for r in rows]


def test_the_preview_sums_last_month_s_net_commission_to_the_cent(world: World) -> None:
    month = dt.date(2025, 2, 1)  # the last complete month before the served 2025-03-14
    path = WarehouseLayout(world.settings.warehouse_dir).month_file(month)
    path.parent.mkdir(parents=True, exist_ok=True)
    money = pa.decimal128(18, 2)
    pq.write_table(
        pa.table(
            {
                "month_start": pa.array([month] * 3, pa.date32()),
                "customer_id": ["C001", "C002", "C003"],
                "net_commission": pa.array(
                    [Decimal("1234.56"), Decimal("0.07"), Decimal("999.99")], money
                ),
            }
        ),
        path,
    )
    seen = preview_handover(
        world.engine, world.settings, world.who("branch"), HandoverInput("S1", "S2")
    )
    assert (seen.commission_basis, seen.commission_month) == ("last_complete_month", month)
    assert seen.commission_cents == 123_463  # C001 + C002; C003 is not S1's


def test_without_a_complete_month_the_preview_sums_the_month_to_date(world: World) -> None:
    month = AS_OF.replace(day=1)  # no customer_month of February: the statements' income file
    path = WarehouseLayout(world.settings.warehouse_dir).income_file(month)
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(
        pa.table(
            {
                "day": pa.array([month, AS_OF, AS_OF + dt.timedelta(days=3), month], pa.date32()),
                "customer_id": ["C001", "C002", "C001", "C003"],
                "commission_cents": pa.array([123_456, 7, 50_000, 99_999], pa.int64()),
                "product_fee_cents": pa.array([0, 0, 0, 0], pa.int64()),
            }
        ),
        path,
    )
    seen = preview_handover(
        world.engine, world.settings, world.who("branch"), HandoverInput("S1", "S2")
    )
    assert (seen.commission_basis, seen.commission_month) == ("month_to_date", month)
    # C001 + C002 up to the served date; C001's later day and C003 (not S1's) left out
    assert seen.commission_cents == 123_463


def test_publish_takes_out_only_the_items_of_customers_the_feed_changed(world: World) -> None:
    asked = request_handover(
        world.engine, world.settings, world.who("branch"), HandoverInput("S1", "S2")
    )
    approve(world.engine, world.settings, world.who("region"), asked.request_id)
    handed = _servicers(world, "C001")
    with world.engine.begin() as connection:
        assert take_out(connection, {"C002"}) == 1  # C002's developer item only
        assert _servicers_on(connection, "C001") == handed  # C001's stays as handed over
        assert put_back(connection, AS_OF, {"C002"}).put_back == 1
        assert take_out(connection, set()) == 0
    assert ids(world, "broker") == set() and ids(world, "broker2") == {"C001", "C002", "C003"}


def test_a_segment_picks_the_giver_s_customers_it_holds_for(world: World) -> None:
    branch = world.who("branch")
    rich = create_segment(
        world.engine, branch, "百万以上", [Condition(field="total_assets_t", op="ge", value=1e6)]
    )
    entry = HandoverInput("S1", "S2", segment_id=rich.segment_id)
    seen = preview_handover(world.engine, world.settings, branch, entry)
    assert seen.selection == "segment" and seen.customer_ids == ["C001"]  # C002 has 250,000
    made = request_handover(world.engine, world.settings, branch, entry)
    assert made.selection == "segment" and made.customer_ids == ["C001"]
