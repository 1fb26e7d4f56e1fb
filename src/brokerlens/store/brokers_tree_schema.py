"""The organisation over time and the broker tree's changes (issue 19 part A), on the shared
`metadata`.

- `org_unit_versions`, `staff_versions`: every version of the org_units and staff feeds the
  lake holds up to the published date (`valid_from` its delivery, `valid_to` the next
  delivery of the same key, exclusive; NULL: still valid), loaded by publish
  (`publish/org_history.py`). Small (thousands of rows at 3,000,000 customers): the tree as
  of any date and each staff member's events (hire, transfer, manager change, position or
  grade change, departure) are read from them.
- `tree_changes`: the broker-tree changes approved in brokerlens (move, promote, remove), each
  effective from a date, overlaid on the feed's staff rows. Never written back to the feed:
  where the feed differs, the difference is listed (`brokerlens org diff`).
"""

from __future__ import annotations

from sqlalchemy import JSON, Column, Date, DateTime, Index, Integer, String, Table, Text

from brokerlens.store.schema import metadata

TREE_OPERATIONS = ("move", "promote", "remove")

org_unit_versions = Table(
    "org_unit_versions",
    metadata,
    Column("unit_id", String(32), primary_key=True),
    Column("valid_from", Date, primary_key=True),
    Column("valid_to", Date),
    Column("parent_id", String(32)),
    Column("unit_type", String(16), nullable=False),
    Column("name", String(200), nullable=False),
    Column("city", String(100)),
    Column("open_date", Date),
    Column("close_date", Date),
)

staff_versions = Table(
    "staff_versions",
    metadata,
    Column("staff_id", String(32), primary_key=True),
    Column("valid_from", Date, primary_key=True),
    Column("valid_to", Date),
    Column("name", String(200), nullable=False),
    Column("unit_id", String(32), nullable=False),
    Column("position", String(32), nullable=False),
    Column("manager_id", String(32)),
    Column("hire_date", Date),
    Column("leave_date", Date),
    Column("sac_cert_no", String(64)),
    Column("grade", String(32)),
    Index("ix_staff_versions_manager", "manager_id"),
)

tree_changes = Table(
    "tree_changes",
    metadata,
    Column("change_id", Integer, primary_key=True, autoincrement=True),
    Column("request_id", Integer, nullable=False, unique=True),  # the approval that applied it
    Column("op", String(16), nullable=False),  # TREE_OPERATIONS
    Column("staff_id", String(32), nullable=False, index=True),
    Column("effective_from", Date, nullable=False),
    # the member as brokerlens has them from the date on (remove: left the tree)
    Column("manager_id", String(32)),
    Column("unit_id", String(32)),
    Column("position", String(32)),
    # the member as they were just before (for the history and the difference list)
    Column("before_manager_id", String(32)),
    Column("before_unit_id", String(32)),
    Column("before_position", String(32)),
    Column("moved", JSON, nullable=False, default=list),  # staff ids moved with the member
    Column("requested_by", String(64), nullable=False),
    Column("applied_by", String(64), nullable=False),
    Column("applied_at", DateTime(timezone=True), nullable=False),
    Column("reason", Text),
)
