"""Suitability records: checks, their events (warning, confirmation, sale, call-back) and
investor class requests.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29 18:10:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "suitability_checks",
        sa.Column("check_id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("checked_by", sa.String(length=64), nullable=False),
        sa.Column("customer_id", sa.String(length=32), nullable=False),
        sa.Column("branch_id", sa.String(length=32), nullable=True),
        sa.Column("as_of_date", sa.Date(), nullable=True),
        sa.Column("target_kind", sa.String(length=16), nullable=False),
        sa.Column("target_id", sa.String(length=64), nullable=False),
        sa.Column("target_name", sa.String(length=200), nullable=True),
        sa.Column("target_grade", sa.String(length=4), nullable=False),
        sa.Column("context", sa.String(length=16), nullable=False),
        sa.Column("risk_class", sa.String(length=4), nullable=True),
        sa.Column("professional", sa.Boolean(), nullable=False),
        sa.Column("verdict", sa.String(length=16), nullable=False),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.Column("callback_required", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("check_id", name=op.f("pk_suitability_checks")),
    )
    with op.batch_alter_table("suitability_checks", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_suitability_checks_at"), ["at"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_suitability_checks_customer_id"), ["customer_id"], unique=False
        )
    op.create_table(
        "suitability_events",
        sa.Column("event_id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("check_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("due_date", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["check_id"],
            ["suitability_checks.check_id"],
            name=op.f("fk_suitability_events_check_id_suitability_checks"),
        ),
        sa.PrimaryKeyConstraint("event_id", name=op.f("pk_suitability_events")),
    )
    with op.batch_alter_table("suitability_events", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_suitability_events_check_id"), ["check_id"], unique=False
        )
    op.create_table(
        "investor_class_requests",
        sa.Column("request_id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("customer_id", sa.String(length=32), nullable=False),
        sa.Column("direction", sa.String(length=16), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_by", sa.String(length=64), nullable=False),
        sa.Column("evidence", sa.Text(), nullable=True),
        sa.Column("data_outcome", sa.String(length=16), nullable=True),
        sa.Column("data_reasons", sa.JSON(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_by", sa.String(length=64), nullable=True),
        sa.Column("decision_note", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("request_id", name=op.f("pk_investor_class_requests")),
    )
    with op.batch_alter_table("investor_class_requests", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_investor_class_requests_customer_id"), ["customer_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("investor_class_requests", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_investor_class_requests_customer_id"))
    op.drop_table("investor_class_requests")
    with op.batch_alter_table("suitability_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_suitability_events_check_id"))
    op.drop_table("suitability_events")
    with op.batch_alter_table("suitability_checks", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_suitability_checks_customer_id"))
        batch_op.drop_index(batch_op.f("ix_suitability_checks_at"))
    op.drop_table("suitability_checks")
