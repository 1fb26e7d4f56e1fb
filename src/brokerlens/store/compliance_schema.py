"""Compliance operations in the operational store (SQLAlchemy Core, on the shared `metadata`):
call-backs, complaints, approvals and work orders (issue 18).

- `callbacks` (回访) and `callback_attempts`: one task per (kind, customer, source): a new
  account (source: its open date), the year's sample (source: the year), a high-risk sale to an
  ordinary investor (source: the suitability check id), a complaint (source: its complaint id),
  or one made by hand. Tasks are made by the run (`compliance/callbacks`, loaded at publish) or
  by the suitability workflow and a complaint's intake; every attempt is kept, and the result
  (reached or unreachable after N attempts, the script's answers, issues found) closes the task.
- `complaints` (投诉与建议) and `complaint_events`: the complaints feed merged with those taken
  in the workbench; an SLA due date by category, escalations, the resolution and the
  customer's satisfaction. Every step is an event.
- `approvals` (待审批): one general request -> approve / reject flow, by kind (campaign launch,
  alert thresholds, catalog changes, investor class, relationship handovers ...); the request's
  payload is what is applied on approval.
- `work_orders` (工单): a task for a named user with a due date and a status.

Call-back and complaint rows carry `keep_until` (the retention date: at least 3 years); the
store refuses to delete a row before it (a trigger, migration 0007), and so does the service.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from brokerlens.store.schema import metadata

CALLBACK_KINDS = ("new_account", "annual_sample", "high_risk_sale", "complaint", "manual")
CALLBACK_STATUSES = ("pending", "completed", "unreachable", "cancelled")
ATTEMPT_OUTCOMES = ("reached", "not_reached", "refused")
COMPLAINT_SOURCES = ("feed", "workbench")
COMPLAINT_CHANNELS = ("phone", "visit", "letter", "email", "wechat", "app", "regulator", "other")
COMPLAINT_STATUSES = ("open", "processing", "closed")
APPROVAL_STATUSES = ("pending", "approved", "rejected", "withdrawn", "failed")
WORK_ORDER_STATUSES = ("open", "in_progress", "done", "cancelled")

callbacks = Table(
    "callbacks",
    metadata,
    Column("callback_id", Integer, primary_key=True, autoincrement=True),
    Column("customer_id", String(32), nullable=False),
    Column("kind", String(16), nullable=False),  # CALLBACK_KINDS
    # what made the task: new_account the open date, annual_sample the year, high_risk_sale the
    # suitability check id, complaint the complaint id, manual a number
    Column("source_ref", String(64), nullable=False),
    Column("branch_id", String(32)),  # the customer's branch when the task was made
    Column("tier", String(32)),  # the annual sample's stratum (with the branch)
    Column("created_on", Date, nullable=False),
    Column("due_date", Date, nullable=False),
    Column("status", String(16), nullable=False),  # CALLBACK_STATUSES
    Column("attempts", Integer, nullable=False, default=0),
    Column("result", String(16)),  # the last attempt's outcome when closed
    Column("answers", JSON, info={"json": "object"}),  # the script's question id -> answer id
    Column("issues", Text),  # issues found, in words
    Column("follow_up", String(64)),  # what the issues became: complaint:<id>, work_order:<id>
    Column("assigned_to", String(64)),  # a username (null: anyone with the permission)
    Column("closed_at", DateTime(timezone=True)),
    Column("closed_by", String(64)),
    Column("created_by", String(64), nullable=False),  # "run" for the rules' tasks
    Column("keep_until", Date, nullable=False),  # retention: not deletable before
    UniqueConstraint("kind", "customer_id", "source_ref", name="uq_callbacks_kind_customer"),
    Index("ix_callbacks_status_due_date", "status", "due_date"),
    Index("ix_callbacks_customer_id", "customer_id"),
    Index("ix_callbacks_branch_id_kind", "branch_id", "kind"),
)

callback_attempts = Table(
    "callback_attempts",
    metadata,
    Column("attempt_id", Integer, primary_key=True, autoincrement=True),
    Column("callback_id", Integer, ForeignKey("callbacks.callback_id"), nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("username", String(64), nullable=False),
    Column("outcome", String(16), nullable=False),  # ATTEMPT_OUTCOMES
    Column("note", Text),
    Column("keep_until", Date, nullable=False),
    Index("ix_callback_attempts_callback_id", "callback_id"),
)

# The year's call-back sample as drawn (one row per stratum: branch x tier): the base it was
# drawn from and its quota, so the quota's progress is shown against what was drawn. Written
# once a year by publish with the sample's tasks (compliance/callbacks).
callback_samples = Table(
    "callback_samples",
    metadata,
    Column("year", Integer, primary_key=True),
    Column("branch_id", String(32), primary_key=True),
    Column("tier", String(32), primary_key=True),  # "-" for customers without one
    Column("base", Integer, nullable=False),  # the prior year-end's customers (dormant excepted)
    Column("quota", Integer, nullable=False),  # ceil(share x base)
    Column("share", Float, nullable=False),
    Column("seed", Integer, nullable=False),
    Column("drawn_on", Date, nullable=False),  # the run's T
)

complaints = Table(
    "complaints",
    metadata,
    # the feed's id (K...), or W + a number for one taken in the workbench
    Column("complaint_id", String(32), primary_key=True),
    Column("customer_id", String(32), nullable=False),
    Column("branch_id", String(32)),  # the customer's branch when opened
    Column("source", String(16), nullable=False),  # COMPLAINT_SOURCES
    Column("channel", String(16)),  # COMPLAINT_CHANNELS (the feed does not say)
    Column("category", String(32), nullable=False),
    Column("content", Text),
    Column("opened", Date, nullable=False),
    Column("status", String(16), nullable=False),  # COMPLAINT_STATUSES
    Column("sla_due", Date, nullable=False),
    Column("escalation", Integer, nullable=False, default=0),  # 0 none, 1 branch, 2 head office
    Column("escalated_on", Date),
    Column("assigned_to", String(64)),  # a username
    Column("resolution", Text),
    Column("satisfaction", Integer),  # 1..5, the customer's, when asked
    Column("closed", Date),
    Column("created_by", String(64), nullable=False),  # "feed" for the feed's
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Column("keep_until", Date, nullable=False),
    Index("ix_complaints_status_sla_due", "status", "sla_due"),
    Index("ix_complaints_customer_id", "customer_id"),
    Index("ix_complaints_branch_id_opened", "branch_id", "opened"),
)

complaint_events = Table(
    "complaint_events",
    metadata,
    Column("event_id", Integer, primary_key=True, autoincrement=True),
    Column("complaint_id", String(32), ForeignKey("complaints.complaint_id"), nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("username", String(64), nullable=False),
    # opened, feed_status, assigned, note, escalated, resolved, reopened
    Column("kind", String(16), nullable=False),
    Column("note", Text),
    Column("keep_until", Date, nullable=False),
    Index("ix_complaint_events_complaint_id", "complaint_id"),
)

approvals = Table(
    "approvals",
    metadata,
    Column("request_id", Integer, primary_key=True, autoincrement=True),
    Column("kind", String(32), nullable=False),  # a registered approval kind
    Column("subject", String(200), nullable=False),  # what is asked, in words
    Column("subject_ref", String(64)),  # the thing it is about (campaign id, unit id ...)
    Column("payload", JSON, nullable=False, info={"json": "object"}),  # applied on approval
    Column("unit_id", String(32)),  # whose approver decides (null: head office)
    Column("requested_by", String(64), nullable=False),
    Column("requested_at", DateTime(timezone=True), nullable=False),
    Column("reason", Text),
    Column("status", String(16), nullable=False),  # APPROVAL_STATUSES
    Column("decided_by", String(64)),
    Column("decided_at", DateTime(timezone=True)),
    Column("comment", Text),
    Column("effect", Text),  # what applying it did, or why it failed
    Column("effective_from", Date),
    Index("ix_approvals_status_kind", "status", "kind"),
    Index("ix_approvals_requested_by", "requested_by"),
)

work_orders = Table(
    "work_orders",
    metadata,
    Column("order_id", Integer, primary_key=True, autoincrement=True),
    Column("title", String(200), nullable=False),
    Column("detail", Text),
    Column("customer_id", String(32)),
    Column("assignee", String(64), nullable=False),  # a username
    Column("unit_id", String(32)),  # the assignee's unit when made (a manager's view)
    Column("due_date", Date),
    Column("status", String(16), nullable=False),  # WORK_ORDER_STATUSES
    Column("source", String(64)),  # what made it: callback:<id>, complaint:<id>, approval:<id>
    Column("created_by", String(64), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Column("done_at", DateTime(timezone=True)),
    Column("note", Text),
    Index("ix_work_orders_assignee_status", "assignee", "status"),
    Index("ix_work_orders_unit_id_status", "unit_id", "status"),
)
