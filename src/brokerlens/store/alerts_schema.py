"""Alerts (客户定位) in the operational store (SQLAlchemy Core, on the shared `metadata`).

- `alerts`: one row per customer, alert and business date, loaded by publish from the
  warehouse's `alerts/<T>.parquet` (only rows not there yet, so a re-publish keeps the status
  people set), then worked through an inbox: new -> acknowledged -> handled or dismissed.
- `alert_actions`: every status change: who, when, from what to what, with the note.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from brokerlens.store.schema import metadata

ALERT_STATUSES = ("new", "acknowledged", "handled", "dismissed")

alerts = Table(
    "alerts",
    metadata,
    Column("alert_row_id", Integer, primary_key=True, autoincrement=True),
    Column("as_of_date", Date, nullable=False),
    Column("customer_id", String(32), nullable=False),
    Column("branch_id", String(32)),
    Column("alert_id", String(40), nullable=False),
    Column("explanation", JSON),  # {"figures", "thresholds", "zh", "en"}
    Column("status", String(16), nullable=False, server_default="new"),
    Column("status_by", String(64)),
    Column("status_at", DateTime(timezone=True)),
    Column("note", Text),
    Column("created_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("customer_id", "alert_id", "as_of_date"),
    Index("ix_alerts_branch_id_status", "branch_id", "status"),
    Index("ix_alerts_as_of_date", "as_of_date"),
    Index("ix_alerts_customer_id", "customer_id"),
)

alert_actions = Table(
    "alert_actions",
    metadata,
    Column("action_id", Integer, primary_key=True, autoincrement=True),
    Column(
        "alert_row_id",
        Integer,
        ForeignKey("alerts.alert_row_id"),
        nullable=False,
        index=True,
    ),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("username", String(64), nullable=False),
    Column("from_status", String(16), nullable=False),
    Column("to_status", String(16), nullable=False),
    Column("note", Text),
)
