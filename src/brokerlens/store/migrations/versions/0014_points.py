"""Customer points: the redemption catalogue, orders and the store's ledger entries (issue 23).

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-20 09:00:00.000000

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0014"
down_revision: str | Sequence[str] | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table(
        "points_items",
        sa.Column("item_id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("name_zh", sa.String(length=100), nullable=False),
        sa.Column("name_en", sa.String(length=100), nullable=True),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("description", sa.String(length=500), nullable=True),
        sa.Column("points_price", sa.BigInteger(), nullable=False),
        sa.Column("stock", sa.Integer(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(length=64), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("item_id"),
    )
    op.create_table(
        "points_orders",
        sa.Column("order_id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("customer_id", sa.String(length=32), nullable=False),
        sa.Column("branch_id", sa.String(length=32), nullable=True),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("points", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("note", sa.String(length=500), nullable=True),
        sa.Column("placed_by", sa.String(length=64), nullable=False),
        sa.Column("placed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("placed_on", sa.Date(), nullable=False),
        sa.Column("closed_by", sa.String(length=64), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("cancel_reason", sa.String(length=500), nullable=True),
        sa.ForeignKeyConstraint(["item_id"], ["points_items.item_id"]),
        sa.PrimaryKeyConstraint("order_id"),
    )
    with op.batch_alter_table("points_orders", schema=None) as batch_op:
        batch_op.create_index("ix_points_orders_customer_id", ["customer_id"], unique=False)
        batch_op.create_index("ix_points_orders_status", ["status"], unique=False)
    op.create_table(
        "points_entries",
        sa.Column("entry_id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("customer_id", sa.String(length=32), nullable=False),
        sa.Column("branch_id", sa.String(length=32), nullable=True),
        sa.Column("entry_date", sa.Date(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("points", sa.BigInteger(), nullable=False),
        sa.Column("expires_on", sa.Date(), nullable=True),
        sa.Column("order_id", sa.Integer(), nullable=True),
        sa.Column("request_id", sa.Integer(), nullable=True),
        sa.Column("reason", sa.String(length=500), nullable=True),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["order_id"], ["points_orders.order_id"]),
        sa.PrimaryKeyConstraint("entry_id"),
    )
    with op.batch_alter_table("points_entries", schema=None) as batch_op:
        batch_op.create_index(
            "ix_points_entries_customer_id_entry_date",
            ["customer_id", "entry_date"],
            unique=False,
        )


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table("points_entries", schema=None) as batch_op:
        batch_op.drop_index("ix_points_entries_customer_id_entry_date")
    op.drop_table("points_entries")
    with op.batch_alter_table("points_orders", schema=None) as batch_op:
        batch_op.drop_index("ix_points_orders_status")
        batch_op.drop_index("ix_points_orders_customer_id")
    op.drop_table("points_orders")
    op.drop_table("points_items")
