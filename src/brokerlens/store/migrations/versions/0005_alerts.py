"""Alerts (客户定位): one row per customer, alert and business date, and their status changes.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29 21:05:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "alerts",
        sa.Column("alert_row_id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("as_of_date", sa.Date(), nullable=False),
        sa.Column("customer_id", sa.String(length=32), nullable=False),
        sa.Column("branch_id", sa.String(length=32), nullable=True),
        sa.Column("alert_id", sa.String(length=40), nullable=False),
        sa.Column("explanation", sa.JSON(), nullable=True),
        sa.Column("status", sa.String(length=16), server_default="new", nullable=False),
        sa.Column("status_by", sa.String(length=64), nullable=True),
        sa.Column("status_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("alert_row_id", name=op.f("pk_alerts")),
        sa.UniqueConstraint(
            "customer_id",
            "alert_id",
            "as_of_date",
            name=op.f("uq_alerts_customer_id_alert_id_as_of_date"),
        ),
    )
    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.create_index("ix_alerts_as_of_date", ["as_of_date"], unique=False)
        batch_op.create_index("ix_alerts_branch_id_status", ["branch_id", "status"], unique=False)
        batch_op.create_index("ix_alerts_customer_id", ["customer_id"], unique=False)
    op.create_table(
        "alert_actions",
        sa.Column("action_id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("alert_row_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("from_status", sa.String(length=16), nullable=False),
        sa.Column("to_status", sa.String(length=16), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["alert_row_id"],
            ["alerts.alert_row_id"],
            name=op.f("fk_alert_actions_alert_row_id_alerts"),
        ),
        sa.PrimaryKeyConstraint("action_id", name=op.f("pk_alert_actions")),
    )
    with op.batch_alter_table("alert_actions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_alert_actions_alert_row_id"), ["alert_row_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("alert_actions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_alert_actions_alert_row_id"))
    op.drop_table("alert_actions")
    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.drop_index("ix_alerts_customer_id")
        batch_op.drop_index("ix_alerts_branch_id_status")
        batch_op.drop_index("ix_alerts_as_of_date")
    op.drop_table("alerts")
