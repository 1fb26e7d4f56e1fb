"""Exams (考试管理, issue 23 section 3) through the service layer: defining them from the question
bank (fixed questions, or a number drawn per category with each attempt's seed), publishing and
archiving them. Taking them is `access.training_attempts`.

Managing exams follows `access.training_reach` (manage_training, owner units): created as
drafts owned by the principal's unit, changed until someone sits them (afterwards: archive and
make another), published only when the bank as it stands can fill the paper. Every change is
audited (`training_exam_create`, `training_exam_update`, `training_exam_status`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, fields
from typing import Any

import sqlalchemy as sa

from brokerlens.access.audit import record_audit
from brokerlens.access.records import utc_now
from brokerlens.access.training_reach import (
    TEXT_MAX,
    TITLE_MAX,
    RowLike,
    TrainingRejected,
    check_audience,
    check_managed,
    is_for,
    managed_clause,
    managed_units,
    may_manage,
    my_staff,
    not_found,
    owner_of,
    stamp,
    text_field,
)
from brokerlens.auth.principal import Principal
from brokerlens.brokers.training.assembly import (
    MAX_DRAW_RULES,
    MAX_QUESTIONS,
    DrawRule,
    attempt_seed,
    draw,
)
from brokerlens.brokers.training.audience import beijing_day
from brokerlens.brokers.training.grading import PaperQuestion
from brokerlens.errors import Conflict
from brokerlens.store.training_schema import (
    EXAM_MODES,
    ITEM_STATUSES,
    training_attempts,
    training_exams,
    training_questions,
)

MAX_TIME_LIMIT = 600  # minutes
MAX_ATTEMPTS = 100
MAX_CERTIFICATE_MONTHS = 240
e, a = training_exams, training_attempts


@dataclass(frozen=True)
class ExamInput:
    title: str
    mode: str = "fixed"
    question_ids: Sequence[int] = ()
    draw: Sequence[DrawRule] = ()
    time_limit_minutes: int = 30
    pass_mark: int = 60
    description: str | None = None
    max_attempts: int | None = None
    audience_positions: Sequence[str] = ()
    audience_unit_id: str | None = None
    required: bool = False
    due_date: dt.date | None = None
    opens_on: dt.date | None = None
    closes_on: dt.date | None = None
    certificate_name: str | None = None
    certificate_months: int | None = None


@dataclass(frozen=True)
class Exam:
    exam_id: int
    title: str
    description: str | None
    mode: str
    question_ids: list[int]
    draw: list[dict[str, Any]]
    time_limit_minutes: int
    pass_mark: int
    max_attempts: int | None
    audience_positions: list[str]
    audience_unit_id: str | None
    owner_unit_id: str | None
    required: bool
    due_date: dt.date | None
    opens_on: dt.date | None
    closes_on: dt.date | None
    certificate_name: str | None
    certificate_months: int | None
    status: str
    published_at: dt.datetime | None
    created_by: str
    updated_by: str
    updated_at: dt.datetime

    @classmethod
    def of(cls, row: RowLike) -> Exam:
        return cls(**{f.name: row[f.name] for f in fields(cls)})

    @property
    def question_count(self) -> int:
        if self.mode == "fixed":
            return len(self.question_ids)
        return sum(int(r["count"]) for r in self.draw)


# -- defining exams -------------------------------------------------------------------------------


def _number(value: object, name: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise TrainingRejected(name, f"a whole number from {low} to {high}")
    return value


def _fixed(connection: sa.Connection, ids: Sequence[int]) -> list[int]:
    wanted = list(ids)
    if not wanted:
        raise TrainingRejected("question_ids", "a fixed exam lists its questions")
    if len(wanted) > MAX_QUESTIONS or len(set(wanted)) != len(wanted):
        raise TrainingRejected("question_ids", f"1 to {MAX_QUESTIONS} questions, each once")
    q = training_questions
    found = set(connection.execute(sa.select(q.c.question_id).where(q.c.question_id.in_(wanted))))
    missing = [i for i in wanted if (i,) not in found]
    if missing:
        raise TrainingRejected("question_ids", f"no question {missing[0]} in the bank")
    return wanted


def _draw(rules: Sequence[DrawRule]) -> list[dict[str, Any]]:
    if not rules or len(rules) > MAX_DRAW_RULES:
        raise TrainingRejected("draw", f"a random exam draws from 1 to {MAX_DRAW_RULES} categories")
    out: list[dict[str, Any]] = []
    for rule in rules:
        category = text_field(rule.category, "draw", 64, required=True)
        if any(r["category"] == category for r in out):
            raise TrainingRejected("draw", f"category {category!r} is named twice")
        out.append({"category": category, "count": _number(rule.count, "draw", 1, MAX_QUESTIONS)})
    if sum(r["count"] for r in out) > MAX_QUESTIONS:
        raise TrainingRejected("draw", f"at most {MAX_QUESTIONS} questions a paper")
    return out


def _dates(entry: ExamInput) -> None:
    if entry.opens_on and entry.closes_on and entry.closes_on < entry.opens_on:
        raise TrainingRejected("closes_on", "before the exam opens")


def _certificate(entry: ExamInput) -> dict[str, Any]:
    name = text_field(entry.certificate_name, "certificate_name", TITLE_MAX)
    months = entry.certificate_months
    if months is not None:
        months = _number(months, "certificate_months", 1, MAX_CERTIFICATE_MONTHS)
        if name is None:
            raise TrainingRejected("certificate_months", "name the certificate it grants")
    return {"certificate_name": name, "certificate_months": months}


def _checked(connection: sa.Connection, principal: Principal, entry: ExamInput) -> dict[str, Any]:
    if entry.mode not in EXAM_MODES:
        raise TrainingRejected("mode", f"one of {', '.join(EXAM_MODES)}")
    _dates(entry)
    positions, unit = check_audience(
        connection, principal, entry.audience_positions, entry.audience_unit_id
    )
    fixed = entry.mode == "fixed"
    attempts = entry.max_attempts
    return {
        "title": text_field(entry.title, "title", TITLE_MAX, required=True),
        "description": text_field(entry.description, "description", TEXT_MAX),
        "mode": entry.mode,
        "question_ids": _fixed(connection, entry.question_ids) if fixed else [],
        "draw": [] if fixed else _draw(entry.draw),
        "time_limit_minutes": _number(
            entry.time_limit_minutes, "time_limit_minutes", 1, MAX_TIME_LIMIT
        ),
        "pass_mark": _number(entry.pass_mark, "pass_mark", 0, 100),
        "max_attempts": None if attempts is None else _number(attempts, "max_attempts", 1, 100),
        "audience_positions": positions,
        "audience_unit_id": unit,
        "required": bool(entry.required),
        "due_date": entry.due_date,
        "opens_on": entry.opens_on,
        "closes_on": entry.closes_on,
        **_certificate(entry),
    }


def exam_row(connection: sa.Connection, exam_id: int) -> Any:
    row = connection.execute(sa.select(e).where(e.c.exam_id == exam_id)).mappings().first()
    if row is None:
        raise not_found("exam", exam_id)
    return row


def _audit_exam(connection: sa.Connection, principal: Principal, action: str, exam: Any) -> None:
    detail = {"exam_id": exam["exam_id"], "name": exam["title"], "status": exam["status"]}
    record_audit(connection, principal, action, [], detail)


def create_exam(
    db: sa.Engine, principal: Principal, entry: ExamInput, *, now: dt.datetime | None = None
) -> Exam:
    """A draft exam owned by the principal's unit (manage_training). Audited
    `training_exam_create`."""
    at = utc_now(now)
    with db.begin() as connection:
        values = _checked(connection, principal, entry)
        owner = owner_of(connection, principal)
        row = (
            connection.execute(
                e.insert()
                .values(
                    status="draft",
                    owner_unit_id=owner,
                    **values,
                    **stamp(principal, at, created=True),
                )
                .returning(*e.c)
            )
            .mappings()
            .one()
        )
        _audit_exam(connection, principal, "training_exam_create", row)
    return Exam.of(row)


def _attempted(connection: sa.Connection, exam_id: int) -> bool:
    return (
        connection.execute(sa.select(a.c.attempt_id).where(a.c.exam_id == exam_id)).first()
        is not None
    )


def update_exam(
    db: sa.Engine,
    principal: Principal,
    exam_id: int,
    entry: ExamInput,
    *,
    now: dt.datetime | None = None,
) -> Exam:
    """Change an exam nobody has sat yet (409 afterwards: archive it and make another).
    Audited `training_exam_update`."""
    at = utc_now(now)
    with db.begin() as connection:
        row = exam_row(connection, exam_id)
        check_managed(connection, principal, row["owner_unit_id"], "exam")
        if _attempted(connection, exam_id):
            raise Conflict(
                f"exam {exam_id} has been sat: it can no longer change",
                hint="archive it and make a new exam",
            )
        values = _checked(connection, principal, entry)
        changed = (
            connection.execute(
                e.update()
                .where(e.c.exam_id == exam_id)
                .values(**values, **stamp(principal, at))
                .returning(*e.c)
            )
            .mappings()
            .one()
        )
        _audit_exam(connection, principal, "training_exam_update", changed)
    return Exam.of(changed)


def bank_by_category(connection: sa.Connection) -> dict[str, list[int]]:
    q = training_questions
    found: dict[str, list[int]] = {}
    rows = connection.execute(sa.select(q.c.category, q.c.question_id).where(q.c.active.is_(True)))
    for category, question_id in rows:
        found.setdefault(str(category), []).append(int(question_id))
    return found


def _paper_ids(connection: sa.Connection, exam: Any, seed: int) -> list[int]:
    if exam["mode"] == "fixed":
        return [int(i) for i in exam["question_ids"]]
    rules = [DrawRule(str(r["category"]), int(r["count"])) for r in exam["draw"]]
    return draw(bank_by_category(connection), rules, seed)


def paper_for(connection: sa.Connection, exam: Any, seed: int) -> list[PaperQuestion]:
    """The exam's paper for a seed (the bank as it stands), questions in paper order."""
    ids = _paper_ids(connection, exam, seed)
    q = training_questions
    rows = {
        r["question_id"]: r
        for r in connection.execute(sa.select(q).where(q.c.question_id.in_(ids))).mappings()
    }
    paper = [PaperQuestion.of(rows[i]) for i in ids if i in rows]
    if not paper:
        raise Conflict(f"exam {exam['exam_id']} has no question left in the bank")
    return paper


