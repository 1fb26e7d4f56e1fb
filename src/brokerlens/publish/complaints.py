"""Merging T's complaints state (the run's `compliance/complaints/<T>.parquet`, the feed's newest
row of each complaint) into the store's `complaints` when T is published, then escalating the
overdue ones.

- A complaint the store lacks is inserted (source `feed`, SLA due from its category, kept at
  least `retention_years`), with an `opened` event.
- A known one's status only moves forward (open -> processing -> closed), and only on news from
  the feed (a status other than the last one the feed told, kept as `feed_status` events): a
  complaint closed or reopened in the workbench is not changed back by a feed row it has
  already seen. Every piece of news is a `feed_status` event, applied or not.
- Escalation as of T: a complaint not closed past its SLA due date goes to its branch's manager
  (level 1), `escalate_days` later to head-office compliance (level 2); each step an event.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from brokerlens.compliance.complaints.config import ComplaintConfig, load_config
from brokerlens.compliance.complaints.state import read_state
from brokerlens.compliance.retention import keep_until
from brokerlens.config import Settings
from brokerlens.store.compliance_schema import COMPLAINT_STATUSES, complaint_events, complaints
from brokerlens.warehouse.layout import WarehouseLayout

BATCH = 5_000  # rows per transaction: SQLite's one write lock is let go between them
# PostgreSQL plans the list and the summary by its statistics: a load this big refreshes them
COMPLAINTS_ANALYZE = 10_000
FEED_USER = "feed"
RANK = {status: n for n, status in enumerate(COMPLAINT_STATUSES)}
UNCATEGORISED = "其他"
LEVEL_WORDS = {1: "escalated to the branch manager", 2: "escalated to head-office compliance"}


@dataclass
class ComplaintsMerged:
    inserted: int = 0
    moved: int = 0  # known complaints whose status the feed moved forward
    escalated: int = 0

    @property
    def changed(self) -> int:
        return self.inserted + self.moved + self.escalated


def publish_complaints(db: sa.Engine, settings: Settings, as_of: dt.date) -> ComplaintsMerged:
    """Merge the feed's state of `as_of` into the store and escalate what is overdue as of it."""
    config = load_config(settings)
    merged = ComplaintsMerged()
    table = read_state(WarehouseLayout(settings.warehouse_dir), as_of)
    now = dt.datetime.now(dt.UTC)
    if table is not None and table.num_rows:
        rows = table.to_pylist()
        known, told = _known(db)
        new = [r for r in rows if r["complaint_id"] not in known]
        news = [
            r
            for r in rows
            if r["complaint_id"] in known
            and r["status"] != told.get(r["complaint_id"], "open")
            and r["status"] in RANK
        ]
        merged.inserted = _insert(db, new, config, now)
        merged.moved = _apply_news(db, news, known, config, now)
    merged.escalated = escalate(db, config, as_of, now)
    return merged


def _known(db: sa.Engine) -> tuple[dict[str, str], dict[str, str]]:
    """Every stored complaint's status, and the last status the feed told of each."""
    with db.connect() as connection:
        known = {
            str(i): str(s)
            for i, s in connection.execute(
                sa.select(complaints.c.complaint_id, complaints.c.status)
            )
        }
        e = complaint_events.c
        last = (
            sa.select(e.complaint_id, sa.func.max(e.event_id).label("event_id"))
            .where(e.kind == "feed_status")
            .group_by(e.complaint_id)
            .subquery()
        )
        told = {
            str(i): str(note).split(" ", 1)[0]
            for i, note in connection.execute(
                sa.select(e.complaint_id, e.note).join(last, last.c.event_id == e.event_id)
            )
        }
    return known, told


def _event(
    complaint_id: str, at: dt.datetime, kind: str, note: str, kept: dt.date
) -> dict[str, Any]:
    return {
        "complaint_id": complaint_id,
        "at": at,
        "username": FEED_USER,
        "kind": kind,
        "note": note,
        "keep_until": kept,
    }


def _kept(config: ComplaintConfig, opened: dt.date, closed: dt.date | None) -> dt.date:
    """Kept `retention_years` after it opened, and after it closed when it has."""
    return keep_until(max(opened, closed or opened), config.retention_years)


