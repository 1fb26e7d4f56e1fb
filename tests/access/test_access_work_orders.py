"""Work orders through the service layer, on both stores: made by hand (a customer in the
maker's scope), the lists (mine, my unit's, made by me), open -> in_progress -> done, cancel
with a note, reassign, overdue flagged on the Beijing calendar, audit."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from access.builders import World
from brokerlens.access.work_orders import (
    OrderInput,
    OrderRejected,
    create_order_as,
    get_order,
    list_orders,
    reassign_order,
    set_order_status,
)
from brokerlens.errors import Conflict, Forbidden, NotFound
from brokerlens.store.schema import audit_log

NOW = dt.datetime(2025, 3, 20, 2, 0, tzinfo=dt.UTC)  # 10:00 in Beijing


def _actions(world: World) -> list[str]:
    with world.engine.connect() as connection:
        return list(
            connection.execute(
                sa.select(audit_log.c.action).order_by(audit_log.c.audit_id)
            ).scalars()
        )


def test_an_order_from_made_to_done(world: World) -> None:
    branch, broker = world.who("branch"), world.who("broker")
    with pytest.raises(NotFound):  # C003 is not in the broker's scope
        create_order_as(
            world.engine, broker, OrderInput("核实", "branch", customer_id="C003"), now=NOW
        )
    with pytest.raises(OrderRejected, match="due_date"):
        create_order_as(
            world.engine, branch, OrderInput("x", "broker", due_date=dt.date(2025, 3, 1)), now=NOW
        )
    with pytest.raises(OrderRejected, match="assignee"):
        create_order_as(world.engine, branch, OrderInput("x", "nobody"), now=NOW)
    made = create_order_as(
        world.engine,
        branch,
        OrderInput("回访客户", "broker", customer_id="C001", due_date=dt.date(2025, 3, 21)),
        now=NOW,
    )
    assert made.status == "open" and made.created_by == "branch"
    mine = list_orders(world.engine, broker, "mine", now=NOW)
    assert [(r.order.order_id, r.may_work, r.may_manage, r.overdue) for r in mine] == [
        (made.order_id, True, False, False)
    ]
    assert [r.order.order_id for r in list_orders(world.engine, branch, "made", now=NOW)] == [
        made.order_id
    ]
    with pytest.raises(NotFound):
        get_order(world.engine, world.who("broker2"), made.order_id, now=NOW)
    with pytest.raises(Forbidden, match="assignee"):
        set_order_status(world.engine, branch, made.order_id, "in_progress", now=NOW)
    started = set_order_status(world.engine, broker, made.order_id, "in_progress", now=NOW)
    assert started.order.status == "in_progress"
    later = NOW + dt.timedelta(days=2)
    assert [r.overdue for r in list_orders(world.engine, broker, "mine", now=later)] == [True]
    assert len(list_orders(world.engine, broker, "mine", overdue=True, now=later)) == 1
    done = set_order_status(world.engine, broker, made.order_id, "done", "已回访", now=later)
    assert done.order.status == "done" and done.note == "已回访" and not done.overdue
    with pytest.raises(Conflict):
        set_order_status(world.engine, broker, made.order_id, "cancelled", "x", now=later)
    actions = _actions(world)
    assert {"create_work_order", "work_order_in_progress", "work_order_done"} <= set(actions)
    assert "view_work_orders" in actions


def test_a_manager_sees_the_units_orders_cancels_and_reassigns(world: World) -> None:
    hq, region = world.who("hq"), world.who("region")
    made = create_order_as(world.engine, hq, OrderInput("整理客户资料", "branch"), now=NOW)
    # branch's unit is B1, below region R1; region2 sees nothing of it
    assert [r.order.order_id for r in list_orders(world.engine, region, "unit", now=NOW)] == [
        made.order_id
    ]
    assert list_orders(world.engine, world.who("region2"), "unit", now=NOW) == []
    with pytest.raises(NotFound):  # not the broker's order: answered as an unknown one
        reassign_order(world.engine, world.who("broker"), made.order_id, "broker", now=NOW)
    moved = reassign_order(world.engine, region, made.order_id, "broker2", "换人", now=NOW)
    assert (moved.order.assignee, moved.order.unit_id) == ("broker2", "T1")  # S2's team, below B1
    with pytest.raises(Forbidden, match="maker"):  # the assignee works on it, not reassigns
        reassign_order(world.engine, world.who("broker2"), made.order_id, "broker", now=NOW)
    with pytest.raises(OrderRejected, match="note"):
        set_order_status(world.engine, hq, made.order_id, "cancelled", "", now=NOW)
    cancelled = set_order_status(world.engine, hq, made.order_id, "cancelled", "不需要了", now=NOW)
    assert cancelled.order.status == "cancelled" and cancelled.note == "不需要了"
    assert {"work_order_reassign", "work_order_cancelled"} <= set(_actions(world))
