"""Training and exams (培训与考试, issue 23 section 3) in the operational store, on the shared
`metadata`.

- `training_courses`: a course (title, description), its audience (staff positions, a unit and
  the units below it; empty / NULL: everyone), who manages it (`owner_unit_id`; NULL: head
  office), whether it is required (counted in the completion figures and the KPI metric), a due
  date, its status (draft, published, archived) and, optionally, the exam whose pass completes
  it.
- `training_materials`: a course's materials in order: a text, a link (http/https) or a
  knowledge-base article (its id, no foreign key: the knowledge base is another part's).
- `training_questions`: the question bank: single choice, multiple choice or true/false, the
  options (key, text), the answer (the keys of the right options), category, difficulty and an
  explanation; `active` false: no longer drawn into a paper (papers already drawn keep it).
- `training_exams`: an exam assembled from the bank: `fixed` (the question ids in order) or
  `random` (`draw`: how many questions per category, drawn with each attempt's seed), its time
  limit, pass mark (percent), attempts allowed, audience, window, and the certificate it grants
  (name, months valid).
- `training_attempts`: one sitting: the seed and the paper as drawn (the questions with their
  answers, frozen, so grading never changes afterwards), the answers (saved as they are given
  and when submitted), start, deadline, submission, score and how it was closed.
- `training_completions`: a staff member completed a course (studied it, or passed its exam).
- `training_certificates`: issued on passing an exam that grants one, with its expiry.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
)

from brokerlens.store.schema import metadata

ITEM_STATUSES = ("draft", "published", "archived")
MATERIAL_KINDS = ("text", "link", "article")
QUESTION_KINDS = ("single", "multiple", "true_false")
DIFFICULTIES = ("easy", "medium", "hard")
EXAM_MODES = ("fixed", "random")
# in_progress; submitted (by the staff member in time); late (submitted after the limit: graded
# on the answers saved by then); timeout (never submitted: graded the same way when next read)
ATTEMPT_STATUSES = ("in_progress", "submitted", "late", "timeout")
COMPLETION_VIA = ("studied", "exam")

training_courses = Table(
    "training_courses",
    metadata,
    Column("course_id", Integer, primary_key=True, autoincrement=True),
    Column("title", String(200), nullable=False),
    Column("description", Text),
    Column("audience_positions", JSON, nullable=False, default=list),  # [] : every position
    Column("audience_unit_id", String(32)),  # NULL: the whole brokerage
    Column("owner_unit_id", String(32)),  # NULL: head office manages it
    Column("required", Boolean, nullable=False, default=False),
    Column("due_date", Date),
    Column("exam_id", Integer),  # passing this exam completes the course
    Column("status", String(16), nullable=False),  # ITEM_STATUSES
    Column("published_at", DateTime(timezone=True)),
    Column("created_by", String(64), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_by", String(64), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

training_materials = Table(
    "training_materials",
    metadata,
    Column("material_id", Integer, primary_key=True, autoincrement=True),
    Column(
        "course_id",
        Integer,
        ForeignKey("training_courses.course_id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    Column("position", Integer, nullable=False),  # order within the course, from 1
    Column("kind", String(16), nullable=False),  # MATERIAL_KINDS
    Column("title", String(200), nullable=False),
    Column("body", Text),  # kind text
    Column("url", String(1000)),  # kind link
    Column("article_id", Integer),  # kind article: a knowledge-base article (no foreign key)
)

training_questions = Table(
    "training_questions",
    metadata,
    Column("question_id", Integer, primary_key=True, autoincrement=True),
    Column("kind", String(16), nullable=False),  # QUESTION_KINDS
    Column("stem", Text, nullable=False),
    Column("options", JSON, nullable=False),  # [{"key": "A", "text": "..."}, ...]
    Column("answer", JSON, nullable=False),  # ["A"] / ["A", "C"] / ["T"]
    Column("category", String(64), nullable=False, index=True),
    Column("difficulty", String(16), nullable=False),  # DIFFICULTIES
    Column("explanation", Text),
    Column("active", Boolean, nullable=False, default=True),
    Column("owner_unit_id", String(32)),  # NULL: head office
    Column("created_by", String(64), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_by", String(64), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

training_exams = Table(
    "training_exams",
    metadata,
    Column("exam_id", Integer, primary_key=True, autoincrement=True),
    Column("title", String(200), nullable=False),
    Column("description", Text),
    Column("mode", String(16), nullable=False),  # EXAM_MODES
    Column("question_ids", JSON, nullable=False, default=list),  # fixed: in order
    Column("draw", JSON, nullable=False, default=list),  # random: [{"category", "count"}]
    Column("time_limit_minutes", Integer, nullable=False),
    Column("pass_mark", Integer, nullable=False),  # percent of the questions right, 0..100
    Column("max_attempts", Integer),  # NULL: no limit
    Column("audience_positions", JSON, nullable=False, default=list),
    Column("audience_unit_id", String(32)),
    Column("owner_unit_id", String(32)),
    Column("required", Boolean, nullable=False, default=False),
    Column("due_date", Date),
    Column("opens_on", Date),
    Column("closes_on", Date),
    Column("certificate_name", String(200)),  # NULL: grants no certificate
    Column("certificate_months", Integer),  # NULL: the certificate never expires
    Column("status", String(16), nullable=False),  # ITEM_STATUSES
    Column("published_at", DateTime(timezone=True)),
    Column("created_by", String(64), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_by", String(64), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

training_attempts = Table(
    "training_attempts",
    metadata,
    Column("attempt_id", Integer, primary_key=True, autoincrement=True),
    Column("exam_id", Integer, ForeignKey("training_exams.exam_id"), nullable=False),
    Column("staff_id", String(32), nullable=False),
    Column("username", String(64), nullable=False),
    Column("seed", BigInteger, nullable=False),
    Column("paper", JSON, nullable=False),  # the questions as drawn, answers included
    Column("answers", JSON, nullable=False, default=dict),  # {"question id": ["A", ...]}
    Column("saved_at", DateTime(timezone=True)),  # answers last saved (in time)
    Column("started_at", DateTime(timezone=True), nullable=False),
    Column("deadline_at", DateTime(timezone=True), nullable=False),
    Column("submitted_at", DateTime(timezone=True)),  # when it was closed
    Column("status", String(16), nullable=False),  # ATTEMPT_STATUSES
    Column("score", Integer),  # questions right
    Column("max_score", Integer, nullable=False),  # questions on the paper
    Column("passed", Boolean),
    Index("ix_training_attempts_exam_id_staff_id", "exam_id", "staff_id"),
    Index("ix_training_attempts_staff_id", "staff_id"),
)

training_completions = Table(
    "training_completions",
    metadata,
    Column(
        "course_id",
        Integer,
        ForeignKey("training_courses.course_id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("staff_id", String(32), primary_key=True),
    Column("completed_at", DateTime(timezone=True), nullable=False),
    Column("via", String(16), nullable=False),  # COMPLETION_VIA
    Column("attempt_id", Integer),  # via exam: the attempt that passed
    Index("ix_training_completions_staff_id", "staff_id"),
)

training_certificates = Table(
    "training_certificates",
    metadata,
    Column("certificate_id", Integer, primary_key=True, autoincrement=True),
    Column("staff_id", String(32), nullable=False, index=True),
    Column("exam_id", Integer, ForeignKey("training_exams.exam_id"), nullable=False),
    Column("attempt_id", Integer, ForeignKey("training_attempts.attempt_id"), nullable=False),
    Column("name", String(200), nullable=False),
    Column("issued_on", Date, nullable=False),
    Column("expires_on", Date),  # NULL: never
)
