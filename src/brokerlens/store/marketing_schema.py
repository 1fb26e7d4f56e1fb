"""Marketing services in the operational store (SQLAlchemy Core, on the shared `metadata`):
what brokers and managers do with the analytics (issue 17).

- `work_item_states`: what a broker did with a row of their daily work list (warehouse
  `worklist/<T>.parquet`): done (with the service record that logged the contact), snoozed to a
  date, or dismissed with a reason. The list itself is rebuilt every run; these rows are kept.
- `service_records` (服务记录): every contact a user logged: channel, purpose, content, result,
  next step with a date (a follow-up work item on that date). The author may edit it for 24 hours;
  then it is immutable. Every change is audited.
- `campaigns` (营销活动) and `campaign_members`: a campaign's definition, and its target list as
  frozen at launch, split at random (seeded) into treatment and holdout; conversions come from
  the feeds (the run's outcome step, applied at publish).
- `care_messages`: the outbox of care and reminder messages (birthdays, assessments expiring,
  products maturing, IPO allotments, dividends), exported for the SMS / app-push platform or sent
  by e-mail; `opt_outs`: a customer's refusal of messages, by channel.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
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

WORK_ITEM_STATUSES = ("done", "snoozed", "dismissed")
CHANNELS = ("phone", "visit", "wechat", "sms", "email", "app_push")
PURPOSES = ("service", "marketing", "callback", "care", "complaint")
RESULTS = ("reached", "not_reached", "refused", "done")
CAMPAIGN_GOALS = ("deposit", "product_purchase", "trade", "reactivation", "permission")
CAMPAIGN_STATUSES = ("draft", "pending_approval", "launched", "closed", "cancelled")
GROUPS = ("treatment", "holdout")
MESSAGE_CHANNELS = ("sms", "app_push", "email")
MESSAGE_STATUSES = ("queued", "sending", "exported", "sent", "failed", "opted_out")

work_item_states = Table(
    "work_item_states",
    metadata,
    Column("state_id", Integer, primary_key=True, autoincrement=True),
    Column("as_of_date", Date, nullable=False),  # the work list's date the broker acted on
    Column("staff_id", String(32), nullable=False),
    Column("customer_id", String(32), nullable=False),
    Column("status", String(16), nullable=False),  # WORK_ITEM_STATUSES
    Column("kinds", JSON, nullable=False),  # the item kinds the action covered
    Column("snooze_until", Date),
    Column("reason", Text),  # a dismissal's reason, or a note
    Column("record_id", Integer, ForeignKey("service_records.record_id")),
    Column("username", String(64), nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
    Index("ix_work_item_states_staff_id_as_of_date", "staff_id", "as_of_date"),
    Index("ix_work_item_states_customer_id", "customer_id"),
)

service_records = Table(
    "service_records",
    metadata,
    Column("record_id", Integer, primary_key=True, autoincrement=True),
    Column("customer_id", String(32), nullable=False),
    Column("staff_id", String(32)),  # the author's staff id (null for HQ users)
    Column("user_id", Integer, nullable=False),
    Column("username", String(64), nullable=False),
    Column("contact_at", DateTime(timezone=True), nullable=False),
    Column("channel", String(16), nullable=False),  # CHANNELS
    Column("purpose", String(16), nullable=False),  # PURPOSES
    Column("content", Text, nullable=False),
    Column("result", String(16), nullable=False),  # RESULTS
    Column("next_step", Text),
    Column("next_date", Date),  # a follow-up work item on this date
    Column("work_item_date", Date),  # logged from the work list of this date
    Column("campaign_id", Integer),  # logged for this campaign
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Index("ix_service_records_customer_id_contact_at", "customer_id", "contact_at"),
    Index("ix_service_records_next_date", "next_date"),
    Index("ix_service_records_campaign_id", "campaign_id"),
    Index("ix_service_records_staff_id_contact_at", "staff_id", "contact_at"),
)

campaigns = Table(
    "campaigns",
    metadata,
    Column("campaign_id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(200), nullable=False),
    Column("goal", String(24), nullable=False),  # CAMPAIGN_GOALS
    Column("product_id", String(32)),  # product_purchase: this product (null = any)
    Column("service", String(24)),  # permission: this service agreement (null = any)
    Column("threshold_cents", BigInteger),  # deposit: net inflow at least this (cents)
    Column("source_kind", String(16), nullable=False),  # segment, product_targets
    Column("source_id", String(64), nullable=False),  # segment id or product id
    Column("source_top", Integer),  # product_targets: the top N customers (null = all)
    Column("window_start", Date, nullable=False),
    Column("window_end", Date, nullable=False),
    Column("channel", String(16), nullable=False),  # CHANNELS
    Column("script", Text),
    Column("materials", Text),
    Column("holdout_share", Float, nullable=False),
    Column("seed", Integer, nullable=False),
    Column("status", String(20), nullable=False),  # CAMPAIGN_STATUSES
    Column("owner_user_id", Integer, nullable=False),
    Column("owner_unit_id", String(32)),  # a branch or region campaign; null = head office
    Column("created_by", String(64), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("launched_by", String(64)),
    Column("launched_at", DateTime(timezone=True)),
    Column("frozen_as_of", Date),  # the served snapshot's date the target list was frozen on
    Column("members", Integer, nullable=False, default=0),
    Column("treatment", Integer, nullable=False, default=0),
    Column("holdout", Integer, nullable=False, default=0),
    Column("outcomes_as_of", Date),  # conversions counted up to this date
)

campaign_members = Table(
    "campaign_members",
    metadata,
    Column("campaign_id", Integer, ForeignKey("campaigns.campaign_id"), primary_key=True),
    Column("customer_id", String(32), primary_key=True),
    Column("grp", String(10), nullable=False),  # GROUPS
    Column("branch_id", String(32)),
    Column("staff_id", String(32)),  # the customer's broker when frozen (gets the work item)
    Column("contacted_on", Date),  # first contact logged for the campaign
    Column("converted_on", Date),  # first conversion in the window (from the feeds)
    Index("ix_campaign_members_campaign_id_grp", "campaign_id", "grp"),
    Index("ix_campaign_members_staff_id", "staff_id"),
)

care_messages = Table(
    "care_messages",
    metadata,
    Column("message_id", Integer, primary_key=True, autoincrement=True),
    Column("rule_id", String(40), nullable=False),
    Column("customer_id", String(32), nullable=False),
    Column("occasion_date", Date, nullable=False),  # the birthday, expiry, maturity ... date
    Column("as_of_date", Date, nullable=False),  # the run that made it
    Column("channel", String(16), nullable=False),  # MESSAGE_CHANNELS
    Column("subject", String(200)),
    Column("body", Text, nullable=False),
    Column("status", String(16), nullable=False),  # MESSAGE_STATUSES
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("sent_at", DateTime(timezone=True)),
    Column("sent_by", String(64)),
    Column("error", Text),
    UniqueConstraint("rule_id", "customer_id", "occasion_date", "channel"),
    Index("ix_care_messages_status_channel", "status", "channel"),
    Index("ix_care_messages_customer_id", "customer_id"),
)

opt_outs = Table(
    "opt_outs",
    metadata,
    Column("customer_id", String(32), primary_key=True),
    Column("channel", String(16), primary_key=True),  # a MESSAGE_CHANNEL, or "all"
    Column("at", DateTime(timezone=True), nullable=False),
    Column("username", String(64), nullable=False),
    Column("reason", Text),
)
