"""Settled commission statements in the operational store (issue 19 section 3, SQLAlchemy Core
on the shared `metadata`).

- `commission_periods`: one row per settled month (closed: settling again is refused), who
  settled it and when, the last day counted and the month's totals in cents.
- `commission_lines`: the month's statement lines as settled (`entry` 'settled'), never edited;
  a correction adds lines (`entry` 'adjustment') when its approval request (kind
  `commission_adjustment`) is approved: a transfer of cents from one staff member (or from
  nobody: the NULL-staff line) to another in one role and income kind, so the month still adds
  up to its income to the cent.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
)

from brokerlens.store.schema import metadata

LINE_ENTRIES = ("settled", "adjustment")
INCOME_KINDS = ("commission", "product_fee")
STATEMENT_ROLES = ("developer", "servicer", "advisor")

commission_periods = Table(
    "commission_periods",
    metadata,
    Column("month", Date, primary_key=True),  # the month's first day
    Column("through", Date, nullable=False),  # the last day counted (the month's last day)
    Column("settled_by", String(64), nullable=False),
    Column("settled_at", DateTime(timezone=True), nullable=False),
    Column("commission_cents", BigInteger, nullable=False),  # the customers' net commission
    Column("product_fee_cents", BigInteger, nullable=False),
    Column("lines", Integer, nullable=False),
)

commission_lines = Table(
    "commission_lines",
    metadata,
    Column("line_id", Integer, primary_key=True, autoincrement=True),
    Column("month", Date, ForeignKey("commission_periods.month"), nullable=False),
    Column("staff_id", String(32)),  # NULL: income no relationship in force holds in the role
    Column("unit_id", String(32)),
    Column("role", String(16), nullable=False),  # STATEMENT_ROLES
    Column("income_kind", String(16), nullable=False),  # INCOME_KINDS
    Column("amount_cents", BigInteger, nullable=False),
    Column("customers", Integer, nullable=False),
    Column("entry", String(16), nullable=False),  # LINE_ENTRIES
    Column("request_id", Integer),  # the approved adjustment request of an adjustment line
    Index("ix_commission_lines_month_staff", "month", "staff_id"),
)
