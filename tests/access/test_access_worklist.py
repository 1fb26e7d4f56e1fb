"""The work list through the access layer, on SQLite and PostgreSQL, over the hand-built world
(access/builders.py) and a hand-made list file (support/worklist.py): whose list a user may read
(a broker their own, a lead their team's, a manager their units', HQ anyone; else 404), the
budget and the paged, filtered inbox, rows cut to the reader's scope, done / snooze / dismiss
with their checks, states and audit, and completion by broker."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import sqlalchemy as sa

from access.builders import AS_OF, PREVIOUS, World
from brokerlens.access.records import ContactInput
from brokerlens.access.worklist import work_list
from brokerlens.access.worklist_actions import WorkItemClosed, dismiss, mark_done, snooze
from brokerlens.access.worklist_team import completion
from brokerlens.errors import Forbidden, InvalidRequest, NotFound
from brokerlens.store.marketing_schema import (
    campaign_members,
    campaigns,
    service_records,
    work_item_states,
)
from brokerlens.store.schema import audit_log
from support.worklist import world_rows, write_worklist


@pytest.fixture
def listed(world: World) -> World:
    write_worklist(world.settings, AS_OF, world_rows(AS_OF))
    write_worklist(world.settings, PREVIOUS, world_rows(PREVIOUS))
    return world


def _audits(world: World, action: str) -> list[Any]:
    with world.engine.connect() as connection:
        return list(
            connection.execute(
                sa.select(audit_log).where(audit_log.c.action == action).order_by(audit_log.c.at)
            ).mappings()
        )


def _call() -> ContactInput:
    return ContactInput(channel="phone", purpose="", content="电话沟通，客户同意", result="reached")


def test_a_broker_reads_their_budget_in_scope_with_reasons_and_offer(listed: World) -> None:
    found = work_list(listed.engine, listed.settings, listed.who("broker"))
    assert found.as_of_date == AS_OF and found.available and found.staff_id == "S1"
    assert found.staff_name == "李雷"
    # C005 moved to S3 on 2025-03-01: S1 no longer sees them, even on their own list
    assert [(r.customer_id, r.rank, r.status) for r in found.rows] == [("C001", 1, "open")]
    row = found.rows[0]
    assert row.kinds == ["alert:no_trade", "churn"]
    assert row.reasons_in("zh") == ["原因 alert:no_trade", "原因 churn"]
    assert row.reasons_in("en") == ["reason alert:no_trade", "reason churn"]
    assert (row.offer_product_name, row.offer_reason) == ("稳健1号", "持仓相符")
    assert found.budget == 1 and found.budget_status == {"open": 1}
    audit = _audits(listed, "view_worklist")[-1]
    assert audit["username"] == "broker" and audit["customer_ids"] == "C001"
    assert audit["detail"]["staff_id"] == "S1"


def test_the_full_inbox_pages_and_filters_by_kind(listed: World) -> None:
    lead = listed.who("lead")
    found = work_list(listed.engine, listed.settings, lead, staff_id="S2", all_items=True)
    # the lead's scope is team T1's customers: C009 (branch B2, nobody's in T1) is cut
    assert [r.customer_id for r in found.rows] == ["C002", "C003"]
    assert found.kind_counts["campaign"] == 1 and found.kind_counts["alert:risk_mismatch"] == 1
    hq = listed.who("hq")
    every = work_list(listed.engine, listed.settings, hq, staff_id="S2", all_items=True)
    assert every.total == 3 and every.budget == 2 and every.inbox == 3
    paged = work_list(
        listed.engine, listed.settings, hq, staff_id="S2", all_items=True, page=2, page_size=2
    )
    assert [r.customer_id for r in paged.rows] == ["C009"] and paged.total == 3
    alerts = work_list(
        listed.engine, listed.settings, hq, staff_id="S2", all_items=True, kind="alert"
    )
    assert [r.customer_id for r in alerts.rows] == ["C003"]
    one = work_list(
        listed.engine, listed.settings, hq, staff_id="S2", all_items=True, kind="campaign:7"
    )
    assert [r.customer_id for r in one.rows] == ["C002"]
    with pytest.raises(InvalidRequest, match=r"^kind"):
        work_list(listed.engine, listed.settings, hq, staff_id="S2", kind="lottery")
    with pytest.raises(InvalidRequest, match=r"^page"):
        work_list(listed.engine, listed.settings, hq, staff_id="S2", all_items=True, page=0)


@pytest.mark.parametrize(
    ("who", "staff_id", "allowed"),
    [
        ("broker", "S2", False),
        ("broker", "S1", True),
        ("lead", "S2", True),
        ("lead", "S4", False),
        ("branch", "S3", True),
        ("branch", "S4", False),
        ("region2", "S4", True),
        ("region2", "S1", False),
        ("hq", "S4", True),
        ("hq", "NOBODY", False),
    ],
)
def test_whose_list_a_user_may_read(listed: World, who: str, staff_id: str, allowed: bool) -> None:
    principal = listed.who(who)
    if allowed:
        found = work_list(listed.engine, listed.settings, principal, staff_id=staff_id)
        assert found.staff_id == staff_id
    else:
        with pytest.raises(NotFound):
            work_list(listed.engine, listed.settings, principal, staff_id=staff_id)


def test_a_manager_must_name_the_broker_and_an_unkept_date_is_empty(listed: World) -> None:
    with pytest.raises(InvalidRequest, match=r"^staff_id"):
        work_list(listed.engine, listed.settings, listed.who("branch"))
    none = work_list(
        listed.engine, listed.settings, listed.who("broker"), as_of=dt.date(2025, 1, 2)
    )
    assert not none.available and none.rows == [] and none.dates == [PREVIOUS, AS_OF]


def test_snooze_and_dismiss_are_checked_kept_and_audited(listed: World) -> None:
    broker2 = listed.who("broker2")
    args = (listed.engine, listed.settings, broker2)
    for bad in (AS_OF, AS_OF + dt.timedelta(days=91)):
        with pytest.raises(InvalidRequest, match=r"^until"):
            snooze(*args, "C002", bad)
    with pytest.raises(InvalidRequest, match=r"^reason"):
        dismiss(*args, "C003", "  ")
    with pytest.raises(NotFound):
        snooze(*args, "C001", AS_OF + dt.timedelta(days=3))  # on S1's list, not S2's
    later = AS_OF + dt.timedelta(days=3)
    assert snooze(*args, "C002", later).status == "snoozed"
    assert dismiss(*args, "C003", "客户已销户").status == "dismissed"
    with pytest.raises(WorkItemClosed):
        dismiss(*args, "C003", "again")
    found = work_list(*args)
    shown = {r.customer_id: (r.status, r.snooze_until, r.state_reason) for r in found.rows}
    assert shown == {"C002": ("snoozed", later, None), "C003": ("dismissed", None, "客户已销户")}
    assert found.budget_status == {"snoozed": 1, "dismissed": 1}
    assert [a["customer_ids"] for a in _audits(listed, "worklist_snoozed")] == ["C002"]
    assert _audits(listed, "worklist_dismissed")[0]["detail"]["reason"] == "客户已销户"
    with listed.engine.connect() as connection:
        kinds = connection.execute(
            sa.select(work_item_states.c.kinds).where(work_item_states.c.customer_id == "C002")
        ).scalar_one()
    assert kinds == ["campaign:7", "callback_due"]


def test_an_earlier_snooze_still_running_shows_on_the_next_list(listed: World) -> None:
    broker2 = listed.who("broker2")
    snooze(
        listed.engine,
        listed.settings,
        broker2,
        "C003",
        AS_OF + dt.timedelta(days=2),
        as_of=PREVIOUS,
    )
    found = work_list(listed.engine, listed.settings, broker2)
    assert {r.customer_id: r.status for r in found.rows} == {"C002": "open", "C003": "snoozed"}


def test_done_logs_the_contact_and_closes_the_item(listed: World) -> None:
    broker = listed.who("broker")
    item, record = mark_done(listed.engine, listed.settings, broker, "C001", _call())
    assert item.status == "done" and item.record_id == record.record_id
    assert record.work_item_date == AS_OF and record.purpose == "service"
    with pytest.raises(WorkItemClosed):
        mark_done(listed.engine, listed.settings, broker, "C001", _call())
    with pytest.raises(NotFound):  # on S1's file, but no longer S1's customer
        mark_done(listed.engine, listed.settings, broker, "C005", _call())
    with listed.engine.connect() as connection:
        logged = connection.execute(sa.select(service_records)).mappings().all()
    assert [(r["customer_id"], r["content"]) for r in logged] == [("C001", "电话沟通，客户同意")]
    assert work_list(listed.engine, listed.settings, broker).rows[0].status == "done"
    assert _audits(listed, "worklist_done")[0]["detail"]["record_id"] == record.record_id
    assert _audits(listed, "log_contact")


def test_done_on_a_campaign_item_counts_the_contact_for_the_campaign(listed: World) -> None:
    now = dt.datetime.now(dt.UTC)
    with listed.engine.begin() as connection:
        connection.execute(
            campaigns.insert().values(
                campaign_id=7, name="春季理财", goal="product_purchase", source_kind="segment",
                source_id="1", window_start=PREVIOUS, window_end=AS_OF + dt.timedelta(days=30),
                channel="phone", holdout_share=0.1, seed=7, status="launched", owner_user_id=1,
                created_by="hq", created_at=now, members=1, treatment=1, holdout=0,
            )
        )  # fmt: skip
        connection.execute(
            campaign_members.insert().values(
                campaign_id=7, customer_id="C002", grp="treatment", staff_id="S2"
            )
        )
    item, record = mark_done(listed.engine, listed.settings, listed.who("broker2"), "C002", _call())
    assert (record.campaign_id, record.purpose) == (7, "marketing")
    with listed.engine.connect() as connection:
        contacted = connection.execute(sa.select(campaign_members.c.contacted_on)).scalar_one()
    assert contacted is not None and item.status == "done"


def test_done_checks_the_contact_naming_the_field(listed: World) -> None:
    bad = ContactInput(channel="pigeon", purpose="", content="x", result="reached")
    with pytest.raises(InvalidRequest, match=r"^channel"):
        mark_done(listed.engine, listed.settings, listed.who("broker"), "C001", bad)
    found = work_list(listed.engine, listed.settings, listed.who("broker"))
    assert found.rows[0].status == "open"


def test_completion_by_broker_for_leads_and_managers(listed: World) -> None:
    broker2 = listed.who("broker2")
    dismiss(listed.engine, listed.settings, broker2, "C003", "已处理")
    snooze(listed.engine, listed.settings, broker2, "C002", AS_OF + dt.timedelta(days=5))
    with pytest.raises(Forbidden):
        completion(listed.engine, listed.settings, listed.who("broker"))
    lead = completion(listed.engine, listed.settings, listed.who("lead"))
    by = {r.staff_id: r for r in lead.rows}
    assert set(by) == {"S1", "S2", "A1"}  # team T1's brokers with a list
    s2 = by["S2"]
    assert (s2.budget, s2.done, s2.snoozed, s2.dismissed, s2.open, s2.inbox) == (2, 0, 1, 1, 0, 3)
    assert s2.rate == 0.0 and by["S1"].budget == 2 and by["S1"].open == 2
    region2 = completion(listed.engine, listed.settings, listed.who("region2"))
    assert [r.staff_id for r in region2.rows] == ["S4"]
    hq = completion(listed.engine, listed.settings, listed.who("hq"))
    assert {r.staff_id for r in hq.rows} == {"S1", "S2", "S3", "S4", "A1"}
    assert hq.totals["budget"] == 7 and hq.totals["dismissed"] == 1
    audit = _audits(listed, "view_worklist_completion")[-1]
    assert audit["customer_ids"] is None and audit["detail"]["brokers"] == 5


def test_a_lead_acts_on_a_team_members_list_and_others_may_not(listed: World) -> None:
    args = (listed.engine, listed.settings)
    with pytest.raises(NotFound):  # S2 is not in region R2
        dismiss(*args, listed.who("region2"), "C003", "不在辖区", staff_id="S2")
    item = dismiss(*args, listed.who("lead"), "C003", "团队长代为处理", staff_id="S2")
    assert (item.staff_id, item.state_by) == ("S2", "lead")
    shown = work_list(*args, listed.who("broker2")).rows
    assert {r.customer_id: r.state_by for r in shown}["C003"] == "lead"
