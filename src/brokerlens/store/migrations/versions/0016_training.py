"""Training and exams (issue 23 section 3): courses and their materials, the question bank,
exams, attempts, course completions and certificates.

Revision ID: 0016
Revises: 0013
Create Date: 2026-12-08 09:00:00.000000

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0016"
down_revision: str | Sequence[str] | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _stamps() -> list[sa.Column[object]]:
    return [
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(length=64), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    ]


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table(
        "training_courses",
        sa.Column("course_id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("audience_positions", sa.JSON(), nullable=False),
        sa.Column("audience_unit_id", sa.String(length=32), nullable=True),
        sa.Column("owner_unit_id", sa.String(length=32), nullable=True),
        sa.Column("required", sa.Boolean(), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=True),
        sa.Column("exam_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        *_stamps(),
        sa.PrimaryKeyConstraint("course_id", name=op.f("pk_training_courses")),
    )
    op.create_table(
        "training_materials",
        sa.Column("material_id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("course_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=True),
        sa.Column("url", sa.String(length=1000), nullable=True),
        sa.Column("article_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["course_id"],
            ["training_courses.course_id"],
            name=op.f("fk_training_materials_course_id_training_courses"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("material_id", name=op.f("pk_training_materials")),
    )
    with op.batch_alter_table("training_materials", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_training_materials_course_id"), ["course_id"], unique=False
        )
    op.create_table(
        "training_questions",
        sa.Column("question_id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("stem", sa.Text(), nullable=False),
        sa.Column("options", sa.JSON(), nullable=False),
        sa.Column("answer", sa.JSON(), nullable=False),
        sa.Column("category", sa.String(length=64), nullable=False),
        sa.Column("difficulty", sa.String(length=16), nullable=False),
        sa.Column("explanation", sa.Text(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("owner_unit_id", sa.String(length=32), nullable=True),
        *_stamps(),
        sa.PrimaryKeyConstraint("question_id", name=op.f("pk_training_questions")),
    )
    with op.batch_alter_table("training_questions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_training_questions_category"), ["category"], unique=False
        )
    op.create_table(
        "training_exams",
        sa.Column("exam_id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("mode", sa.String(length=16), nullable=False),
        sa.Column("question_ids", sa.JSON(), nullable=False),
        sa.Column("draw", sa.JSON(), nullable=False),
        sa.Column("time_limit_minutes", sa.Integer(), nullable=False),
        sa.Column("pass_mark", sa.Integer(), nullable=False),
        sa.Column("max_attempts", sa.Integer(), nullable=True),
        sa.Column("audience_positions", sa.JSON(), nullable=False),
        sa.Column("audience_unit_id", sa.String(length=32), nullable=True),
        sa.Column("owner_unit_id", sa.String(length=32), nullable=True),
        sa.Column("required", sa.Boolean(), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=True),
        sa.Column("opens_on", sa.Date(), nullable=True),
        sa.Column("closes_on", sa.Date(), nullable=True),
        sa.Column("certificate_name", sa.String(length=200), nullable=True),
        sa.Column("certificate_months", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        *_stamps(),
        sa.PrimaryKeyConstraint("exam_id", name=op.f("pk_training_exams")),
    )
    op.create_table(
        "training_attempts",
        sa.Column("attempt_id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("exam_id", sa.Integer(), nullable=False),
        sa.Column("staff_id", sa.String(length=32), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("seed", sa.BigInteger(), nullable=False),
        sa.Column("paper", sa.JSON(), nullable=False),
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.Column("saved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("deadline_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("score", sa.Integer(), nullable=True),
        sa.Column("max_score", sa.Integer(), nullable=False),
        sa.Column("passed", sa.Boolean(), nullable=True),
        sa.ForeignKeyConstraint(
            ["exam_id"],
            ["training_exams.exam_id"],
            name=op.f("fk_training_attempts_exam_id_training_exams"),
        ),
        sa.PrimaryKeyConstraint("attempt_id", name=op.f("pk_training_attempts")),
    )
    with op.batch_alter_table("training_attempts", schema=None) as batch_op:
        batch_op.create_index(
            "ix_training_attempts_exam_id_staff_id", ["exam_id", "staff_id"], unique=False
        )
        batch_op.create_index("ix_training_attempts_staff_id", ["staff_id"], unique=False)
    op.create_table(
        "training_completions",
        sa.Column("course_id", sa.Integer(), nullable=False),
        sa.Column("staff_id", sa.String(length=32), nullable=False),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("via", sa.String(length=16), nullable=False),
        sa.Column("attempt_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["course_id"],
            ["training_courses.course_id"],
            name=op.f("fk_training_completions_course_id_training_courses"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("course_id", "staff_id", name=op.f("pk_training_completions")),
    )
    with op.batch_alter_table("training_completions", schema=None) as batch_op:
        batch_op.create_index("ix_training_completions_staff_id", ["staff_id"], unique=False)
    op.create_table(
        "training_certificates",
        sa.Column("certificate_id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("staff_id", sa.String(length=32), nullable=False),
        sa.Column("exam_id", sa.Integer(), nullable=False),
        sa.Column("attempt_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("issued_on", sa.Date(), nullable=False),
        sa.Column("expires_on", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["attempt_id"],
            ["training_attempts.attempt_id"],
            name=op.f("fk_training_certificates_attempt_id_training_attempts"),
        ),
        sa.ForeignKeyConstraint(
            ["exam_id"],
            ["training_exams.exam_id"],
            name=op.f("fk_training_certificates_exam_id_training_exams"),
        ),
        sa.PrimaryKeyConstraint("certificate_id", name=op.f("pk_training_certificates")),
    )
    with op.batch_alter_table("training_certificates", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_training_certificates_staff_id"), ["staff_id"], unique=False
        )


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_table("training_certificates")
    op.drop_table("training_completions")
    op.drop_table("training_attempts")
    op.drop_table("training_exams")
    op.drop_table("training_questions")
    op.drop_table("training_materials")
    op.drop_table("training_courses")
