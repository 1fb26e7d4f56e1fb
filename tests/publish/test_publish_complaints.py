"""Publishing T merges the complaints feed's state of T into the store: new complaints inserted
with their SLA, known ones' status moved forward only (a workbench closing is never reopened by
the feed, and a reopened complaint is not closed again by a feed row already seen), each piece
of news an event; overdue ones escalated to the branch (1) then head office (2). On SQLite and
PostgreSQL."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import sqlalchemy as sa

from brokerlens.atomic import atomic_file
from brokerlens.config import Settings
from brokerlens.publish.complaints import publish_complaints
from brokerlens.store import open_store
from brokerlens.store.compliance_schema import complaint_events, complaints
from brokerlens.warehouse.layout import WarehouseLayout

D = dt.date
T = D(2025, 3, 10)
SCHEMA = pa.schema(
    [
        ("as_of_date", pa.date32()),
        ("complaint_id", pa.string()),
        ("customer_id", pa.string()),
        ("branch_id", pa.string()),
        ("open_date", pa.date32()),
        ("category", pa.string()),
        ("status", pa.string()),
        ("close_date", pa.date32()),
        ("delivered", pa.date32()),
    ]
)


def write(settings: Settings, day: dt.date, rows: list[tuple[Any, ...]]) -> None:
    """rows: (complaint_id, customer_id, open_date, category, status, close_date)"""
    table = pa.table(
        {
            "as_of_date": [day] * len(rows),
            "complaint_id": [r[0] for r in rows],
            "customer_id": [r[1] for r in rows],
            "branch_id": ["B1"] * len(rows),
            "open_date": [r[2] for r in rows],
            "category": [r[3] for r in rows],
            "status": [r[4] for r in rows],
            "close_date": [r[5] for r in rows],
            "delivered": [day] * len(rows),
        },
        schema=SCHEMA,
    )
    with atomic_file(WarehouseLayout(settings.warehouse_dir).complaints_file(day)) as scratch:
        pq.write_table(table, scratch)


def stored(db: sa.Engine) -> dict[str, sa.Row[Any]]:
    with db.connect() as connection:
        return {r.complaint_id: r for r in connection.execute(sa.select(complaints))}


def events(db: sa.Engine, complaint_id: str) -> list[tuple[str, str]]:
    with db.connect() as connection:
        return [
            (r.kind, r.note)
            for r in connection.execute(
                sa.select(complaint_events)
                .where(complaint_events.c.complaint_id == complaint_id)
                .order_by(complaint_events.c.event_id)
            )
        ]


def test_the_feed_is_merged_forward_only(store_settings: Settings) -> None:
    db = open_store(store_settings)
    write(
        store_settings,
        T,
        [
            ("K1", "C1", D(2025, 3, 9), "交易系统故障", "open", None),
            ("K2", "C2", D(2025, 3, 1), "服务态度", "processing", None),
            ("K3", "C3", D(2025, 3, 2), None, "closed", D(2025, 3, 8)),
        ],
    )
    merged = publish_complaints(db, store_settings, T)
    assert (merged.inserted, merged.moved) == (3, 0)
    got = stored(db)
    assert got["K1"].source == "feed" and got["K1"].created_by == "feed"
    assert got["K1"].sla_due == D(2025, 3, 12)  # 交易系统故障: 3 days
    assert got["K2"].status == "processing" and got["K2"].sla_due == D(2025, 3, 6)
    assert got["K3"].category == "其他" and got["K3"].closed == D(2025, 3, 8)
    assert got["K3"].keep_until == D(2028, 3, 8)  # 3 years after it closed
    assert [k for k, _ in events(db, "K1")] == ["opened", "feed_status"]
    # K2 is 4 days past its SLA on T (escalate_days 5): its branch's manager
    assert (got["K2"].escalation, got["K2"].escalated_on) == (1, T)
    assert ("escalated", "escalated to the branch manager") in events(db, "K2")

    # the same state again: nothing new
    again = publish_complaints(db, store_settings, T)
    assert (again.inserted, again.moved, again.escalated) == (0, 0, 0)

    # the workbench closes K1; the feed then says processing: the closing stays
    with db.begin() as connection:
        connection.execute(
            complaints.update()
            .where(complaints.c.complaint_id == "K1")
            .values(status="closed", closed=D(2025, 3, 11))
        )
    later = D(2025, 3, 12)
    write(
        store_settings,
        later,
        [
            ("K1", "C1", D(2025, 3, 9), "交易系统故障", "processing", None),
            ("K2", "C2", D(2025, 3, 1), "服务态度", "closed", D(2025, 3, 12)),
        ],
    )
    merged = publish_complaints(db, store_settings, later)
    assert merged.moved == 1
    got = stored(db)
    assert got["K1"].status == "closed"
    assert events(db, "K1")[-1] == (
        "feed_status",
        f"processing (feed, delivered {later}); kept closed",
    )
    assert (got["K2"].status, got["K2"].closed) == ("closed", D(2025, 3, 12))

    # K2 reopened in the workbench: the feed's "closed", already told, does not close it again
    with db.begin() as connection:
        connection.execute(
            complaints.update()
            .where(complaints.c.complaint_id == "K2")
            .values(status="processing", closed=None)
        )
    publish_complaints(db, store_settings, later)
    assert stored(db)["K2"].status == "processing"


def test_overdue_complaints_go_to_the_branch_then_head_office(store_settings: Settings) -> None:
    db = open_store(store_settings)
    write(store_settings, T, [("K9", "C9", D(2025, 3, 1), "资金转账", "open", None)])
    # SLA due 4 March: on 5 March level 1, after 9 March (escalate_days 5) level 2
    publish_complaints(db, store_settings, T)
    row = stored(db)["K9"]
    assert (row.sla_due, row.escalation) == (D(2025, 3, 4), 2)
    assert [n for k, n in events(db, "K9") if k == "escalated"] == [
        "escalated to head-office compliance"
    ]
    write(store_settings, D(2025, 3, 3), [("K8", "C8", D(2025, 3, 1), "资金转账", "open", None)])
    merged = publish_complaints(db, store_settings, D(2025, 3, 3))
    assert merged.escalated == 0 and stored(db)["K8"].escalation == 0  # within its SLA
    assert publish_complaints(db, store_settings, D(2025, 3, 5)).escalated == 1
    assert stored(db)["K8"].escalation == 1
