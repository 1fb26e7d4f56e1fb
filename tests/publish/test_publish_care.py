"""Publishing T puts T's care messages in the outbox once: a re-publish (or a later run whose
window made the same message) adds only what the outbox lacks and keeps the status a sender
set; a customer who opted out of the channel, or of all, gets the row as opted_out. On SQLite
and PostgreSQL."""

from __future__ import annotations

import datetime as dt

import pyarrow as pa
import sqlalchemy as sa

from brokerlens.config import Settings
from brokerlens.marketing.care.build import CARE_SCHEMA, write_messages
from brokerlens.publish.care import publish_care
from brokerlens.store import open_store
from brokerlens.store.marketing_schema import care_messages, opt_outs
from brokerlens.warehouse.layout import WarehouseLayout

T = dt.date(2025, 3, 7)
MONDAY = dt.date(2025, 3, 10)


def write(settings: Settings, day: dt.date, rows: list[tuple[str, str, dt.date, str]]) -> None:
    table = pa.table(
        {
            "as_of_date": [day] * len(rows),
            "rule_id": [r[0] for r in rows],
            "customer_id": [r[1] for r in rows],
            "occasion_date": [r[2] for r in rows],
            "channel": [r[3] for r in rows],
            "subject": ["生日快乐"] * len(rows),
            "body": [f"尊敬的客户{r[1]}，祝您生日快乐！" for r in rows],
        },
        schema=CARE_SCHEMA,
    )
    write_messages(WarehouseLayout(settings.warehouse_dir), day, table)


def outbox(db: sa.Engine) -> dict[tuple[str, str, str], sa.Row[tuple[object, ...]]]:
    with db.connect() as connection:
        rows = connection.execute(sa.select(care_messages)).all()
    return {(r.rule_id, r.customer_id, r.channel): r for r in rows}


def test_messages_load_once_and_keep_their_status(store_settings: Settings) -> None:
    db = open_store(store_settings)
    first = [
        ("birthday", "C1", T, "sms"),
        ("birthday", "C1", T, "app_push"),
        ("assessment_expiring", "C2", dt.date(2025, 3, 20), "email"),
    ]
    write(store_settings, T, first)
    assert publish_care(db, store_settings, T) == 3
    got = outbox(db)
    sms = got[("birthday", "C1", "sms")]
    assert (sms.status, sms.occasion_date, sms.as_of_date) == ("queued", T, T)
    assert "生日快乐" in sms.body and sms.created_at is not None
    with db.begin() as connection:
        connection.execute(
            care_messages.update()
            .where(care_messages.c.message_id == sms.message_id)
            .values(status="exported", sent_by="hq")
        )
    assert publish_care(db, store_settings, T) == 0  # a re-publish adds nothing
    # Monday's run makes C2's reminder again (still in its window) and a new birthday
    write(store_settings, MONDAY, [first[2], ("birthday", "C3", MONDAY, "sms")])
    assert publish_care(db, store_settings, MONDAY) == 1
    again = outbox(db)
    assert len(again) == 4
    assert again[("birthday", "C1", "sms")].status == "exported"
    assert again[("assessment_expiring", "C2", "email")].as_of_date == T  # the first run's


def test_an_opted_out_customer_s_message_is_kept_as_opted_out(store_settings: Settings) -> None:
    db = open_store(store_settings)
    now = dt.datetime.now(dt.UTC)
    with db.begin() as connection:
        connection.execute(
            opt_outs.insert(),
            [
                {"customer_id": "C1", "channel": "sms", "at": now, "username": "ann"},
                {"customer_id": "C2", "channel": "all", "at": now, "username": "ann"},
            ],
        )
    write(
        store_settings,
        T,
        [
            ("birthday", "C1", T, "sms"),
            ("birthday", "C1", T, "app_push"),
            ("birthday", "C2", T, "sms"),
            ("birthday", "C3", T, "sms"),
        ],
    )
    assert publish_care(db, store_settings, T) == 4
    status = {(c, ch): r.status for (_, c, ch), r in outbox(db).items()}
    assert status == {
        ("C1", "sms"): "opted_out",
        ("C1", "app_push"): "queued",  # only SMS refused
        ("C2", "sms"): "opted_out",  # all channels refused
        ("C3", "sms"): "queued",
    }


def test_no_file_no_messages(store_settings: Settings) -> None:
    assert publish_care(open_store(store_settings), store_settings, T) == 0
