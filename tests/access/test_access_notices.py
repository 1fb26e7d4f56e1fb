"""Notices (通知公告) through the service layer, on both stores (access/builders.py's org:
HQ > R1 > {B1 > {T1, T2}, B2}, HQ > R2 > B3 > T3): who a notice reaches by unit and role, its
times, who may publish where, the read receipts per unit, withdrawal and drafts, the audit."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
import sqlalchemy as sa

from access.builders import World
from brokerlens.access.notice_receipts import notice_receipts
from brokerlens.access.notices import (
    NoticeInput,
    NoticeRejected,
    addressable_units,
    create_notice,
    get_notice,
    list_notices,
    mark_read,
    publish_notice,
    withdraw_notice,
)
from brokerlens.auth.principal import Principal, Role
from brokerlens.errors import Conflict, Forbidden, NotFound
from brokerlens.store.schema import audit_log, users

NOW = dt.datetime(2025, 3, 20, 2, 0, tzinfo=dt.UTC)  # 10:00 in Beijing


def _shenzhen_broker(world: World) -> Principal:
    """A broker of T3 (branch B3, region R2): the other branch."""
    with world.engine.begin() as connection:
        user_id = connection.execute(
            users.insert()
            .values(
                username="broker_sz",
                display_name="孙深圳",
                role="broker",
                staff_id="S4",
                permissions=[],
                password_hash="x",
                active=True,
                failed_logins=0,
                must_change_password=False,
                created_at=NOW,
                language="zh",
            )
            .returning(users.c.user_id)
        ).scalar_one()
    return Principal(int(user_id), "broker_sz", "孙深圳", Role.BROKER, staff_id="S4")


def _inbox(world: World, who: Principal, now: dt.datetime = NOW) -> list[str]:
    return [r.notice.title for r in list_notices(world.engine, who, now=now).rows]


def _actions(world: World) -> list[tuple[str, str]]:
    with world.engine.connect() as connection:
        rows = connection.execute(
            sa.select(audit_log.c.action, audit_log.c.username).order_by(audit_log.c.audit_id)
        )
        return [(a, u) for a, u in rows if a.startswith("notice_")]


def test_a_notice_reaches_its_units_and_roles_while_it_shows(world: World) -> None:
    shenzhen = _shenzhen_broker(world)
    db, hq, branch = world.engine, world.who("hq"), world.who("branch")
    create_notice(db, branch, NoticeInput("上海营业部晨会", "九点开会", ["B1"]), now=NOW)
    brokers = NoticeInput("全体经纪人：合规培训", "**本周五**前完成", ["HQ"], roles=["broker"])
    create_notice(db, hq, brokers, now=NOW)
    later = NoticeInput("明日起生效", "新规", ["HQ"], publish_at=NOW + dt.timedelta(hours=1))
    create_notice(db, hq, later, now=NOW)
    short = NoticeInput("今日停机", "维护", ["HQ"], expire_at=NOW + dt.timedelta(hours=1))
    create_notice(db, hq, short, now=NOW)

    # a notice to branch B1 reaches B1 and its teams, not branch B3, nor the units above B1
    assert "上海营业部晨会" in _inbox(world, world.who("broker"))
    assert "上海营业部晨会" in _inbox(world, branch)
    for outside in (shenzhen, world.who("region"), world.who("region2"), hq):
        assert "上海营业部晨会" not in _inbox(world, outside)
    # roles: brokers everywhere, not the advisor beside them nor their manager
    assert "全体经纪人：合规培训" in _inbox(world, world.who("broker"))
    assert "全体经纪人：合规培训" in _inbox(world, shenzhen)
    assert "全体经纪人：合规培训" not in _inbox(world, world.who("advisor"))
    assert "全体经纪人：合规培训" not in _inbox(world, branch)
    # times: not before its publish time, not after it expires
    assert "明日起生效" not in _inbox(world, world.who("compliance"))
    assert "今日停机" in _inbox(world, world.who("compliance"))
    two_hours = NOW + dt.timedelta(hours=2)
    assert "明日起生效" in _inbox(world, world.who("compliance"), two_hours)
    assert "今日停机" not in _inbox(world, world.who("compliance"), two_hours)
    assert "今日停机" in _inbox(world, world.who("admin"))  # the whole firm: the admin too
    # one that does not reach a user is not found for them, like an unknown one
    managed = list_notices(db, branch, "managed", now=NOW).rows
    (sh,) = [r for r in managed if r.notice.title == "上海营业部晨会"]
    with pytest.raises(NotFound):
        get_notice(db, shenzhen, sh.notice.notice_id, now=NOW)


def test_who_may_publish_where_and_bad_input(world: World) -> None:
    db, branch = world.engine, world.who("branch")
    with pytest.raises(Forbidden, match="B3"):  # another branch
        create_notice(db, branch, NoticeInput("t", "b", ["B1", "B3"]), now=NOW)
    with pytest.raises(Forbidden, match="R1"):  # the region above is not theirs either
        create_notice(db, branch, NoticeInput("t", "b", ["R1"]), now=NOW)
    with pytest.raises(Forbidden, match="publish_notices"):
        create_notice(db, world.who("broker"), NoticeInput("t", "b", ["T1"]), now=NOW)
    assert [u for u, _, _ in addressable_units(db, branch)] == ["B1", "T1", "T2"]
    assert len(addressable_units(db, world.who("hq"))) == 9
    assert addressable_units(db, world.who("lead")) == []
    good = NoticeInput("标题", "正文", ["B1"])
    bad = {
        "title": dataclasses.replace(good, title="  "),
        "body": dataclasses.replace(good, body="x" * 20_001),
        "units": dataclasses.replace(good, units=[]),
        "roles": dataclasses.replace(good, roles=["boss"]),
        "importance": dataclasses.replace(good, importance="huge"),
        "body_format": dataclasses.replace(good, body_format="html"),
        "publish_at": dataclasses.replace(good, publish_at=NOW - dt.timedelta(days=1)),
        "expire_at": dataclasses.replace(good, expire_at=NOW - dt.timedelta(minutes=1)),
    }
    for name, entry in bad.items():
        with pytest.raises(NoticeRejected) as refused:
            create_notice(db, branch, entry, now=NOW)
        assert refused.value.field == name
    with pytest.raises(NoticeRejected, match="no unit 'NOPE'"):
        create_notice(db, world.who("hq"), dataclasses.replace(good, units=["NOPE"]), now=NOW)
    assert _actions(world) == []  # nothing made, nothing audited
    # a naive time is Beijing time: 10:30 Beijing is 02:30 UTC, half an hour from NOW
    planned = dataclasses.replace(good, publish_at=dt.datetime(2025, 3, 20, 10, 30))
    made = create_notice(db, branch, planned, now=NOW)
    assert made.notice.publish_at == NOW + dt.timedelta(minutes=30)
    assert made.state == "scheduled"


def test_read_receipts_per_unit(world: World) -> None:
    _shenzhen_broker(world)
    db, hq, broker = world.engine, world.who("hq"), world.who("broker")
    made = create_notice(db, hq, NoticeInput("华东分公司通知", "内容", ["R1"]), now=NOW)
    nid = made.notice.notice_id
    listed = list_notices(db, broker, now=NOW)
    assert listed.unread == 1 and listed.rows[0].unread
    read = mark_read(db, broker, nid, now=NOW + dt.timedelta(minutes=5))
    assert not read.unread and read.read_at == NOW + dt.timedelta(minutes=5)
    mark_read(db, broker, nid, now=NOW + dt.timedelta(minutes=9))  # the first receipt stands
    assert get_notice(db, broker, nid, now=NOW).read_at == NOW + dt.timedelta(minutes=5)
    assert list_notices(db, broker, now=NOW).unread == 0
    with pytest.raises(Conflict):  # head office published it to R1: not addressed to them
        mark_read(db, hq, nid, now=NOW)

    whole = notice_receipts(db, hq, nid, now=NOW)
    assert (whole.addressed, whole.read, whole.whole) == (6, 1, True)
    by_unit = {
        u.unit_id: (u.addressed, u.read, [r.username for r in u.unread]) for u in whole.units
    }
    assert by_unit == {
        "B1": (1, 0, ["branch"]),
        "R1": (1, 0, ["region"]),
        "T1": (4, 1, ["advisor", "broker2", "lead"]),
    }
    # the branch manager sees their branch's part of it; a broker none; R2 not even the notice
    mine = notice_receipts(db, world.who("branch"), nid, now=NOW)
    assert (mine.addressed, mine.read, [u.unit_id for u in mine.units]) == (5, 1, ["B1", "T1"])
    with pytest.raises(Forbidden):
        notice_receipts(db, broker, nid, now=NOW)
    with pytest.raises(NotFound):
        notice_receipts(db, world.who("region2"), nid, now=NOW)
    assert _actions(world) == [
        ("notice_create", "hq"),
        ("notice_read", "broker"),
        ("notice_receipts", "hq"),
        ("notice_receipts", "branch"),
    ]


def test_drafts_publishing_and_withdrawal(world: World) -> None:
    db, hq, branch, broker = world.engine, world.who("hq"), world.who("branch"), world.who("broker")
    draft = create_notice(db, branch, NoticeInput("草稿", "待发", ["B1"], draft=True), now=NOW)
    nid = draft.notice.notice_id
    assert draft.state == "draft" and draft.may_publish and not draft.may_see_receipts
    assert "草稿" not in _inbox(world, broker)
    with pytest.raises(NotFound):  # another's draft: head office does not see it either
        get_notice(db, hq, nid, now=NOW)
    published = publish_notice(db, branch, nid, now=NOW)
    assert published.state == "showing" and published.notice.publish_at == NOW
    assert "草稿" in _inbox(world, broker)
    with pytest.raises(Conflict):
        publish_notice(db, branch, nid, now=NOW)

    wide = create_notice(db, hq, NoticeInput("全公司", "内容", ["HQ"]), now=NOW)
    with pytest.raises(Forbidden, match="withdraws"):  # it reaches beyond their branch
        withdraw_notice(db, branch, wide.notice.notice_id, now=NOW)
    assert withdraw_notice(db, hq, nid, "发错了", now=NOW).state == "withdrawn"  # head office may
    assert "草稿" not in _inbox(world, broker)
    with pytest.raises(Conflict):
        withdraw_notice(db, branch, nid, now=NOW)
    managed = list_notices(db, branch, "managed", now=NOW).rows
    assert [(r.notice.title, r.state) for r in managed] == [
        ("全公司", "showing"),
        ("草稿", "withdrawn"),
    ]
    assert ("notice_withdraw", "hq") in _actions(world)
    assert ("notice_publish", "branch") in _actions(world)
