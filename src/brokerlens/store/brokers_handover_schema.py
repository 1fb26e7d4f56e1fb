"""Relationship handovers in the operational store (issue 19 section 2), on the shared `metadata`.

- `handovers`: one request to move customers (one, a segment, or a broker's whole book) from a
  giving staff member to a receiving one in some roles from an effective date; decided through
  the approval flow (kind `relationship_handover`), applied in the decision's transaction.
- `handover_items`: what applying did to the store's `relationships`, per customer and role:
  the giver's row ended at the date (its key and its end before), the receiver's row inserted or
  merged (a receiver already holding the role gets one row with both shares). Publish rebuilds
  `relationships` from the feed: it takes the overlaid items back out first (so the store is the
  feed's again and the difference to T applies), then puts back those the feed has not caught
  up with (`overlaid`); `caught_up` is the date the feed was found showing the receiver in the
  role, after which the item is the feed's business. The ledger step reads the overlaid items.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
)

from brokerlens.store.schema import metadata

HANDOVER_STATUSES = ("pending", "applied", "rejected", "withdrawn", "failed")
HANDOVER_SELECTIONS = ("customers", "book", "segment")

handovers = Table(
    "handovers",
    metadata,
    Column("handover_id", Integer, primary_key=True, autoincrement=True),
    Column("request_id", Integer),  # its approval request
    Column("giver_id", String(32), nullable=False),
    Column("receiver_id", String(32), nullable=False),
    Column("effective_date", Date, nullable=False),
    Column("roles", JSON, nullable=False),  # the roles moved
    Column("selection", String(16), nullable=False),  # HANDOVER_SELECTIONS
    Column("selection_ref", String(64)),  # the segment's id
    Column("customer_ids", JSON, nullable=False),  # the customers picked when requested
    Column("unit_id", String(32)),  # the giver's branch; None: head office decides
    Column("status", String(16), nullable=False),  # HANDOVER_STATUSES
    Column("requested_by", String(64), nullable=False),
    Column("requested_at", DateTime(timezone=True), nullable=False),
    Column("decided_by", String(64)),
    Column("decided_at", DateTime(timezone=True)),
    Column("moved", Integer, nullable=False, default=0),  # items applied (customer x role)
    Index("ix_handovers_giver_id", "giver_id"),
    Index("ix_handovers_receiver_id", "receiver_id"),
)

handover_items = Table(
    "handover_items",
    metadata,
    Column(
        "handover_id",
        Integer,
        ForeignKey("handovers.handover_id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("customer_id", String(32), primary_key=True),
    Column("role", String(16), primary_key=True),
    Column("giver_id", String(32), nullable=False),
    Column("receiver_id", String(32), nullable=False),
    Column("effective_date", Date, nullable=False),
    Column("share_pct", Float, nullable=False),  # the giver's share moved
    Column("giver_start", Date),  # the giver's row ended at the date (its key's start_date)
    Column("giver_end", Date),  # its end_date before
    Column("receiver_start", Date),  # the receiver's row merged, if they held the role already
    Column("receiver_end", Date),
    Column("receiver_share", Float),
    Column("inserted", Boolean, nullable=False, default=False),  # a receiver row was inserted
    Column("overlaid", Boolean, nullable=False, default=False),  # the store carries it now
    Column("caught_up", Date),  # the feed showed it from this publish's date on
    Index("ix_handover_items_overlaid", "overlaid"),
    Index("ix_handover_items_customer_id", "customer_id"),
)
