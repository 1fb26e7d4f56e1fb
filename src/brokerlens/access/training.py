"""Courses (培训管理, issue 23 section 3) through the service layer, and a staff member's own
training: the courses and exams assigned to them, their attempts and certificates.

A course has materials in order: a text, a link (http or https) or a knowledge-base article
(stored as the article's id, shown as a link to `/kb/articles/{id}`). Managing courses follows
`access.training_reach`: drafts owned by the principal's unit, published to their audience,
archived. A staff member in a published course's audience reads it and marks it studied; a
course with an exam is completed by passing the exam instead. Changes and completions are
audited (`training_course_create`, `training_course_update`, `training_course_status`,
`training_course_complete`); reading a course (its definition) and one's own training are not
(no customer data, nobody else's).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field, fields
from typing import Any
from urllib.parse import urlsplit

import sqlalchemy as sa

from brokerlens.access.audit import record_audit
from brokerlens.access.org import parents
from brokerlens.access.records import utc_now
from brokerlens.access.training_attempts import Certificate, close_expired
from brokerlens.access.training_exams import Exam
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
from brokerlens.auth.principal import Permission, Principal
from brokerlens.brokers.training.audience import beijing_day
from brokerlens.brokers.training.items import StaffRow
from brokerlens.errors import Conflict, Forbidden
from brokerlens.store.training_schema import (
    ITEM_STATUSES,
    MATERIAL_KINDS,
    training_attempts,
    training_certificates,
    training_completions,
    training_courses,
    training_exams,
    training_materials,
)

c, m = training_courses, training_materials
MAX_MATERIALS = 20
BODY_MAX = 20_000
URL_MAX = 1000
MAX_ARTICLE_ID = 2**31 - 1
KB_ARTICLE = "/kb/articles/{}"


@dataclass(frozen=True)
class MaterialInput:
    kind: str
    title: str
    body: str | None = None
    url: str | None = None
    article_id: int | None = None


@dataclass(frozen=True)
class CourseInput:
    title: str
    description: str | None = None
    audience_positions: Sequence[str] = ()
    audience_unit_id: str | None = None
    required: bool = False
    due_date: dt.date | None = None
    exam_id: int | None = None
    materials: Sequence[MaterialInput] = ()


@dataclass(frozen=True)
class Material:
    material_id: int
    position: int
    kind: str
    title: str
    body: str | None
    url: str | None
    article_id: int | None

    @property
    def href(self) -> str | None:
        """Where the material opens: its link, or the knowledge-base article's page."""
        if self.kind == "article" and self.article_id is not None:
            return KB_ARTICLE.format(self.article_id)
        return self.url if self.kind == "link" else None


@dataclass(frozen=True)
class Course:
    course_id: int
    title: str
    description: str | None
    audience_positions: list[str]
    audience_unit_id: str | None
    owner_unit_id: str | None
    required: bool
    due_date: dt.date | None
    exam_id: int | None
    status: str
    published_at: dt.datetime | None
    created_by: str
    updated_by: str
    updated_at: dt.datetime
    materials: list[Material] = field(default_factory=list)
    completed_at: dt.datetime | None = None  # the reader's own completion
    manageable: bool = False

    @classmethod
    def of(cls, row: RowLike, **more: Any) -> Course:
        names = {f.name for f in fields(cls)} - set(more)
        return cls(**{k: row[k] for k in names if k in row}, **more)


# -- defining courses ----------------------------------------------------------------------------


def _url(value: str | None) -> str:
    text = text_field(value, "materials", URL_MAX, required=True)
    assert text is not None
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise TrainingRejected("materials", f"a link is http:// or https:// (got {text[:60]!r})")
    return text


def _material(n: int, entry: MaterialInput) -> dict[str, Any]:
    if entry.kind not in MATERIAL_KINDS:
        raise TrainingRejected(
            "materials", f"material {n}: kind is one of {', '.join(MATERIAL_KINDS)}"
        )
    values: dict[str, Any] = {
        "position": n,
        "kind": entry.kind,
        "title": text_field(entry.title, "materials", TITLE_MAX, required=True),
        "body": None,
        "url": None,
        "article_id": None,
    }
    if entry.kind == "text":
        values["body"] = text_field(entry.body, "materials", BODY_MAX, required=True)
    elif entry.kind == "link":
        values["url"] = _url(entry.url)
    else:
        article = entry.article_id
        if (
            isinstance(article, bool)
            or not isinstance(article, int)
            or not 1 <= article <= MAX_ARTICLE_ID
        ):
            raise TrainingRejected("materials", f"material {n}: a knowledge-base article's number")
        values["article_id"] = article
    return values


