"""Care messages through the access layer, on SQLite and PostgreSQL: the outbox within scope
with counts and filters, the export for the SMS / app-push platform (permission, phones, marks,
audit), opting a customer out and back in, and e-mail through a real SMTP server started here
(a refused connection marks the messages failed, saying why)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import sqlalchemy as sa

from access.builders import AS_OF, EXPECTED, World
from brokerlens.access.care import (
    CareQuery,
    customer_care,
    list_messages,
    opt_in,
    opt_out,
)
from brokerlens.access.care_send import NO_PHONE, export_messages, send_email
from brokerlens.errors import ConfigError, Conflict, Forbidden, InvalidRequest, NotFound
from brokerlens.store.marketing_schema import care_messages
from brokerlens.store.schema import audit_log
from support.smtp import SmtpServer, free_port, smtp_server  # noqa: F401  (fixture)

SOON = dt.date.today() + dt.timedelta(days=3)
# rule, customer, occasion date, channel
MESSAGES = [
    ("birthday", "C001", SOON, "sms"),
    ("birthday", "C001", SOON, "app_push"),
    ("assessment_expiring", "C002", AS_OF, "email"),
    ("assessment_expiring", "C003", AS_OF, "email"),
    ("birthday", "C007", AS_OF, "sms"),
    ("birthday", "C010", AS_OF, "sms"),  # C010 has no phone
    ("dividend", "C004", AS_OF, "app_push"),
]


def _insert(world: World) -> None:
    now = dt.datetime.now(dt.UTC)
    rows = [
        {
            "rule_id": rule,
            "customer_id": cid,
            "occasion_date": day,
            "as_of_date": AS_OF,
            "channel": channel,
            "subject": "风险测评即将到期" if rule == "assessment_expiring" else "生日快乐",
            "body": f"尊敬的客户{cid}，您的风险测评将于3月14日到期，请及时重新测评。",
            "status": "queued",
            "created_at": now,
        }
        for rule, cid, day, channel in MESSAGES
    ]
    with world.engine.begin() as connection:
        connection.execute(care_messages.insert(), rows)


@pytest.fixture
def outbox(world: World) -> World:
    _insert(world)
    return world


def _status(world: World) -> dict[tuple[str, str], str]:
    with world.engine.connect() as connection:
        rows = connection.execute(sa.select(care_messages)).all()
    return {(r.customer_id, r.channel): r.status for r in rows}


def _audits(world: World, action: str) -> list[Any]:
    with world.engine.connect() as connection:
        return connection.execute(
            sa.select(audit_log).where(audit_log.c.action == action).order_by(audit_log.c.audit_id)
        ).all()


@pytest.mark.parametrize("who", ["broker", "region2", "branch", "hq"])
def test_the_outbox_holds_the_messages_in_scope_with_counts(outbox: World, who: str) -> None:
    found = list_messages(outbox.engine, outbox.who(who), CareQuery())
    mine = [m for m in MESSAGES if m[1] in EXPECTED[who]]
    assert {(m.customer_id, m.channel) for m in found.rows} == {(m[1], m[3]) for m in mine}
    assert found.total == len(mine) == found.counts.total
    assert found.counts.by_status == ({"queued": len(mine)} if mine else {})
    assert sum(found.counts.by_channel.values()) == len(mine)
    audit = _audits(outbox, "view_care_messages")[-1]
    assert set(audit.customer_ids.split(",")) == {m[1] for m in mine}


def test_the_outbox_filters_by_rule_channel_status_and_date(outbox: World) -> None:
    hq = outbox.who("hq")
    by_rule = list_messages(outbox.engine, hq, CareQuery(rule_id="birthday"))
    assert by_rule.counts.by_rule == {"birthday": 4}
    email = list_messages(outbox.engine, hq, CareQuery(channel="email"))
    assert {m.customer_id for m in email.rows} == {"C002", "C003"}
    dated = list_messages(outbox.engine, hq, CareQuery(date_from=SOON, date_to=SOON))
    assert {(m.customer_id, m.channel) for m in dated.rows} == {
        ("C001", "sms"),
        ("C001", "app_push"),
    }
    assert list_messages(outbox.engine, hq, CareQuery(status="sent")).total == 0
    with pytest.raises(InvalidRequest, match="date_from"):
        list_messages(outbox.engine, hq, CareQuery(date_from=SOON, date_to=AS_OF))
    with pytest.raises(ValueError, match="channel must be one of"):
        CareQuery(channel="fax")
    with pytest.raises(Forbidden):
        list_messages(outbox.engine, outbox.who("admin"), CareQuery())


def test_export_needs_the_permission_and_gives_phones_marking_rows_exported(
    outbox: World,
) -> None:
    with pytest.raises(Forbidden, match="send_messages"):
        export_messages(outbox.engine, outbox.who("broker"), "sms")
    hq = outbox.who("hq")
    with pytest.raises(InvalidRequest, match="e-mail is sent with send-email"):
        export_messages(outbox.engine, hq, "email")
    done = export_messages(outbox.engine, hq, "sms")
    lines = done.text.splitlines()
    assert lines[0] == "message_id,customer_id,phone,body"
    assert {tuple(line.split(",")[1:3]) for line in lines[1:]} == {
        ("C001", "13812345678"),
        ("C007", "13300006666"),
    }
    assert done.count == 2 and done.skipped == {"opted_out": 0, "failed": 1}
    assert done.name.startswith("care_sms_") and done.name.endswith(".csv")
    status = _status(outbox)
    assert status[("C001", "sms")] == status[("C007", "sms")] == "exported"
    assert status[("C010", "sms")] == "failed"
    assert status[("C001", "app_push")] == "queued"  # another channel
    with outbox.engine.connect() as connection:
        error = connection.execute(
            sa.select(care_messages.c.error).where(care_messages.c.customer_id == "C010")
        ).scalar_one()
    assert error == NO_PHONE
    audit = _audits(outbox, "export")[-1]
    assert audit.detail["kind"] == "care_messages" and audit.detail["fields"] == ["phone"]
    assert set(audit.customer_ids.split(",")) == {"C001", "C007"}
    assert export_messages(outbox.engine, hq, "sms").count == 0  # nothing queued is left


def test_the_app_push_export_carries_the_app_id_and_title(outbox: World) -> None:
    done = export_messages(outbox.engine, outbox.who("hq"), "app_push")
    lines = done.text.splitlines()
    assert lines[0] == "message_id,customer_id,app_id,title,body"
    assert {line.split(",")[1] for line in lines[1:]} == {"C001", "C004"}
    assert "13812345678" not in done.text


def test_a_broker_opts_a_customer_out_and_back_in_with_a_reason(outbox: World) -> None:
    broker = outbox.who("broker")
    with pytest.raises(InvalidRequest, match="reason"):
        opt_out(outbox.engine, broker, "C001", "sms", "  ")
    with pytest.raises(InvalidRequest, match="channel"):
        opt_out(outbox.engine, broker, "C001", "fax", "不想收")
    with pytest.raises(NotFound):
        opt_out(outbox.engine, broker, "C007", "sms", "不想收")  # out of scope: like unknown
    opt_out(outbox.engine, broker, "C001", "sms", "客户来电要求不再接收短信")
    assert _status(outbox)[("C001", "sms")] == "opted_out"
    assert _status(outbox)[("C001", "app_push")] == "queued"
    audit = _audits(outbox, "care_opt_out")[-1]
    assert (audit.customer_ids, audit.username) == ("C001", "broker")
    assert audit.detail["reason"] == "客户来电要求不再接收短信" and audit.detail["channel"] == "sms"
    panel = customer_care(outbox.engine, broker, "C001")
    assert [(o.channel, o.username) for o in panel.opt_outs] == [("sms", "broker")]
    assert {m.channel for m in panel.messages} == {"sms", "app_push"}
    with pytest.raises(NotFound):
        customer_care(outbox.engine, broker, "C007")
    assert opt_in(outbox.engine, broker, "C001", "sms") == 1  # its occasion is still ahead
    assert _status(outbox)[("C001", "sms")] == "queued"
    assert _audits(outbox, "care_opt_in")[-1].detail["count"] == 1
    with pytest.raises(Conflict, match="has not opted out"):
        opt_in(outbox.engine, broker, "C001", "sms")


def test_an_opt_out_of_all_holds_every_channel_and_the_export_skips_it(outbox: World) -> None:
    hq = outbox.who("hq")
    opt_out(outbox.engine, hq, "C007", "all", "投诉后要求停止一切营销信息")
    assert _status(outbox)[("C007", "sms")] == "opted_out"
    done = export_messages(outbox.engine, hq, "sms")
    assert [line.split(",")[1] for line in done.text.splitlines()[1:]] == ["C001"]


def _smtp(world: World, port: int) -> Any:
    return world.settings.model_copy(
        update={"smtp_host": "127.0.0.1", "smtp_port": port, "smtp_sender": "care@broker.example"}
    )


def test_e_mail_arrives_with_recipient_subject_and_chinese_body(
    outbox: World,
    smtp_server: SmtpServer,  # noqa: F811
) -> None:
    settings = _smtp(outbox, smtp_server.port)
    with pytest.raises(Forbidden, match="send_messages"):
        send_email(outbox.engine, settings, outbox.who("broker"))
    report = send_email(outbox.engine, settings, outbox.who("hq"))
    assert (report.sent, report.failed, report.errors) == (2, 0, [])
    got = {r.recipients[0]: r for r in smtp_server.inbox.received}
    assert set(got) == {"li.si@example.com", "wang.wu@example.com"}
    mail = got["li.si@example.com"]
    assert mail.sender == "care@broker.example"
    assert mail.subject == "风险测评即将到期"
    assert mail.body.strip() == "尊敬的客户C002，您的风险测评将于3月14日到期，请及时重新测评。"
    status = _status(outbox)
    assert status[("C002", "email")] == status[("C003", "email")] == "sent"
    audit = _audits(outbox, "send_email")[-1]
    assert set(audit.customer_ids.split(",")) == {"C002", "C003"}
    assert send_email(outbox.engine, settings, outbox.who("hq")).sent == 0  # none queued


def test_a_refused_connection_marks_the_mails_failed_with_a_message(outbox: World) -> None:
    settings = _smtp(outbox, free_port())  # nothing listens there
    report = send_email(outbox.engine, settings, outbox.who("hq"))
    assert (report.sent, report.failed) == (0, 2)
    assert "connection refused" in report.errors[0] and "127.0.0.1" in report.errors[0]
    with outbox.engine.connect() as connection:
        rows = connection.execute(
            sa.select(care_messages).where(care_messages.c.channel == "email")
        ).all()
    assert {r.status for r in rows} == {"failed"}
    assert all("connection refused" in (r.error or "") for r in rows)


def test_e_mail_not_set_up_is_said_before_anything_changes(outbox: World) -> None:
    with pytest.raises(ConfigError, match="BROKERLENS_SMTP_HOST"):
        send_email(outbox.engine, outbox.settings, outbox.who("hq"))
    assert _status(outbox)[("C002", "email")] == "queued"