def _insert(
    db: sa.Engine, rows: list[dict[str, Any]], config: ComplaintConfig, now: dt.datetime
) -> int:
    values, events = [], []
    for r in rows:
        status = r["status"] if r["status"] in RANK else "open"
        closed = r["close_date"] if status == "closed" else None
        category = r["category"] or UNCATEGORISED
        kept = _kept(config, r["open_date"], closed)
        values.append(
            {
                "complaint_id": r["complaint_id"],
                "customer_id": r["customer_id"],
                "branch_id": r["branch_id"],
                "source": "feed",
                "channel": None,
                "category": category,
                "content": None,
                "opened": r["open_date"],
                "status": status,
                "sla_due": config.sla_due(category, r["open_date"]),
                "escalation": 0,
                "closed": closed,
                "created_by": FEED_USER,
                "created_at": now,
                "updated_at": now,
                "keep_until": kept,
            }
        )
        events.append(_event(r["complaint_id"], now, "opened", category, kept))
        events.append(_event(r["complaint_id"], now, "feed_status", _told(r), kept))
    for start in range(0, len(values), BATCH):
        with db.begin() as connection:
            connection.execute(complaints.insert(), values[start : start + BATCH])
            connection.execute(complaint_events.insert(), events[2 * start : 2 * (start + BATCH)])
    return len(values)


def _told(row: dict[str, Any]) -> str:
    """A feed_status event's note: the status first (what `_known` reads back), then the day."""
    return f"{row['status']} (feed, delivered {row['delivered']})"


def _apply_news(
    db: sa.Engine,
    rows: list[dict[str, Any]],
    known: dict[str, str],
    config: ComplaintConfig,
    now: dt.datetime,
) -> int:
    moved = 0
    for start in range(0, len(rows), BATCH):
        with db.begin() as connection:
            for r in rows[start : start + BATCH]:
                cid, status = r["complaint_id"], r["status"]
                forward = RANK[status] > RANK.get(known[cid], 0)
                changes: dict[str, Any] = {"updated_at": now}
                note = _told(r)
                if forward:
                    changes["status"] = status
                    if status == "closed":
                        changes["closed"] = r["close_date"] or r["delivered"]
                        changes["keep_until"] = _kept(config, r["open_date"], changes["closed"])
                    moved += 1
                else:
                    note += f"; kept {known[cid]}"
                connection.execute(
                    complaints.update().where(complaints.c.complaint_id == cid).values(**changes)
                )
                kept = connection.execute(
                    sa.select(complaints.c.keep_until).where(complaints.c.complaint_id == cid)
                ).scalar_one()
                connection.execute(
                    complaint_events.insert().values(**_event(cid, now, "feed_status", note, kept))
                )
    return moved


def escalate(db: sa.Engine, config: ComplaintConfig, as_of: dt.date, now: dt.datetime) -> int:
    """Raise every complaint not closed and past its SLA as of `as_of` to the level it is due
    (never lower); an `escalated` event each. Returns how many were raised."""
    c = complaints.c
    with db.connect() as connection:
        found = connection.execute(
            sa.select(c.complaint_id, c.sla_due, c.escalation, c.keep_until).where(
                c.status != "closed", c.sla_due < as_of, c.escalation < 2
            )
        ).all()
    raised = []
    for cid, sla_due, level, kept in found:
        due = config.escalation(sla_due, as_of)
        if due > level:
            raised.append((cid, due, kept))
    for start in range(0, len(raised), BATCH):
        part = raised[start : start + BATCH]
        with db.begin() as connection:
            connection.execute(
                complaints.update()
                .where(c.complaint_id == sa.bindparam("cid"))
                .values(
                    escalation=sa.bindparam("level"),
                    escalated_on=as_of,
                    updated_at=now,
                ),
                [{"cid": cid, "level": level} for cid, level, _ in part],
            )
            connection.execute(
                complaint_events.insert(),
                [
                    {**_event(cid, now, "escalated", LEVEL_WORDS[level], kept), "username": "run"}
                    for cid, level, kept in part
                ],
            )
    return len(raised)
