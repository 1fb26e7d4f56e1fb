"""Service records through the access layer, on SQLite and PostgreSQL: logging a contact for a
customer in scope only, every field checked with its name, the audit row, a campaign's first
contact, the author's 24-hour edit window on a clock the test moves, and the timeline."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import sqlalchemy as sa

from access.builders import World
from brokerlens.access.records import (
    EDIT_WINDOW,
    ContactInput,
    ContactRejected,
    customer_timeline,
    edit_record,
    get_record,
    log_contact,
    patch_record,
)
from brokerlens.errors import Forbidden, InvalidRequest, NotFound
from brokerlens.store.marketing_schema import (
    campaign_members,
    campaigns,
    care_messages,
    service_records,
)
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


def _logged(world: World, who: str = "broker", customer: str = "C001", **changes: Any) -> Any:
    values = {"next_step": "再联系", "next_date": TODAY + dt.timedelta(days=2), **changes}
    return log_contact(world.engine, world.who(who), customer, _call(**values), now=NOW)


def test_the_author_edits_within_24_hours_and_the_audit_keeps_the_old_values(
    world: World,
) -> None:
    record = _logged(world)
    broker = world.who("broker")
    later = NOW + dt.timedelta(hours=23, minutes=59)
    edited = edit_record(
        world.engine,
        broker,
        record.record_id,
        _call(
            content="客户改约下周面谈", result="done", next_step="面谈", next_date=record.next_date
        ),
        now=later,
    )
    assert edited.content == "客户改约下周面谈" and edited.result == "done"
    assert edited.contact_at == record.contact_at  # left out: kept
    assert edited.created_at == NOW and edited.updated_at == later
    (audited,) = _audit(world, "edit_record")
    assert audited["detail"]["old"]["content"] == "电话回访，客户对近期收益满意"
    assert audited["detail"]["old"]["result"] == "reached"
    assert audited["detail"]["new"]["content"] == "客户改约下周面谈"
    patched = patch_record(world.engine, broker, record.record_id, {"channel": "wechat"}, now=later)
    assert patched.channel == "wechat" and patched.content == "客户改约下周面谈"
    assert record.editable_by(broker, later) and not record.editable_by(broker, NOW + EDIT_WINDOW)
    with pytest.raises(ContactRejected) as refused:
        patch_record(world.engine, broker, record.record_id, {"content": ""}, now=later)
    assert refused.value.field == "content"
    with pytest.raises(ContactRejected, match="colour"):
        patch_record(world.engine, broker, record.record_id, {"colour": "red"}, now=later)


def test_after_24_hours_a_record_is_immutable(world: World) -> None:
    record = _logged(world)
    broker = world.who("broker")
    with pytest.raises(Forbidden, match="immutable 24 hours") as closed:
        edit_record(
            world.engine, broker, record.record_id, _call(content="改"), now=NOW + EDIT_WINDOW
        )
    assert "2025-03-17 10:00" in closed.value.message  # when it was logged, Beijing time
    assert get_record(world.engine, broker, record.record_id).content == record.content
    assert _audit(world, "edit_record") == []


def test_only_the_author_edits_and_others_out_of_scope_see_nothing(world: World) -> None:
    record = _logged(world, customer="C002")  # C002: S1 develops, S2 services
    with pytest.raises(Forbidden, match="only its author"):
        edit_record(world.engine, world.who("broker2"), record.record_id, _call(), now=NOW)
    assert get_record(world.engine, world.who("broker2"), record.record_id).record_id == (
        record.record_id
    )
    with pytest.raises(NotFound) as hidden:
        get_record(world.engine, world.who("region2"), record.record_id)
    with pytest.raises(NotFound) as missing:
        get_record(world.engine, world.who("region2"), 987_654)
    assert hidden.value.message.replace(str(record.record_id), "X") == (
        missing.value.message.replace("987654", "X")
    )
    with pytest.raises(NotFound):
        edit_record(world.engine, world.who("region2"), record.record_id, _call(), now=NOW)
    (viewed,) = _audit(world, "view_record")
    assert viewed["username"] == "broker2" and viewed["customer_ids"] == "C002"


def test_an_edit_keeps_a_next_date_that_has_come_but_may_not_move_it_to_the_past(
    world: World,
) -> None:
    record = _logged(world, next_date=TODAY + dt.timedelta(days=1))
    broker = world.who("broker")
    next_day = NOW + dt.timedelta(hours=20)  # 06:00 Beijing on the 18th: the follow-up is today
    kept = patch_record(world.engine, broker, record.record_id, {"result": "done"}, now=next_day)
    assert kept.next_date == TODAY + dt.timedelta(days=1)
    with pytest.raises(ContactRejected) as refused:
        patch_record(world.engine, broker, record.record_id, {"next_date": TODAY}, now=next_day)
    assert refused.value.field == "next_date"


def _care(world: World, customer: str, at: dt.datetime, status: str = "sent") -> None:
    with world.engine.begin() as connection:
        connection.execute(
            care_messages.insert().values(
                rule_id="birthday",
                customer_id=customer,
                occasion_date=at.date(),
                as_of_date=at.date(),
                channel="sms",
                subject="生日快乐",
                body="尊敬的客户，祝您生日快乐！",
                status=status,
                created_at=at,
                sent_at=at if status == "sent" else None,
                sent_by="hq" if status == "sent" else None,
            )
        )


def test_the_timeline_merges_records_contacts_and_care_newest_first(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    feed = [
        {
            "biz_date": dt.date(2025, 3, 12),
            "contact_id": "K2",
            "staff_id": "S1",
            "staff_name": "李雷",
            "channel": "phone",
            "purpose": "callback",
            "result": "reached",
            "duration_s": 95,
        },
        {
            "biz_date": dt.date(2025, 3, 3),
            "contact_id": "K1",
            "staff_id": "S2",
            "staff_name": None,
            "channel": "sms",
            "purpose": "care",
            "result": "done",
            "duration_s": None,
        },
    ]
    asked: list[tuple[str, dt.date]] = []

    def contacts(_settings: Any, customer_id: str, as_of: dt.date) -> list[dict[str, Any]]:
        asked.append((customer_id, as_of))
        return [dict(r) for r in feed]

    monkeypatch.setattr("brokerlens.access.records.recent_contacts", contacts)
    first = _logged(world, contact_at=dt.datetime(2025, 3, 13, 9, 0))
    second = _logged(world, contact_at=dt.datetime(2025, 3, 17, 9, 0), channel="visit")
    _care(world, "C001", dt.datetime(2025, 3, 14, 1, 0, tzinfo=dt.UTC))
    _care(world, "C001", dt.datetime(2025, 3, 1, 1, 0, tzinfo=dt.UTC), status="opted_out")
    _care(world, "C002", dt.datetime(2025, 3, 15, 1, 0, tzinfo=dt.UTC))  # another customer
    broker = world.who("broker")
    found = customer_timeline(world.engine, world.settings, broker, "C001", page=1, size=3)
    assert asked == [("C001", dt.date(2025, 3, 14))]  # the served snapshot's date
    assert found.total == 6 and found.pages == 2
    assert found.counts == {"record": 2, "contact": 2, "care": 2}
    assert [(e.kind, e.record_id or e.ref) for e in found.entries] == [
        ("record", second.record_id),
        ("care", found.entries[1].ref),
        ("record", first.record_id),
    ]
    assert found.entries[0].channel == "visit" and found.entries[0].who == "Broker"
    assert found.entries[0].next_date == TODAY + dt.timedelta(days=2)
    assert found.entries[1].content == "尊敬的客户，祝您生日快乐！" and found.entries[1].who == "hq"
    rest = customer_timeline(world.engine, world.settings, broker, "C001", page=2, size=3)
    assert [(e.kind, e.ref, e.result) for e in rest.entries] == [
        ("contact", "K2", "reached"),
        ("contact", "K1", "done"),
        ("care", rest.entries[2].ref, "opted_out"),
    ]
    assert rest.entries[0].who == "李雷" and rest.entries[0].dated_only
    assert rest.entries[0].duration_s == 95 and rest.entries[1].who == "S2"
    assert found.entries[0].editable_by(broker, NOW)
    assert not found.entries[0].editable_by(world.who("lead"), NOW)
    assert not found.entries[0].editable_by(broker, NOW + EDIT_WINDOW)
    assert not rest.entries[0].editable_by(broker, NOW)
    audited = _audit(world, "view_timeline")
    assert [a["detail"]["page"] for a in audited] == [1, 2]
    assert audited[0]["customer_ids"] == "C001" and audited[0]["detail"]["total"] == 6
    with pytest.raises(NotFound):
        customer_timeline(world.engine, world.settings, broker, "C003", page=1, size=3)
    with pytest.raises(InvalidRequest, match="size"):
        customer_timeline(world.engine, world.settings, broker, "C001", page=1, size=1000)


def test_a_timeline_without_a_lake_still_shows_the_store(world: World) -> None:
    _logged(world)
    found = customer_timeline(world.engine, world.settings, world.who("broker"), "C001")
    assert [e.kind for e in found.entries] == ["record"]
    assert found.counts["contact"] == 0
