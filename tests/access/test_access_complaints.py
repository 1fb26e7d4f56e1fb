"""Complaints through the access layer, on SQLite and PostgreSQL: intake within scope, the list
as each role sees it (filters, overdue), handling (assign to someone who may, note, resolve with
satisfaction and a complaint call-back, reopen), who may do what, the audit, and the annual
summary by category and branch with its export."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import sqlalchemy as sa

from access.builders import World
from brokerlens.access.complaint_summary import complaint_summary, summary_due, write_summary
from brokerlens.access.complaints import (
    ComplaintInput,
    ComplaintQuery,
    ComplaintRejected,
    assign_complaint,
    customer_complaints,
    file_complaint,
    get_complaint,
    list_complaints,
    note_complaint,
    reopen_complaint,
    resolve_complaint,
)
from brokerlens.access.exports import CsvText
from brokerlens.compliance.callbacks.config import CallbackConfig
from brokerlens.compliance.complaints.config import load_config
from brokerlens.errors import Conflict, Forbidden, NotFound
from brokerlens.store.compliance_schema import callbacks, complaints
from brokerlens.store.schema import audit_log

# 10:00 Beijing on 2025-03-17
NOW = dt.datetime(2025, 3, 17, 2, 0, tzinfo=dt.UTC)
TODAY = dt.date(2025, 3, 17)
CONFIG = load_config()
CALLBACKS = CallbackConfig()


def _file(world: World, who: str, customer: str, **changes: Any) -> str:
    values: dict[str, Any] = {
        "customer_id": customer,
        "channel": "phone",
        "category": "佣金费用",
        "content": "客户认为佣金高于开户时约定的标准",
    }
    values.update(changes)
    made = file_complaint(world.engine, world.who(who), ComplaintInput(**values), CONFIG, now=NOW)
    return made.complaint_id


def _audit(world: World, action: str) -> list[Any]:
    with world.engine.connect() as connection:
        return list(
            connection.execute(sa.select(audit_log).where(audit_log.c.action == action)).mappings()
        )


def _ids(world: World, who: str, **query: Any) -> set[str]:
    found = list_complaints(world.engine, world.who(who), ComplaintQuery(**query), now=NOW)
    return {r.complaint.complaint_id for r in found.rows}


def test_a_broker_files_and_reads_complaints_of_their_customers_only(world: World) -> None:
    first = _file(world, "broker", "C001")
    assert first == "W00000001"
    made = get_complaint(world.engine, world.who("broker"), first, now=NOW)
    c = made.complaint
    assert (c.status, c.source, c.opened, c.sla_due) == (
        "open",
        "workbench",
        TODAY,
        TODAY + dt.timedelta(days=5),
    )
    assert (c.branch_id, c.keep_until) == ("B1", dt.date(2028, 3, 17))
    assert [e.kind for e in made.events] == ["opened"] and not made.may_handle
    assert made.row.name == "张三" and made.row.days_left == 5
    with pytest.raises(NotFound):  # C004 is S3's customer
        _file(world, "broker", "C004")
    with pytest.raises(ComplaintRejected) as bad:
        _file(world, "broker", "C001", category="天气")
    assert bad.value.field == "category"
    other = _file(world, "compliance", "C007")
    assert other == "W00000002"
    with pytest.raises(NotFound):
        get_complaint(world.engine, world.who("broker"), other)
    assert _ids(world, "broker") == {first}
    assert _ids(world, "branch") == {first}
    assert _ids(world, "region2") == {other}
    assert _ids(world, "compliance") == {first, other}
    audited = _audit(world, "view_complaints")
    assert audited and audited[-1]["customer_ids"] == "C001,C007"


def test_the_list_filters_and_flags_what_is_overdue(world: World) -> None:
    fresh = _file(world, "compliance", "C001")
    old = _file(world, "compliance", "C002", category="资金转账", opened=dt.date(2025, 3, 1))
    with world.engine.begin() as connection:
        connection.execute(
            complaints.update().where(complaints.c.complaint_id == old).values(escalation=1)
        )
    found = list_complaints(world.engine, world.who("compliance"), ComplaintQuery(), now=NOW)
    assert [r.complaint.complaint_id for r in found.rows] == [old, fresh]  # soonest SLA first
    late = found.rows[0]
    assert late.overdue and late.days_left == -13  # due 4 March
    assert found.by_status == {"open": 2}
    assert _ids(world, "compliance", overdue=True) == {old}
    assert _ids(world, "compliance", escalated=True) == {old}
    assert _ids(world, "compliance", category="佣金费用") == {fresh}
    assert _ids(world, "compliance", status="closed") == set()


def test_handling_needs_the_permission_and_an_assignee_who_may(world: World) -> None:
    cid = _file(world, "broker", "C001")
    broker, compliance = world.who("broker"), world.who("compliance")
    with pytest.raises(Forbidden):
        assign_complaint(world.engine, broker, cid, "compliance")
    with pytest.raises(Forbidden):
        resolve_complaint(world.engine, broker, cid, "已退还", 5, CALLBACKS, CONFIG)
    note_complaint(world.engine, broker, cid, "客户来电补充：希望尽快回复", now=NOW)
    for name in ("broker2", "nobody", "region2"):
        with pytest.raises(ComplaintRejected) as bad:
            assign_complaint(world.engine, compliance, cid, name)
        assert bad.value.field == "assigned_to"
    done = assign_complaint(world.engine, compliance, cid, "branch", now=NOW)
    assert (done.assigned_to, done.status) == ("branch", "processing")
    # the branch manager (B1) handles it within their branch, not C007's in B3
    outside = _file(world, "compliance", "C007")
    with pytest.raises(NotFound):
        assign_complaint(world.engine, world.who("branch"), outside, "branch")
    kinds = [e.kind for e in get_complaint(world.engine, compliance, cid).events]
    assert kinds == ["opened", "note", "assigned"]
    assert _audit(world, "assign_complaint")[0]["detail"]["assigned_to"] == "branch"


def test_resolving_closes_it_and_schedules_a_call_back_once(world: World) -> None:
    cid = _file(world, "broker", "C002")
    handler = world.who("branch")
    with pytest.raises(ComplaintRejected) as bad:
        resolve_complaint(world.engine, handler, cid, "已退还差额", 6, CALLBACKS, CONFIG)
    assert bad.value.field == "satisfaction"
    with pytest.raises(ComplaintRejected) as bad:
        resolve_complaint(world.engine, handler, cid, "  ", 4, CALLBACKS, CONFIG)
    assert bad.value.field == "resolution"
    done = resolve_complaint(
        world.engine, handler, cid, "已退还差额", 4, CALLBACKS, CONFIG, now=NOW
    )
    c = done.complaint
    assert (c.status, c.closed, c.satisfaction, c.resolution) == ("closed", TODAY, 4, "已退还差额")
    with world.engine.connect() as connection:
        task = connection.execute(sa.select(callbacks)).one()
    assert (task.kind, task.customer_id, task.source_ref, task.status) == (
        "complaint",
        "C002",
        cid,
        "pending",
    )
    assert task.due_date == TODAY + dt.timedelta(days=7) and task.callback_id == done.callback_id
    with pytest.raises(Conflict):
        resolve_complaint(world.engine, handler, cid, "again", 4, CALLBACKS, CONFIG)
    with pytest.raises(Forbidden):
        reopen_complaint(world.engine, world.who("broker"), cid, "客户不认可")
    back = reopen_complaint(world.engine, handler, cid, "客户不认可处理结果", now=NOW)
    assert (back.status, back.closed, back.resolution) == ("open", None, None)
    again = resolve_complaint(world.engine, handler, cid, "补偿后客户认可", 5, CALLBACKS, CONFIG)
    assert again.callback_id is None  # one complaint call-back per complaint
    kinds = [e.kind for e in get_complaint(world.engine, handler, cid).events]
    assert kinds == ["opened", "resolved", "reopened", "resolved"]
    assert _audit(world, "resolve_complaint")[0]["detail"]["callback_id"] == done.callback_id


def test_the_360_lists_a_customers_complaints(world: World) -> None:
    cid = _file(world, "broker", "C001")
    rows = customer_complaints(world.engine, world.who("broker"), "C001", now=NOW)
    assert [r.complaint.complaint_id for r in rows] == [cid]
    with pytest.raises(NotFound):
        customer_complaints(world.engine, world.who("broker"), "C007")


def _insert(world: World, rows: list[tuple[Any, ...]]) -> None:
    """(id, customer, branch, category, opened, sla_due, closed, satisfaction, escalation)"""
    now = dt.datetime.now(dt.UTC)
    with world.engine.begin() as connection:
        connection.execute(
            complaints.insert(),
            [
                {
                    "complaint_id": i,
                    "customer_id": cust,
                    "branch_id": branch,
                    "source": "feed",
                    "category": cat,
                    "opened": opened,
                    "status": "closed" if closed else "open",
                    "sla_due": due,
                    "closed": closed,
                    "satisfaction": sat,
                    "escalation": esc,
                    "created_by": "feed",
                    "created_at": now,
                    "updated_at": now,
                    "keep_until": dt.date(2030, 1, 1),
                }
                for i, cust, branch, cat, opened, due, closed, sat, esc in rows
            ],
        )


D = dt.date


def test_the_annual_summary_by_category_and_branch(world: World) -> None:
    _insert(
        world,
        [
            ("K1", "C001", "B1", "服务态度", D(2024, 3, 1), D(2024, 3, 6), D(2024, 3, 4), 5, 0),
            ("K2", "C002", "B1", "服务态度", D(2024, 5, 1), D(2024, 5, 6), D(2024, 5, 11), 3, 1),
            ("K3", "C007", "B3", "服务态度", D(2024, 12, 30), D(2025, 1, 4), None, None, 0),
            ("K4", "C007", "B3", "佣金费用", D(2024, 6, 1), D(2024, 6, 6), D(2024, 6, 2), None, 0),
            ("K5", "C001", "B1", "佣金费用", D(2023, 6, 1), D(2023, 6, 6), D(2023, 6, 2), 1, 0),
        ],
    )
    found = complaint_summary(world.engine, world.who("compliance"), 2024)
    assert found.due == D(2025, 4, 30) == summary_due(2024)
    total = found.total
    assert (total.opened, total.closed, total.still_open, total.escalated) == (4, 3, 1, 1)
    assert total.within_sla_pct == 66.7  # K1, K4 of the 3 closed
    assert total.mean_days_to_close == round((3 + 10 + 1) / 3, 1)
    assert total.mean_satisfaction == 4.0  # K1 5, K2 3
    by = {(r.category, r.branch_id): r for r in found.rows}
    assert by[("服务态度", "B1")].opened == 2 and by[("服务态度", "B3")].still_open == 1
    assert [(r.category, r.opened) for r in found.by_category] == [("佣金费用", 1), ("服务态度", 3)]
    assert [(r.branch_id, r.opened) for r in found.by_branch] == [("B1", 2), ("B3", 2)]
    # the branch manager's summary is their branch's; a broker has none
    mine = complaint_summary(world.engine, world.who("branch"), 2024)
    assert mine.total.opened == 2 and {r.branch_id for r in mine.rows} == {"B1"}
    with pytest.raises(Forbidden):
        complaint_summary(world.engine, world.who("broker"), 2024)
    with pytest.raises(ComplaintRejected):
        complaint_summary(world.engine, world.who("compliance"), 1899)
    sink = CsvText()
    done = write_summary(world.engine, world.who("compliance"), 2024, sink)
    lines = sink.text().splitlines()
    assert lines[0].lstrip("\ufeff").startswith("category,branch_id,opened,closed")
    assert done.count == len(lines) - 1 == 3 + 2 + 1
    assert _audit(world, "export")[-1]["detail"]["kind"] == "complaint_summary"
