"""Customer groups (客户分组, issue 25): a segment's kind (dynamic, or static: members added by
hand), a static group's members, and groups shared with named colleagues.

Revision ID: 0019
Revises: 0018
Create Date: 2027-01-05 09:00:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0019"
down_revision: str | Sequence[str] | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema: every existing segment is a dynamic group."""
    with op.batch_alter_table("segments", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("kind", sa.String(length=16), server_default="dynamic", nullable=False)
        )

    op.create_table(
        "segment_static_members",
        sa.Column("segment_id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.String(length=32), nullable=False),
        sa.Column("added_by", sa.Integer(), nullable=True),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["segment_id"],
            ["segments.segment_id"],
            name=op.f("fk_segment_static_members_segment_id_segments"),
        ),
        sa.ForeignKeyConstraint(
            ["added_by"], ["users.user_id"], name=op.f("fk_segment_static_members_added_by_users")
        ),
        sa.PrimaryKeyConstraint(
            "segment_id", "customer_id", name=op.f("pk_segment_static_members")
        ),
    )

    op.create_table(
        "segment_shares",
        sa.Column("segment_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("can_edit", sa.Boolean(), nullable=False),
        sa.Column("shared_by", sa.Integer(), nullable=True),
        sa.Column("shared_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["segment_id"],
            ["segments.segment_id"],
            name=op.f("fk_segment_shares_segment_id_segments"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.user_id"], name=op.f("fk_segment_shares_user_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["shared_by"], ["users.user_id"], name=op.f("fk_segment_shares_shared_by_users")
        ),
        sa.PrimaryKeyConstraint("segment_id", "user_id", name=op.f("pk_segment_shares")),
    )
    with op.batch_alter_table("segment_shares", schema=None) as batch_op:
        batch_op.create_index("ix_segment_shares_user_id", ["user_id"])


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table("segment_shares", schema=None) as batch_op:
        batch_op.drop_index("ix_segment_shares_user_id")
    op.drop_table("segment_shares")
    op.drop_table("segment_static_members")
    with op.batch_alter_table("segments", schema=None) as batch_op:
        batch_op.drop_column("kind")
