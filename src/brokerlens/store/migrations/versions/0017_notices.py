"""Notices (通知公告, issue 23 section 4): notices, their audience (units, roles) and the read
receipts.

Revision ID: 0017
Revises: 0013
Create Date: 2026-12-20 09:00:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0017"
down_revision: str | Sequence[str] | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table(
        "notices",
        sa.Column("notice_id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("body_format", sa.String(length=16), nullable=False),
        sa.Column("importance", sa.String(length=16), nullable=False),
        sa.Column("pinned", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("publisher_id", sa.Integer(), nullable=False),
        sa.Column("publisher", sa.String(length=64), nullable=False),
        sa.Column("publisher_unit_id", sa.String(length=32), nullable=True),
        sa.Column("publish_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("expire_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("withdrawn_by", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["publisher_id"], ["users.user_id"], name=op.f("fk_notices_publisher_id_users")
        ),
        sa.PrimaryKeyConstraint("notice_id", name=op.f("pk_notices")),
    )
    with op.batch_alter_table("notices", schema=None) as batch_op:
        batch_op.create_index("ix_notices_status_publish_at", ["status", "publish_at"])
        batch_op.create_index("ix_notices_publisher_id", ["publisher_id"])

    op.create_table(
        "notice_units",
        sa.Column("notice_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["notice_id"], ["notices.notice_id"], name=op.f("fk_notice_units_notice_id_notices")
        ),
        sa.PrimaryKeyConstraint("notice_id", "unit_id", name=op.f("pk_notice_units")),
    )
    with op.batch_alter_table("notice_units", schema=None) as batch_op:
        batch_op.create_index("ix_notice_units_unit_id", ["unit_id"])

    op.create_table(
        "notice_roles",
        sa.Column("notice_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["notice_id"], ["notices.notice_id"], name=op.f("fk_notice_roles_notice_id_notices")
        ),
        sa.PrimaryKeyConstraint("notice_id", "role", name=op.f("pk_notice_roles")),
    )

    op.create_table(
        "notice_reads",
        sa.Column("notice_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["notice_id"], ["notices.notice_id"], name=op.f("fk_notice_reads_notice_id_notices")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.user_id"], name=op.f("fk_notice_reads_user_id_users")
        ),
        sa.PrimaryKeyConstraint("notice_id", "user_id", name=op.f("pk_notice_reads")),
    )
    with op.batch_alter_table("notice_reads", schema=None) as batch_op:
        batch_op.create_index("ix_notice_reads_user_id", ["user_id"])


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table("notice_reads", schema=None) as batch_op:
        batch_op.drop_index("ix_notice_reads_user_id")
    op.drop_table("notice_reads")
    op.drop_table("notice_roles")
    with op.batch_alter_table("notice_units", schema=None) as batch_op:
        batch_op.drop_index("ix_notice_units_unit_id")
    op.drop_table("notice_units")
    with op.batch_alter_table("notices", schema=None) as batch_op:
        batch_op.drop_index("ix_notices_publisher_id")
        batch_op.drop_index("ix_notices_status_publish_at")
    op.drop_table("notices")
