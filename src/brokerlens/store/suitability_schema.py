"""Suitability records in the operational store (SQLAlchemy Core, on the shared `metadata`).

Kept for the long term (domain.md: 20 years is commonly cited): nothing here is updated in
place except a class request's decision; every step of a check is a new event row.

- `suitability_checks`: every check made: who, for which customer and product / service /
  permission, the verdict (match, mismatch, forbidden), every reason, when.
- `suitability_events`: what followed a check: `warning_shown`, `confirmed` (the customer's
  confirmation, only after a warning), `sale_recorded`, `callback_scheduled` (with its due date)
  and `callback_done`.
- `investor_class_requests`: an ordinary customer's application to be treated as professional,
  or a professional's to be treated as ordinary, with what the data showed and the decision.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Table,
    Text,
)

from brokerlens.store.schema import metadata

suitability_checks = Table(
    "suitability_checks",
    metadata,
    Column("check_id", Integer, primary_key=True, autoincrement=True),
    Column("at", DateTime(timezone=True), nullable=False, index=True),
    Column("checked_by", String(64), nullable=False),
    Column("customer_id", String(32), nullable=False, index=True),
    Column("branch_id", String(32)),
    Column("as_of_date", Date),  # the lake date the customer's facts were read as of
    Column("target_kind", String(16), nullable=False),  # product, permission
    Column("target_id", String(64), nullable=False),
    Column("target_name", String(200)),
    Column("target_grade", String(4), nullable=False),
    Column("context", String(16), nullable=False),  # purchase, recommendation
    Column("risk_class", String(4)),
    Column("professional", Boolean, nullable=False),
    Column("verdict", String(16), nullable=False),  # match, mismatch, forbidden
    Column("reasons", JSON, nullable=False),  # [{"dimension", "verdict", "text"}]
    Column("callback_required", Boolean, nullable=False),
)

suitability_events = Table(
    "suitability_events",
    metadata,
    Column("event_id", Integer, primary_key=True, autoincrement=True),
    Column(
        "check_id",
        Integer,
        ForeignKey("suitability_checks.check_id"),
        nullable=False,
        index=True,
    ),
    Column("kind", String(24), nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("actor", String(64), nullable=False),
    Column("note", Text),
    Column("due_date", Date),  # callback_scheduled: by when
)

investor_class_requests = Table(
    "investor_class_requests",
    metadata,
    Column("request_id", Integer, primary_key=True, autoincrement=True),
    Column("customer_id", String(32), nullable=False, index=True),
    Column("direction", String(16), nullable=False),  # to_professional, to_ordinary
    Column("requested_at", DateTime(timezone=True), nullable=False),
    Column("recorded_by", String(64), nullable=False),
    Column("evidence", Text),
    Column("data_outcome", String(16)),  # what the data showed (investor_class.OUTCOMES)
    Column("data_reasons", JSON),
    Column("status", String(16), nullable=False),  # pending, approved, rejected
    Column("decided_at", DateTime(timezone=True)),
    Column("decided_by", String(64)),
    Column("decision_note", Text),
)
