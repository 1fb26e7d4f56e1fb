"""Settled commission statements: periods and lines (issue 19 part C).

Revision ID: 0010
Revises: 0007
Create Date: 2026-12-06 07:30:00.000000

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0010"
down_revision: str | Sequence[str] | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table(
        "commission_periods",
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("through", sa.Date(), nullable=False),
        sa.Column("settled_by", sa.String(length=64), nullable=False),
        sa.Column("settled_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("commission_cents", sa.BigInteger(), nullable=False),
        sa.Column("product_fee_cents", sa.BigInteger(), nullable=False),
        sa.Column("lines", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("month"),
    )
    op.create_table(
        "commission_lines",
        sa.Column("line_id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("staff_id", sa.String(length=32), nullable=True),
        sa.Column("unit_id", sa.String(length=32), nullable=True),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("income_kind", sa.String(length=16), nullable=False),
        sa.Column("amount_cents", sa.BigInteger(), nullable=False),
        sa.Column("customers", sa.Integer(), nullable=False),
        sa.Column("entry", sa.String(length=16), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["month"], ["commission_periods.month"]),
        sa.PrimaryKeyConstraint("line_id"),
    )
    with op.batch_alter_table("commission_lines", schema=None) as batch_op:
        batch_op.create_index(
            "ix_commission_lines_month_staff", ["month", "staff_id"], unique=False
        )


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table("commission_lines", schema=None) as batch_op:
        batch_op.drop_index("ix_commission_lines_month_staff")
    op.drop_table("commission_lines")
    op.drop_table("commission_periods")
