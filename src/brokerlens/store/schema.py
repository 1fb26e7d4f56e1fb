"""The operational store's fixed tables (SQLAlchemy Core). Alembic migrations create them.

The published profile is not here: its columns follow the classification catalog, so each
publish creates its own table `profile_<snapshot_id>` (see `brokerlens.publish`) and the
`serving` row names the one readers use. Everything else is fixed and migrated.
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
    MetaData,
    String,
    Table,
    Text,
)

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

# --- published reference data (replaced by each publish, in the same transaction) -----------

org_units = Table(
    "org_units",
    metadata,
    Column("unit_id", String(32), primary_key=True),
    Column("parent_id", String(32), index=True),
    Column("unit_type", String(16), nullable=False),  # hq, region, branch, team
    Column("name", String(200), nullable=False),
    Column("city", String(100)),
    Column("open_date", Date),
    Column("close_date", Date),
)

staff = Table(
    "staff",
    metadata,
    Column("staff_id", String(32), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("unit_id", String(32), nullable=False, index=True),
    Column("position", String(32), nullable=False),
    Column("manager_id", String(32)),
    Column("hire_date", Date),
    Column("leave_date", Date),
    Column("sac_cert_no", String(64)),
    Column("grade", String(32)),
)

relationships = Table(
    "relationships",
    metadata,
    Column("customer_id", String(32), primary_key=True),
    Column("staff_id", String(32), primary_key=True),
    Column("role", String(16), primary_key=True),  # developer, servicer, advisor
    Column("start_date", Date, primary_key=True),
    Column("end_date", Date),
    Column("share_pct", Float),
    Index("ix_relationships_staff_id_customer_id", "staff_id", "customer_id"),
)

# --- snapshots: which published profile is served ---------------------------------------------

snapshots = Table(
    "snapshots",
    metadata,
    Column("snapshot_id", Integer, primary_key=True, autoincrement=True),
    Column("as_of_date", Date, nullable=False),
    Column("table_name", String(64), nullable=False),
    Column("columns", JSON, nullable=False),  # [{"name", "kind": indicator|classification|...}]
    Column("catalog_version", String(64), nullable=False),
    Column("catalog", JSON, nullable=False),  # the catalog the classifications were made with
    Column("rows", Integer, nullable=False, default=0),
    Column("status", String(16), nullable=False),  # loading, served, retired, failed
    Column("started_at", DateTime(timezone=True), nullable=False),
    Column("published_at", DateTime(timezone=True)),
    Column("columnar_path", Text),  # the profile as Parquet (lists and counts read it)
)

serving = Table(
    "serving",
    metadata,
    Column("id", Integer, primary_key=True),  # always 1: one row, swapped atomically
    Column("snapshot_id", Integer, ForeignKey("snapshots.snapshot_id"), nullable=False),
)

# --- users, sessions, login attempts ------------------------------------------------------------

users = Table(
    "users",
    metadata,
    Column("user_id", Integer, primary_key=True, autoincrement=True),
    Column("username", String(64), nullable=False, unique=True),
    Column("display_name", String(200), nullable=False),
    Column("role", String(32), nullable=False),
    Column("staff_id", String(32)),  # broker, advisor, team lead: who they are in `staff`
    Column("unit_id", String(32)),  # branch or region manager: the unit they manage
    Column("permissions", JSON, nullable=False, default=list),  # e.g. ["reveal_pii"]
    Column("password_hash", String(255), nullable=False),
    Column("active", Boolean, nullable=False, default=True),
    Column("failed_logins", Integer, nullable=False, default=0),
    Column("locked_until", DateTime(timezone=True)),
    Column("must_change_password", Boolean, nullable=False, default=False),
    Column("password_changed_at", DateTime(timezone=True)),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("language", String(8), nullable=False, default="zh"),
)

sessions = Table(
    "sessions",
    metadata,
    Column("token_hash", String(64), primary_key=True),  # sha256 of the cookie's token
    Column("user_id", Integer, ForeignKey("users.user_id"), nullable=False, index=True),
    Column("csrf_token", String(64), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Column("ip", String(64)),
    Column("user_agent", String(300)),
)

login_attempts = Table(
    "login_attempts",
    metadata,
    Column("attempt_id", Integer, primary_key=True, autoincrement=True),
    Column("username", String(64), nullable=False),
    Column("ip", String(64)),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("success", Boolean, nullable=False),
    Index("ix_login_attempts_ip_at", "ip", "at"),
    Index("ix_login_attempts_username_at", "username", "at"),
)

# --- audit -----------------------------------------------------------------------------------

audit_log = Table(
    "audit_log",
    metadata,
    Column("audit_id", Integer, primary_key=True, autoincrement=True),
    Column("at", DateTime(timezone=True), nullable=False, index=True),
    Column("user_id", Integer),
    Column("username", String(64), index=True),
    Column("role", String(32)),
    Column("action", String(32), nullable=False, index=True),
    Column("customer_count", Integer, nullable=False, default=0),
    Column("customer_ids", Text),  # comma separated; an export may name many
    Column("detail", JSON),
    Column("ip", String(64)),
    Column("user_agent", String(300)),
)

# --- segments ----------------------------------------------------------------------------------

segments = Table(
    "segments",
    metadata,
    Column("segment_id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(200), nullable=False),
    Column("description", Text),
    Column("owner_user_id", Integer, ForeignKey("users.user_id"), nullable=False, index=True),
    Column("visibility", String(16), nullable=False),  # private, unit
    Column("unit_id", String(32)),  # shared with this unit (and the units below it)
    Column("conditions", JSON, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    # issue 25: dynamic (conditions) or static (members added by hand, no conditions)
    Column("kind", String(16), nullable=False, default="dynamic", server_default="dynamic"),
)

# issue 25: a static group's members (客户分组, 静态分组), added by hand
segment_static_members = Table(
    "segment_static_members",
    metadata,
    Column("segment_id", Integer, ForeignKey("segments.segment_id"), primary_key=True),
    Column("customer_id", String(32), primary_key=True),
    Column("added_by", Integer, ForeignKey("users.user_id")),
    Column("added_at", DateTime(timezone=True), nullable=False),
)

# issue 25: a group shared with a named colleague, read-only or editable
segment_shares = Table(
    "segment_shares",
    metadata,
    Column("segment_id", Integer, ForeignKey("segments.segment_id"), primary_key=True),
    Column("user_id", Integer, ForeignKey("users.user_id"), primary_key=True, index=True),
    Column("can_edit", Boolean, nullable=False, default=False),
    Column("shared_by", Integer, ForeignKey("users.user_id")),
    Column("shared_at", DateTime(timezone=True), nullable=False),
)

segment_counts = Table(
    "segment_counts",
    metadata,
    Column("segment_id", Integer, ForeignKey("segments.segment_id"), primary_key=True),
    Column("as_of_date", Date, primary_key=True),
    Column("customers", Integer, nullable=False),
    Column("refreshed_at", DateTime(timezone=True), nullable=False),
)

# --- published history (appended by each publish) -----------------------------------------------

profile_changes = Table(
    "profile_changes",
    metadata,
    Column("snapshot_id", Integer, ForeignKey("snapshots.snapshot_id"), primary_key=True),
    Column("customer_id", String(32), primary_key=True),
    # a classification id, or `_customer` with new_value `new` / `closed`
    Column("field", String(64), primary_key=True),
    Column("old_value", Text),
    Column("new_value", Text),
    Index("ix_profile_changes_snapshot_id_field", "snapshot_id", "field"),
)

scope_daily = Table(
    "scope_daily",
    metadata,
    Column("kind", String(8), primary_key=True),  # branch, staff
    Column("scope_id", String(32), primary_key=True),  # a branch's unit_id or a staff_id
    Column("biz_date", Date, primary_key=True),
    Column("customers", Integer, nullable=False),
    Column("total_assets", Float, nullable=False),
)
