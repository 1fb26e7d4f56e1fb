"""Relationship handovers (issue 19 section 2): `handovers` and `handover_items`.

Revision ID: 0009
Revises: 0007
Create Date: 2026-12-06 07:30:00.000000

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0009"
down_revision: str | Sequence[str] | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table(
        "handovers",
        sa.Column("handover_id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=True),
        sa.Column("giver_id", sa.String(length=32), nullable=False),
        sa.Column("receiver_id", sa.String(length=32), nullable=False),
        sa.Column("effective_date", sa.Date(), nullable=False),
        sa.Column("roles", sa.JSON(), nullable=False),
        sa.Column("selection", sa.String(length=16), nullable=False),
        sa.Column("selection_ref", sa.String(length=64), nullable=True),
        sa.Column("customer_ids", sa.JSON(), nullable=False),
        sa.Column("unit_id", sa.String(length=32), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("requested_by", sa.String(length=64), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_by", sa.String(length=64), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("moved", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("handover_id", name=op.f("pk_handovers")),
    )
    with op.batch_alter_table("handovers", schema=None) as batch_op:
        batch_op.create_index("ix_handovers_giver_id", ["giver_id"], unique=False)
        batch_op.create_index("ix_handovers_receiver_id", ["receiver_id"], unique=False)

    op.create_table(
        "handover_items",
        sa.Column("handover_id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.String(length=32), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("giver_id", sa.String(length=32), nullable=False),
        sa.Column("receiver_id", sa.String(length=32), nullable=False),
        sa.Column("effective_date", sa.Date(), nullable=False),
        sa.Column("share_pct", sa.Float(), nullable=False),
        sa.Column("giver_start", sa.Date(), nullable=True),
        sa.Column("giver_end", sa.Date(), nullable=True),
        sa.Column("receiver_start", sa.Date(), nullable=True),
        sa.Column("receiver_end", sa.Date(), nullable=True),
        sa.Column("receiver_share", sa.Float(), nullable=True),
        sa.Column("inserted", sa.Boolean(), nullable=False),
        sa.Column("overlaid", sa.Boolean(), nullable=False),
        sa.Column("caught_up", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["handover_id"],
            ["handovers.handover_id"],
            name=op.f("fk_handover_items_handover_id_handovers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "handover_id", "customer_id", "role", name=op.f("pk_handover_items")
        ),
    )
    with op.batch_alter_table("handover_items", schema=None) as batch_op:
        batch_op.create_index("ix_handover_items_customer_id", ["customer_id"], unique=False)
        batch_op.create_index("ix_handover_items_overlaid", ["overlaid"], unique=False)


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table("handover_items", schema=None) as batch_op:
        batch_op.drop_index("ix_handover_items_overlaid")
        batch_op.drop_index("ix_handover_items_customer_id")
    op.drop_table("handover_items")
    with op.batch_alter_table("handovers", schema=None) as batch_op:
        batch_op.drop_index("ix_handovers_receiver_id")
        batch_op.drop_index("ix_handovers_giver_id")
    op.drop_table("handovers")