def _checked(
    connection: sa.Connection, principal: Principal, entry: CourseInput
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    if len(entry.materials) > MAX_MATERIALS:
        raise TrainingRejected("materials", f"at most {MAX_MATERIALS} materials")
    positions, unit = check_audience(
        connection, principal, entry.audience_positions, entry.audience_unit_id
    )
    if entry.exam_id is not None:
        found = connection.execute(
            sa.select(training_exams.c.exam_id).where(training_exams.c.exam_id == entry.exam_id)
        ).first()
        if found is None:
            raise TrainingRejected("exam_id", f"no exam {entry.exam_id}")
    values = {
        "title": text_field(entry.title, "title", TITLE_MAX, required=True),
        "description": text_field(entry.description, "description", TEXT_MAX),
        "audience_positions": positions,
        "audience_unit_id": unit,
        "required": bool(entry.required),
        "due_date": entry.due_date,
        "exam_id": entry.exam_id,
    }
    return values, [_material(n, x) for n, x in enumerate(entry.materials, start=1)]


def _materials(connection: sa.Connection, course_id: int) -> list[Material]:
    rows = connection.execute(
        sa.select(m).where(m.c.course_id == course_id).order_by(m.c.position)
    ).mappings()
    return [Material(**{f.name: r[f.name] for f in fields(Material)}) for r in rows]


def _row(connection: sa.Connection, course_id: int) -> Any:
    row = connection.execute(sa.select(c).where(c.c.course_id == course_id)).mappings().first()
    if row is None:
        raise not_found("course", course_id)
    return row


def _audit(connection: sa.Connection, principal: Principal, action: str, row: Any) -> None:
    detail = {"course_id": row["course_id"], "name": row["title"], "status": row["status"]}
    record_audit(connection, principal, action, [], detail)


def _replace_materials(
    connection: sa.Connection, course_id: int, materials: list[dict[str, Any]]
) -> None:
    connection.execute(m.delete().where(m.c.course_id == course_id))
    if materials:
        connection.execute(m.insert(), [{"course_id": course_id, **x} for x in materials])


def _backfill(connection: sa.Connection, course_id: int, exam_id: int | None) -> None:
    """A course given an exam: those who passed it already have completed the course (on the
    day of their first pass)."""
    if exam_id is None:
        return
    att, done = training_attempts, training_completions
    held = set(
        connection.execute(
            sa.select(done.c.staff_id).where(done.c.course_id == course_id)
        ).scalars()
    )
    first: dict[str, tuple[dt.datetime, int]] = {}
    passed = connection.execute(
        sa.select(att.c.staff_id, att.c.submitted_at, att.c.attempt_id)
        .where(att.c.exam_id == exam_id, att.c.passed.is_(True))
        .order_by(att.c.attempt_id)
    )
    for staff_id, at, attempt_id in passed:
        if staff_id not in held and staff_id not in first:
            first[staff_id] = (at, attempt_id)
    if first:
        connection.execute(
            done.insert(),
            [
                {"course_id": course_id, "staff_id": k, "completed_at": at, "via": "exam",
                 "attempt_id": attempt_id}
                for k, (at, attempt_id) in first.items()
            ],
        )  # fmt: skip


def create_course(
    db: sa.Engine, principal: Principal, entry: CourseInput, *, now: dt.datetime | None = None
) -> Course:
    """A draft course owned by the principal's unit (manage_training). Audited
    `training_course_create`."""
    at = utc_now(now)
    with db.begin() as connection:
        values, materials = _checked(connection, principal, entry)
        owner = owner_of(connection, principal)
        row = (
            connection.execute(
                c.insert()
                .values(
                    status="draft",
                    owner_unit_id=owner,
                    **values,
                    **stamp(principal, at, created=True),
                )
                .returning(*c.c)
            )
            .mappings()
            .one()
        )
        _replace_materials(connection, row["course_id"], materials)
        _backfill(connection, row["course_id"], row["exam_id"])
        _audit(connection, principal, "training_course_create", row)
        return Course.of(row, materials=_materials(connection, row["course_id"]), manageable=True)


def update_course(
    db: sa.Engine,
    principal: Principal,
    course_id: int,
    entry: CourseInput,
    *,
    now: dt.datetime | None = None,
) -> Course:
    """Change a course (its materials replaced by the ones given). Completions stay. Audited
    `training_course_update`."""
    at = utc_now(now)
    with db.begin() as connection:
        row = _row(connection, course_id)
        check_managed(connection, principal, row["owner_unit_id"], "course")
        values, materials = _checked(connection, principal, entry)
        changed = (
            connection.execute(
                c.update()
                .where(c.c.course_id == course_id)
                .values(**values, **stamp(principal, at))
                .returning(*c.c)
            )
            .mappings()
            .one()
        )
        _replace_materials(connection, course_id, materials)
        _backfill(connection, course_id, changed["exam_id"])
        _audit(connection, principal, "training_course_update", changed)
        return Course.of(changed, materials=_materials(connection, course_id), manageable=True)


def set_course_status(
    db: sa.Engine,
    principal: Principal,
    course_id: int,
    status: str,
    *,
    now: dt.datetime | None = None,
) -> Course:
    """Publish a course to its audience, archive it, or take it back to draft. Audited
    `training_course_status`."""
    if status not in ITEM_STATUSES:
        raise TrainingRejected("status", f"one of {', '.join(ITEM_STATUSES)}")
    at = utc_now(now)
    with db.begin() as connection:
        row = _row(connection, course_id)
        check_managed(connection, principal, row["owner_unit_id"], "course")
        values: dict[str, Any] = {"status": status, **stamp(principal, at)}
        if status == "published" and row["published_at"] is None:
            values["published_at"] = at
        changed = (
            connection.execute(
                c.update().where(c.c.course_id == course_id).values(**values).returning(*c.c)
            )
            .mappings()
            .one()
        )
        _audit(connection, principal, "training_course_status", changed)
        return Course.of(changed, materials=_materials(connection, course_id), manageable=True)


def list_courses(db: sa.Engine, principal: Principal) -> list[Course]:
    """The courses the principal manages, newest first (manage_training)."""
    with db.connect() as connection:
        managed = managed_units(connection, principal)
        rows = connection.execute(
            sa.select(c)
            .where(managed_clause(managed, c.c.owner_unit_id))
            .order_by(c.c.course_id.desc())
        ).mappings()
        return [Course.of(r, manageable=True) for r in rows]


def _completed(connection: sa.Connection, course_id: int, staff_id: str) -> dt.datetime | None:
    done = training_completions
    return connection.execute(
        sa.select(done.c.completed_at).where(
            done.c.course_id == course_id, done.c.staff_id == staff_id
        )
    ).scalar()


def get_course(
    db: sa.Engine, principal: Principal, course_id: int, *, now: dt.datetime | None = None
) -> Course:
    """A course with its materials: for its manager, or a published one for its audience (404
    otherwise), with the reader's own completion."""
    today = beijing_day(utc_now(now))
    with db.connect() as connection:
        row = _row(connection, course_id)
        manageable = may_manage(connection, principal, row["owner_unit_id"])
        me: StaffRow | None = None
        if row["status"] == "published" and principal.staff_id:
            me = next(iter(_me(connection, principal, today)), None)
        if not manageable and (me is None or not is_for(connection, row, me)):
            raise not_found("course", course_id)
        done = _completed(connection, course_id, me.staff_id) if me is not None else None
        materials = _materials(connection, course_id)
        return Course.of(row, materials=materials, completed_at=done, manageable=manageable)


def _me(connection: sa.Connection, principal: Principal, today: dt.date) -> list[StaffRow]:
    try:
        return [my_staff(connection, principal, today)]
    except Forbidden:  # no staff record: reads as a manager only
        return []


def complete_course(
    db: sa.Engine, principal: Principal, course_id: int, *, now: dt.datetime | None = None
) -> Course:
    """Mark a published course of one's audience studied (a course with an exam is completed by
    passing it: 409). Again is a no-op. Audited `training_course_complete`."""
    at = utc_now(now)
    with db.begin() as connection:
        me = my_staff(connection, principal, beijing_day(at))
        row = _row(connection, course_id)
        if row["status"] != "published" or not is_for(connection, row, me):
            raise not_found("course", course_id)
        if row["exam_id"] is not None:
            raise Conflict(
                f"course {course_id} is completed by passing its exam {row['exam_id']}",
                hint=f"take exam {row['exam_id']}",
            )
        if _completed(connection, course_id, me.staff_id) is None:
            connection.execute(
                training_completions.insert().values(
                    course_id=course_id, staff_id=me.staff_id, completed_at=at, via="studied"
                )
            )
            _audit(connection, principal, "training_course_complete", row)
        done = _completed(connection, course_id, me.staff_id)
        return Course.of(row, materials=_materials(connection, course_id), completed_at=done)


# -- one's own training ---------------------------------------------------------------------------


@dataclass(frozen=True)
class MyExam:
    exam: Exam
    attempts: int
    attempts_left: int | None
    best_score: int | None
    max_score: int | None
    passed: bool
    open_attempt_id: int | None
    last_attempt_id: int | None


@dataclass(frozen=True)
class MyTraining:
    staff: StaffRow | None  # None: the account is not a staff member's
    courses: list[Course]
    exams: list[MyExam]
    certificates: list[Certificate]
    manages: bool  # holds manage_training


def _my_courses(connection: sa.Connection, me: StaffRow) -> list[Course]:
    rows = connection.execute(
        sa.select(c).where(c.c.status == "published").order_by(c.c.due_date, c.c.course_id)
    ).mappings()
    done = dict(
        connection.execute(
            sa.select(training_completions.c.course_id, training_completions.c.completed_at).where(
                training_completions.c.staff_id == me.staff_id
            )
        ).all()
    )
    tree = parents(connection)
    return [
        Course.of(r, completed_at=done.get(r["course_id"]))
        for r in rows
        if is_for(connection, r, me, tree)
    ]


def _my_exam(connection: sa.Connection, row: Any, me: StaffRow) -> MyExam:
    att = training_attempts
    tries = connection.execute(
        sa.select(att.c.attempt_id, att.c.status, att.c.score, att.c.max_score, att.c.passed)
        .where(att.c.exam_id == row["exam_id"], att.c.staff_id == me.staff_id)
        .order_by(att.c.attempt_id)
    ).all()
    scored = [t for t in tries if t.score is not None]
    best = max(
        scored, key=lambda t: (t.score * 1.0 / max(t.max_score, 1), t.attempt_id), default=None
    )
    limit = row["max_attempts"]
    return MyExam(
        exam=Exam.of(row),
        attempts=len(tries),
        attempts_left=None if limit is None else max(0, limit - len(tries)),
        best_score=best.score if best else None,
        max_score=best.max_score if best else None,
        passed=any(t.passed for t in tries),
        open_attempt_id=next((t.attempt_id for t in tries if t.status == "in_progress"), None),
        last_attempt_id=tries[-1].attempt_id if tries else None,
    )


def my_training(
    db: sa.Engine, principal: Principal, *, now: dt.datetime | None = None
) -> MyTraining:
    """The signed-in user's courses, exams and certificates (none for an account that is not a
    staff member's), open attempts past their limit closed first."""
    at = utc_now(now)
    today = beijing_day(at)
    if principal.staff_id:
        close_expired(db, principal, staff_ids=[principal.staff_id], now=at)
    with db.connect() as connection:
        me = next(iter(_me(connection, principal, today)), None)
        manages = principal.can(Permission.MANAGE_TRAINING)
        if me is None:
            return MyTraining(None, [], [], [], manages)
        exams = connection.execute(
            sa.select(training_exams)
            .where(training_exams.c.status == "published")
            .order_by(training_exams.c.due_date, training_exams.c.exam_id)
        ).mappings()
        tree = parents(connection)
        mine = [_my_exam(connection, r, me) for r in exams if is_for(connection, r, me, tree)]
        cert = training_certificates
        certificates = [
            Certificate(*r)
            for r in connection.execute(
                sa.select(
                    cert.c.certificate_id,
                    cert.c.staff_id,
                    cert.c.exam_id,
                    cert.c.name,
                    cert.c.issued_on,
                    cert.c.expires_on,
                )
                .where(cert.c.staff_id == me.staff_id)
                .order_by(cert.c.issued_on.desc(), cert.c.certificate_id.desc())
            )
        ]
        return MyTraining(me, _my_courses(connection, me), mine, certificates, manages)
