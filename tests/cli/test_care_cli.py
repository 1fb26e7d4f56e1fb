"""`brokerlens care ...` as a user runs it: the outbox in their scope, the export (permission,
file, marks), e-mail with no server configured or refused, opt-out and opt-in, clear messages
for bad options. The access layer's own tests cover both stores; these run on SQLite."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from access.builders import AS_OF, World, build_world
from brokerlens.access.snapshot import clear_cache
from brokerlens.config import load_settings
from brokerlens.store.marketing_schema import care_messages, opt_outs
from support.cli import brokerlens
from support.smtp import free_port


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    clear_cache()
    built = build_world(load_settings(home=tmp_path / "home"))
    now = dt.datetime.now(dt.UTC)
    rows = [
        ("birthday", "C001", "sms", "尊敬的张三，祝您生日快乐！"),
        ("birthday", "C007", "sms", "尊敬的周九，祝您生日快乐！"),
        ("assessment_expiring", "C002", "email", "尊敬的李四，您的风险测评即将到期。"),
    ]
    with built.engine.begin() as connection:
        connection.execute(
            care_messages.insert(),
            [
                {
                    "rule_id": rule,
                    "customer_id": cid,
                    "occasion_date": AS_OF,
                    "as_of_date": AS_OF,
                    "channel": channel,
                    "subject": "关怀",
                    "body": body,
                    "status": "queued",
                    "created_at": now,
                }
                for rule, cid, channel, body in rows
            ],
        )
    yield built
    clear_cache()


def care(world: World, *args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    done = brokerlens("--home", str(world.settings.home), "care", *args, env=env)
    return done.returncode, done.stdout, done.stderr


def test_the_outbox_in_the_user_s_scope(world: World) -> None:
    code, out, err = care(world, "outbox", "--user", "broker")
    assert code == 0, err
    assert (
        "by rule: assessment_expiring 1, birthday 1" in out and "C001" in out and "C007" not in out
    )
    code, out, err = care(world, "outbox", "--user", "hq", "--channel", "fax")
    assert code == 2 and "--channel" in err and "Traceback" not in err


def test_export_needs_the_permission_and_writes_the_file(world: World, tmp_path: Path) -> None:
    target = tmp_path / "sms.csv"
    code, _, err = care(
        world, "export", "--user", "broker", "--channel", "sms", "--out", str(target)
    )
    assert code != 0 and "send_messages" in err and not target.exists()
    code, out, err = care(world, "export", "--user", "hq", "--channel", "sms", "--out", str(target))
    assert code == 0, err
    lines = target.read_text("utf-8").splitlines()
    assert lines[0] == "message_id,customer_id,phone,body" and len(lines) == 3
    assert "13812345678" in lines[1] and "2 sms message(s), marked exported" in out


def test_send_email_says_what_is_wrong_without_a_traceback(world: World) -> None:
    code, _, err = care(world, "send-email", "--user", "hq")
    assert code == 2 and "BROKERLENS_SMTP_HOST" in err and "Traceback" not in err
    refused = {"BROKERLENS_SMTP_HOST": "127.0.0.1", "BROKERLENS_SMTP_PORT": str(free_port())}
    refused["BROKERLENS_SMTP_SENDER"] = "care@broker.example"
    code, out, err = care(world, "send-email", "--user", "hq", env=refused)
    assert code == 1 and "0 sent, 1 failed" in out and "connection refused" in out
    assert "Traceback" not in err


def test_opt_out_and_in(world: World) -> None:
    code, out, err = care(
        world, "opt-out", "C001", "--user", "broker", "--channel", "sms", "--reason", "客户要求"
    )
    assert code == 0, err
    with world.engine.connect() as connection:
        assert connection.execute(sa.select(opt_outs.c.channel)).scalars().all() == ["sms"]
    code, out, err = care(world, "opt-in", "C001", "--user", "broker", "--channel", "sms")
    assert code == 0 and "takes sms messages again" in out
    code, _, err = care(
        world, "opt-out", "C007", "--user", "broker", "--channel", "sms", "--reason", "x"
    )
    assert code != 0 and "C007" in err and "Traceback" not in err  # out of scope: as unknown
