"""Notices (通知公告, issue 23 section 4) in the operational store (SQLAlchemy Core, on the
shared `metadata`).

- `notices`: one notice: its title and body (Markdown or plain text, rendered escaped), who
  published it and from which unit, how important it is, whether it is pinned, when it shows
  and when it expires, and its status (draft, published, withdrawn).
- `notice_units` and `notice_roles`: its audience. A notice reaches the users whose unit is one
  of its units or below one (head office users, who have no unit, belong to the root unit) and
  whose role is one of its roles (no role rows: every role).
- `notice_reads`: the read receipts, one row per (notice, user) when the user first read it.
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
)

from brokerlens.store.schema import metadata

NOTICE_STATUSES = ("draft", "published", "withdrawn")
NOTICE_IMPORTANCE = ("normal", "important", "urgent")
BODY_FORMATS = ("markdown", "text")

notices = Table(
    "notices",
    metadata,
    Column("notice_id", Integer, primary_key=True, autoincrement=True),
    Column("title", String(200), nullable=False),
    Column("body", Text, nullable=False),
    Column("body_format", String(16), nullable=False),  # BODY_FORMATS
    Column("importance", String(16), nullable=False),  # NOTICE_IMPORTANCE
    Column("pinned", Boolean, nullable=False, default=False),
    Column("status", String(16), nullable=False),  # NOTICE_STATUSES
    Column("publisher_id", Integer, ForeignKey("users.user_id"), nullable=False),
    Column("publisher", String(64), nullable=False),  # the publisher's username
    Column("publisher_unit_id", String(32)),  # the publishing unit (head office: the root)
    Column("publish_at", DateTime(timezone=True)),  # shows from (a draft: when planned)
    Column("expire_at", DateTime(timezone=True)),  # shows until (None: until withdrawn)
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Column("withdrawn_at", DateTime(timezone=True)),
    Column("withdrawn_by", String(64)),
    Index("ix_notices_status_publish_at", "status", "publish_at"),
    Index("ix_notices_publisher_id", "publisher_id"),
)

notice_units = Table(
    "notice_units",
    metadata,
    Column("notice_id", Integer, ForeignKey("notices.notice_id"), primary_key=True),
    Column("unit_id", String(32), primary_key=True),
    Index("ix_notice_units_unit_id", "unit_id"),
)

notice_roles = Table(
    "notice_roles",
    metadata,
    Column("notice_id", Integer, ForeignKey("notices.notice_id"), primary_key=True),
    Column("role", String(32), primary_key=True),
)

notice_reads = Table(
    "notice_reads",
    metadata,
    Column("notice_id", Integer, ForeignKey("notices.notice_id"), primary_key=True),
    Column("user_id", Integer, ForeignKey("users.user_id"), primary_key=True),
    Column("read_at", DateTime(timezone=True), nullable=False),
    Index("ix_notice_reads_user_id", "user_id"),
)
