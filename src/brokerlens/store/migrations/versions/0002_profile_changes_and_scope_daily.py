"""Published history: profile_changes (what changed per snapshot) and scope_daily (trends).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 05:41:33.828942

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "scope_daily",
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("scope_id", sa.String(length=32), nullable=False),
        sa.Column("biz_date", sa.Date(), nullable=False),
        sa.Column("customers", sa.Integer(), nullable=False),
        sa.Column("total_assets", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("kind", "scope_id", "biz_date", name=op.f("pk_scope_daily")),
    )
    op.create_table(
        "profile_changes",
        sa.Column("snapshot_id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.String(length=32), nullable=False),
        sa.Column("field", sa.String(length=64), nullable=False),
        sa.Column("old_value", sa.Text(), nullable=True),
        sa.Column("new_value", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["snapshot_id"],
            ["snapshots.snapshot_id"],
            name=op.f("fk_profile_changes_snapshot_id_snapshots"),
        ),
        sa.PrimaryKeyConstraint(
            "snapshot_id", "customer_id", "field", name=op.f("pk_profile_changes")
        ),
    )
    with op.batch_alter_table("profile_changes", schema=None) as batch_op:
        batch_op.create_index(
            "ix_profile_changes_snapshot_id_field", ["snapshot_id", "field"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("profile_changes", schema=None) as batch_op:
        batch_op.drop_index("ix_profile_changes_snapshot_id_field")
    op.drop_table("profile_changes")
    op.drop_table("scope_daily")