def set_exam_status(
    db: sa.Engine,
    principal: Principal,
    exam_id: int,
    status: str,
    *,
    now: dt.datetime | None = None,
) -> Exam:
    """Publish (its paper must be drawable from the bank as it stands), archive, or take a
    never-sat exam back to draft. Audited `training_exam_status`."""
    if status not in ITEM_STATUSES:
        raise TrainingRejected("status", f"one of {', '.join(ITEM_STATUSES)}")
    at = utc_now(now)
    with db.begin() as connection:
        row = exam_row(connection, exam_id)
        check_managed(connection, principal, row["owner_unit_id"], "exam")
        if status == "draft" and _attempted(connection, exam_id):
            raise Conflict(f"exam {exam_id} has been sat: it cannot go back to draft")
        values: dict[str, Any] = {"status": status, **stamp(principal, at)}
        if status == "published":
            paper_for(connection, row, attempt_seed(exam_id, "publish-check", 1))
            if row["published_at"] is None:
                values["published_at"] = at
        changed = (
            connection.execute(
                e.update().where(e.c.exam_id == exam_id).values(**values).returning(*e.c)
            )
            .mappings()
            .one()
        )
        _audit_exam(connection, principal, "training_exam_status", changed)
    return Exam.of(changed)


def list_exams(db: sa.Engine, principal: Principal) -> list[Exam]:
    """The exams the principal manages, newest first (manage_training)."""
    with db.connect() as connection:
        managed = managed_units(connection, principal)
        rows = connection.execute(
            sa.select(e)
            .where(managed_clause(managed, e.c.owner_unit_id))
            .order_by(e.c.exam_id.desc())
        ).mappings()
        return [Exam.of(r) for r in rows]


def get_exam(
    db: sa.Engine, principal: Principal, exam_id: int, *, now: dt.datetime | None = None
) -> Exam:
    """An exam its manager may see, or a published one whose audience the principal is in."""
    today = beijing_day(utc_now(now))
    with db.connect() as connection:
        row = exam_row(connection, exam_id)
        if may_manage(connection, principal, row["owner_unit_id"]):
            return Exam.of(row)
        if row["status"] == "published" and principal.staff_id:
            me = my_staff(connection, principal, today)
            if is_for(connection, row, me):
                return Exam.of(row)
    raise not_found("exam", exam_id)
