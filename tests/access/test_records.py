"""Service records through the access layer, on SQLite and PostgreSQL: logging a contact for a
customer in scope only, every field checked with its name, the audit row, a campaign's first
contact, the author's 24-hour edit window on a clock the test moves, and the timeline."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import sqlalchemy as sa

from access.builders import World
from brokerlens.access.records import ContactInput, ContactRejected, log_contact
from brokerlens.errors import InvalidRequest, NotFound
from brokerlens.store.marketing_schema import campaign_members, campaigns, service_records
from brokerlens.store.schema import audit_log

# 10:00 Beijing on 2025-03-17: "today" for the checks is 2025-03-17
NOW = dt.datetime(2025, 3, 17, 2, 0, tzinfo=dt.UTC)
TODAY = dt.date(2025, 3, 17)


def _call(**changes: Any) -> ContactInput:
    values: dict[str, Any] = {
        "channel": "phone",
        "purpose": "service",
        "content": "电话回访，客户对近期收益满意",
        "result": "reached",
    }
    values.update(changes)
    return ContactInput(**values)


def _audit(world: World, action: str) -> list[Any]:
    with world.engine.connect() as connection:
        return list(
            connection.execute(
                sa.select(audit_log)
                .where(audit_log.c.action == action)
                .order_by(audit_log.c.audit_id)
            ).mappings()
        )


def _count(world: World) -> int:
    with world.engine.connect() as connection:
        return connection.execute(
            sa.select(sa.func.count()).select_from(service_records)
        ).scalar_one()


def test_a_broker_logs_a_contact_with_their_customer(world: World) -> None:
    broker = world.who("broker")
    record = log_contact(
        world.engine,
        broker,
        "C001",
        _call(next_step="带产品资料上门", next_date=dt.date(2025, 3, 24)),
        now=NOW,
    )
    assert record.customer_id == "C001" and record.staff_id == "S1"
    assert record.username == "broker" and record.user_id == broker.user_id
    assert record.contact_at == NOW and record.created_at == NOW
    assert record.next_date == dt.date(2025, 3, 24) and record.next_step == "带产品资料上门"
    with world.engine.connect() as connection:
        stored = connection.execute(sa.select(service_records)).mappings().one()
    assert stored["content"] == "电话回访，客户对近期收益满意"
    assert stored["next_date"] == dt.date(2025, 3, 24)
    (audited,) = _audit(world, "log_contact")
    assert audited["username"] == "broker" and audited["customer_ids"] == "C001"
    assert audited["detail"]["record_id"] == record.record_id
    assert audited["detail"]["channel"] == "phone"


def test_a_customer_out_of_scope_answers_like_an_unknown_one(world: World) -> None:
    broker = world.who("broker")
    with pytest.raises(NotFound) as hidden:
        log_contact(world.engine, broker, "C003", _call(), now=NOW)  # S2's customer
    with pytest.raises(NotFound) as missing:
        log_contact(world.engine, broker, "C999", _call(), now=NOW)
    assert hidden.value.message.replace("C003", "X") == missing.value.message.replace("C999", "X")
    assert _count(world) == 0 and _audit(world, "log_contact") == []
    # the branch manager of B1 sees C003 and may log for it
    assert log_contact(world.engine, world.who("branch"), "C003", _call(), now=NOW).staff_id is None


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"channel": "fax"}, "channel"),
        ({"purpose": "gossip"}, "purpose"),
        ({"result": "maybe"}, "result"),
        ({"content": "   "}, "content"),
        ({"content": "长" * 2001}, "content"),
        ({"next_step": "再联系", "next_date": TODAY}, "next_date"),
        ({"next_step": "再联系", "next_date": TODAY + dt.timedelta(days=366)}, "next_date"),
        ({"next_date": TODAY + dt.timedelta(days=3)}, "next_step"),
        ({"contact_at": NOW + dt.timedelta(hours=1)}, "contact_at"),
    ],
)
def test_each_bad_field_is_named(world: World, changes: dict[str, Any], field: str) -> None:
    with pytest.raises(ContactRejected) as refused:
        log_contact(world.engine, world.who("broker"), "C001", _call(**changes), now=NOW)
    assert refused.value.field == field
    assert refused.value.message.startswith(f"{field}: ")
    assert isinstance(refused.value, InvalidRequest)  # answered 422 on the web
    assert _count(world) == 0


def test_the_edges_of_the_checks_pass(world: World) -> None:
    broker = world.who("broker")
    record = log_contact(
        world.engine,
        broker,
        "C001",
        _call(
            content="长" * 2000,
            next_step="再联系",
            next_date=TODAY + dt.timedelta(days=365),
            # typed in Beijing time: 09:30 CST is 01:30 UTC
            contact_at=dt.datetime(2025, 3, 17, 9, 30),
        ),
        now=NOW,
    )
    assert len(record.content) == 2000
    assert record.contact_at == dt.datetime(2025, 3, 17, 1, 30, tzinfo=dt.UTC)


def _campaign(world: World) -> int:
    with world.engine.begin() as connection:
        campaign_id = connection.execute(
            campaigns.insert()
            .values(
                name="春季理财",
                goal="product_purchase",
                source_kind="segment",
                source_id="seg1",
                window_start=dt.date(2025, 3, 10),
                window_end=dt.date(2025, 4, 10),
                channel="phone",
                holdout_share=0.1,
                seed=1,
                status="launched",
                owner_user_id=world.who("hq").user_id,
                created_by="hq",
                created_at=NOW,
            )
            .returning(campaigns.c.campaign_id)
        ).scalar_one()
        connection.execute(
            campaign_members.insert(),
            [
                {"campaign_id": campaign_id, "customer_id": "C001", "grp": "treatment"},
                {"campaign_id": campaign_id, "customer_id": "C002", "grp": "holdout"},
            ],
        )
    return int(campaign_id)


def _contacted(world: World, campaign_id: int) -> dict[str, dt.date | None]:
    with world.engine.connect() as connection:
        rows = connection.execute(
            sa.select(campaign_members.c.customer_id, campaign_members.c.contacted_on).where(
                campaign_members.c.campaign_id == campaign_id
            )
        ).all()
    return {c: d for c, d in rows}


def test_a_campaign_contact_marks_the_first_contact_only(world: World) -> None:
    campaign_id = _campaign(world)
    broker = world.who("broker")
    # 23:30 Beijing on the 16th is 15:30 UTC: contacted on the Beijing date
    first = dt.datetime(2025, 3, 16, 15, 30, tzinfo=dt.UTC)
    record = log_contact(
        world.engine,
        broker,
        "C001",
        _call(purpose="marketing", campaign_id=campaign_id, contact_at=first),
        now=NOW,
    )
    assert record.campaign_id == campaign_id
    assert _contacted(world, campaign_id)["C001"] == dt.date(2025, 3, 16)
    log_contact(world.engine, broker, "C001", _call(campaign_id=campaign_id), now=NOW)
    assert _contacted(world, campaign_id)["C001"] == dt.date(2025, 3, 16)
    # C002 is in the holdout: contacting it for the campaign would spoil the measurement
    with pytest.raises(ContactRejected, match="holdout") as holdout:
        log_contact(world.engine, broker, "C002", _call(campaign_id=campaign_id), now=NOW)
    assert holdout.value.field == "campaign_id"
    with pytest.raises(ContactRejected, match="no campaign"):
        log_contact(world.engine, broker, "C001", _call(campaign_id=campaign_id + 7), now=NOW)
    lead = world.who("lead")
    with pytest.raises(ContactRejected, match="not a member"):
        log_contact(world.engine, lead, "C003", _call(campaign_id=campaign_id), now=NOW)
    assert _contacted(world, campaign_id)["C002"] is None
    assert _count(world) == 2
