"""Loading T's care messages (the run's `marketing/care/<T>.parquet`) into the outbox,
`care_messages`, when T is published.

Only messages not there yet are inserted (by rule, customer, occasion date and channel): a rule
whose window spans several runs makes the same message on each, and a re-publish keeps the
status a sender set. A customer who opted out of the message's channel (or of "all") gets the
row with status `opted_out`, so the outbox and the customer's timeline say why nothing was sent.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa

from brokerlens.config import Settings
from brokerlens.marketing.care.build import read_messages
from brokerlens.store.marketing_schema import care_messages, opt_outs
from brokerlens.warehouse.layout import WarehouseLayout

BATCH = 5_000  # rows per transaction: SQLite's one write lock is let go between them
ALL_CHANNELS = "all"


def publish_care(db: sa.Engine, settings: Settings, as_of: dt.date) -> int:
    """Insert the care messages of `as_of` the outbox lacks; returns how many were inserted."""
    table = read_messages(WarehouseLayout(settings.warehouse_dir), as_of)
    if table is None or table.num_rows == 0:
        return 0
    rows = table.to_pylist()
    have, refused = _known(db, rows)
    now = dt.datetime.now(dt.UTC)
    new = []
    for row in rows:
        key = (row["rule_id"], row["customer_id"], row["occasion_date"], row["channel"])
        if key in have:
            continue
        have.add(key)
        out = refused.get(row["customer_id"], set())
        opted = ALL_CHANNELS in out or row["channel"] in out
        new.append(_values(row, as_of, now, "opted_out" if opted else "queued"))
    for start in range(0, len(new), BATCH):
        with db.begin() as connection:
            connection.execute(care_messages.insert(), new[start : start + BATCH])
    return len(new)


def _known(
    db: sa.Engine, rows: list[dict[str, Any]]
) -> tuple[set[tuple[Any, ...]], dict[str, set[str]]]:
    """The outbox's keys over the file's occasion dates, and each customer's opted-out channels."""
    dates = [r["occasion_date"] for r in rows]
    with db.connect() as connection:
        found = connection.execute(
            sa.select(
                care_messages.c.rule_id,
                care_messages.c.customer_id,
                care_messages.c.occasion_date,
                care_messages.c.channel,
            ).where(care_messages.c.occasion_date.between(min(dates), max(dates)))
        )
        have = {tuple(r) for r in found}
        refused: dict[str, set[str]] = {}
        for customer_id, channel in connection.execute(
            sa.select(opt_outs.c.customer_id, opt_outs.c.channel)
        ):
            refused.setdefault(customer_id, set()).add(channel)
    return have, refused


def _values(row: dict[str, Any], as_of: dt.date, now: dt.datetime, status: str) -> dict[str, Any]:
    return {
        "rule_id": row["rule_id"],
        "customer_id": row["customer_id"],
        "occasion_date": row["occasion_date"],
        "as_of_date": as_of,
        "channel": row["channel"],
        "subject": row["subject"],
        "body": row["body"],
        "status": status,
        "created_at": now,
    }
