"""Taking an exam (issue 23 section 3): start an attempt, save answers, submit, automatic
grading, certificates.

A staff member takes a published exam whose audience they are in, within its window
(`opens_on` .. `closes_on`) and its attempts allowed; starting while an attempt of the exam is
open gives that attempt back. The paper is drawn when the attempt starts, with the attempt's
seed (`brokers.training.assembly`), and kept with it: grading reads the paper as drawn.

The time limit, decided here: an attempt's deadline is its start plus the exam's limit. Answers
are saved as they are given (`save_answers`, refused after the deadline). A submission that
reaches the server by the deadline plus `GRACE` (the page submits by itself at zero, and the
request takes a moment) is graded on the answers it carries. A later one is not refused: it is
graded on the answers saved by the deadline, as at the limit, and marked `late`. An attempt
never submitted is closed the same way (`timeout`) the next time it is read: by its taker's
training page, the attempt, or a manager's results. Grading is `brokers.training.grading`
(multiple choice all-or-nothing).

Passing completes the courses whose exam it is and, when the exam grants one, issues a
certificate valid for its months from the day of passing. The staff member sees which questions
were right, and the right answers and explanations once they passed or have no attempt left;
a manager in whose staff scope they are sees everything. Starting (`training_exam_start`),
submitting (`training_exam_submit`), closing at the limit (`training_exam_timeout`) and viewing
an attempt (`training_attempt_view`) are audited; saving answers in progress is the taker's own
work and is not.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import sqlalchemy as sa

from brokerlens.access.audit import record_audit
from brokerlens.access.records import as_utc, utc_now
from brokerlens.access.staff_scope import check_staff
from brokerlens.access.training_exams import exam_row, paper_for
from brokerlens.access.training_reach import RowLike, TrainingRejected, is_for, my_staff, not_found
from brokerlens.auth.principal import Principal
from brokerlens.brokers.training.assembly import attempt_seed
from brokerlens.brokers.training.audience import beijing_day
from brokerlens.brokers.training.grading import PaperQuestion, chosen_keys, grade
from brokerlens.errors import Conflict, Forbidden, NotFound
from brokerlens.store.training_schema import (
    training_attempts,
    training_certificates,
    training_completions,
    training_courses,
)

GRACE = dt.timedelta(seconds=10)
a = training_attempts


@dataclass(frozen=True)
class Certificate:
    certificate_id: int
    staff_id: str
    exam_id: int
    name: str
    issued_on: dt.date
    expires_on: dt.date | None


@dataclass(frozen=True)
class AttemptQuestion:
    number: int
    question: PaperQuestion
    chosen: tuple[str, ...]
    right: bool | None  # None while the attempt is open
    shown: bool  # its right answer and explanation shown


@dataclass(frozen=True)
class AttemptView:
    attempt_id: int
    exam_id: int
    exam_title: str
    staff_id: str
    username: str
    status: str
    seed: int
    started_at: dt.datetime
    deadline_at: dt.datetime
    submitted_at: dt.datetime | None
    seconds_left: int | None  # while open
    questions: list[AttemptQuestion]
    score: int | None
    max_score: int
    passed: bool | None
    pass_mark: int
    time_limit_minutes: int
    attempts_left: int | None  # None: no limit
    certificate: Certificate | None

    @property
    def open(self) -> bool:
        return self.status == "in_progress"

    @property
    def percent(self) -> Decimal | None:
        if self.score is None or not self.max_score:
            return None
        share = Decimal(self.score * 100) / Decimal(self.max_score)
        return share.quantize(Decimal("0.01"), ROUND_HALF_UP)


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day `months` later (the month's last day where it is shorter)."""
    total = day.year * 12 + day.month - 1 + months
    year, month = divmod(total, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return dt.date(year, month + 1, min(day.day, last))


def _paper(row: RowLike) -> list[PaperQuestion]:
    return [PaperQuestion.of(item) for item in row["paper"]]


def checked_answers(
    paper: Sequence[PaperQuestion], answers: Mapping[str, Any]
) -> dict[str, list[str]]:
    """The answer sheet as stored (question id as text -> keys chosen, in option order), or
    TrainingRejected naming `answers`: only questions of the paper and their options."""
    if not isinstance(answers, Mapping):
        raise TrainingRejected("answers", "question id -> the option keys chosen")
    by_id = {str(q.question_id): q for q in paper}
    out: dict[str, list[str]] = {}
    for key, chosen in answers.items():
        question = by_id.get(str(key))
        if question is None:
            raise TrainingRejected("answers", f"question {str(key)[:12]!r} is not on this paper")
        picked = [chosen] if isinstance(chosen, str) else chosen
        if not isinstance(picked, list | tuple) or not all(isinstance(k, str) for k in picked):
            raise TrainingRejected("answers", f"question {key}: a list of option keys")
        known = chosen_keys(question, picked)
        if len(known) != len(set(picked)):
            raise TrainingRejected("answers", f"question {key}: not one of its options")
        if known:
            out[str(key)] = list(known)
    return out


def _attempts_left(connection: sa.Connection, exam: Any, staff_id: str) -> int | None:
    if exam["max_attempts"] is None:
        return None
    used = connection.execute(
        sa.select(sa.func.count())
        .select_from(a)
        .where(a.c.exam_id == exam["exam_id"], a.c.staff_id == staff_id)
    ).scalar_one()
    return max(0, int(exam["max_attempts"]) - int(used))


def _certificate(connection: sa.Connection, attempt_id: int) -> Certificate | None:
    c = training_certificates
    row = connection.execute(
        sa.select(
            c.c.certificate_id, c.c.staff_id, c.c.exam_id, c.c.name, c.c.issued_on, c.c.expires_on
        ).where(c.c.attempt_id == attempt_id)
    ).first()
    return Certificate(*row) if row is not None else None


def _view(
    connection: sa.Connection, row: RowLike, at: dt.datetime, *, everything: bool
) -> AttemptView:
    exam = exam_row(connection, row["exam_id"])
    left = _attempts_left(connection, exam, row["staff_id"])
    closed = row["status"] != "in_progress"
    reveal = closed and (everything or bool(row["passed"]) or left == 0)
    answers = row["answers"] or {}
    paper = _paper(row)
    results = grade(paper, answers).results if closed else {}
    questions = [
        AttemptQuestion(
            n,
            q,
            chosen_keys(q, answers.get(str(q.question_id))),
            results.get(q.question_id) if closed else None,
            reveal,
        )
        for n, q in enumerate(paper, start=1)
    ]
    deadline = as_utc(row["deadline_at"])
    seconds = max(0, int((deadline - at).total_seconds())) if not closed else None
    return AttemptView(
        attempt_id=row["attempt_id"],
        exam_id=row["exam_id"],
        exam_title=exam["title"],
        staff_id=row["staff_id"],
        username=row["username"],
        status=row["status"],
        seed=int(row["seed"]),
        started_at=as_utc(row["started_at"]),
        deadline_at=deadline,
        submitted_at=as_utc(row["submitted_at"]) if row["submitted_at"] else None,
        seconds_left=seconds,
        questions=questions,
        score=row["score"],
        max_score=row["max_score"],
        passed=row["passed"],
        pass_mark=exam["pass_mark"],
        time_limit_minutes=exam["time_limit_minutes"],
        attempts_left=left,
        certificate=_certificate(connection, row["attempt_id"]) if row["passed"] else None,
    )


def _issue(connection: sa.Connection, row: RowLike, exam: Any, at: dt.datetime) -> None:
    """What passing brings: the exam's courses completed, its certificate issued."""
    courses = connection.execute(
        sa.select(training_courses.c.course_id).where(training_courses.c.exam_id == exam["exam_id"])
    ).scalars()
    done = training_completions
    for course_id in courses:
        held = connection.execute(
            sa.select(done.c.course_id).where(
                done.c.course_id == course_id, done.c.staff_id == row["staff_id"]
            )
        ).first()
        if held is None:
            connection.execute(
                done.insert().values(
                    course_id=course_id,
                    staff_id=row["staff_id"],
                    completed_at=at,
                    via="exam",
                    attempt_id=row["attempt_id"],
                )
            )
    if exam["certificate_name"]:
        issued = beijing_day(at)
        months = exam["certificate_months"]
        connection.execute(
            training_certificates.insert().values(
                staff_id=row["staff_id"],
                exam_id=exam["exam_id"],
                attempt_id=row["attempt_id"],
                name=exam["certificate_name"],
                issued_on=issued,
                expires_on=add_months(issued, months) if months else None,
            )
        )


def _close(
    connection: sa.Connection,
    principal: Principal,
    row: RowLike,
    answers: Mapping[str, list[str]],
    status: str,
    at: dt.datetime,
) -> None:
    exam = exam_row(connection, row["exam_id"])
    graded = grade(_paper(row), answers)
    passed = graded.passed(exam["pass_mark"])
    connection.execute(
        a.update()
        .where(a.c.attempt_id == row["attempt_id"], a.c.status == "in_progress")
        .values(
            answers=dict(answers),
            status=status,
            submitted_at=at,
            score=graded.right,
            passed=passed,
        )
    )
    if passed:
        _issue(connection, row, exam, at)
    action = "training_exam_timeout" if status == "timeout" else "training_exam_submit"
    detail = {
        "attempt_id": row["attempt_id"],
        "exam_id": row["exam_id"],
        "staff_id": row["staff_id"],
        "status": status,
        "score": graded.right,
        "max_score": graded.total,
        "passed": passed,
    }
    record_audit(connection, principal, action, [], detail)


def close_expired(
    db: sa.Engine,
    principal: Principal,
    *,
    staff_ids: Sequence[str] | None = None,
    attempt_id: int | None = None,
    now: dt.datetime | None = None,
) -> int:
    """Close the open attempts past their deadline and grace (of `staff_ids`, or one attempt,
    or all): graded on the answers saved by the deadline. How many were closed."""
    at = utc_now(now)
    where = [a.c.status == "in_progress", a.c.deadline_at < at - GRACE]
    if staff_ids is not None:
        where.append(a.c.staff_id.in_(list(staff_ids)))
    if attempt_id is not None:
        where.append(a.c.attempt_id == attempt_id)
    closed = 0
    with db.begin() as connection:
        for row in connection.execute(sa.select(a).where(*where)).mappings().all():
            _close(
                connection,
                principal,
                row,
                row["answers"] or {},
                "timeout",
                as_utc(row["deadline_at"]),
            )
            closed += 1
    return closed


def _window(exam: Any, today: dt.date) -> None:
    if exam["opens_on"] and today < exam["opens_on"]:
        raise Conflict(f"exam {exam['exam_id']} opens on {exam['opens_on']}")
    if exam["closes_on"] and today > exam["closes_on"]:
        raise Conflict(f"exam {exam['exam_id']} closed on {exam['closes_on']}")


def start_attempt(
    db: sa.Engine, principal: Principal, exam_id: int, *, now: dt.datetime | None = None
) -> AttemptView:
    """Start an attempt of a published exam for the signed-in staff member (or give back the
    one open). Audited `training_exam_start`."""
    at = utc_now(now)
    today = beijing_day(at)
    if principal.staff_id:
        close_expired(db, principal, staff_ids=[principal.staff_id], now=at)
    with db.begin() as connection:
        me = my_staff(connection, principal, today)
        exam = exam_row(connection, exam_id)
        if exam["status"] != "published" or not is_for(connection, exam, me):
            raise not_found("exam", exam_id)
        open_one = (
            connection.execute(
                sa.select(a).where(
                    a.c.exam_id == exam_id, a.c.staff_id == me.staff_id, a.c.status == "in_progress"
                )
            )
            .mappings()
            .first()
        )
        if open_one is not None:
            return _view(connection, open_one, at, everything=False)
        _window(exam, today)
        left = _attempts_left(connection, exam, me.staff_id)
        if left == 0:
            raise Conflict(
                f"no attempt of exam {exam_id} left ({exam['max_attempts']} allowed)",
                hint="ask the exam's manager",
            )
        used = connection.execute(
            sa.select(sa.func.count())
            .select_from(a)
            .where(a.c.exam_id == exam_id, a.c.staff_id == me.staff_id)
        ).scalar_one()
        seed = attempt_seed(exam_id, me.staff_id, int(used) + 1)
        paper = paper_for(connection, exam, seed)
        row = (
            connection.execute(
                a.insert()
                .values(
                    exam_id=exam_id,
                    staff_id=me.staff_id,
                    username=principal.username,
                    seed=seed,
                    paper=[q.to_json() for q in paper],
                    answers={},
                    started_at=at,
                    deadline_at=at + dt.timedelta(minutes=int(exam["time_limit_minutes"])),
                    status="in_progress",
                    max_score=len(paper),
                )
                .returning(*a.c)
            )
            .mappings()
            .one()
        )
        detail = {"attempt_id": row["attempt_id"], "exam_id": exam_id, "seed": seed}
        record_audit(connection, principal, "training_exam_start", [], detail)
        return _view(connection, row, at, everything=False)


def _own(connection: sa.Connection, principal: Principal, attempt_id: int) -> RowLike:
    row = connection.execute(sa.select(a).where(a.c.attempt_id == attempt_id)).mappings().first()
    if row is None or not principal.staff_id or row["staff_id"] != principal.staff_id:
        raise not_found("attempt", attempt_id)
    return row


def save_answers(
    db: sa.Engine,
    principal: Principal,
    attempt_id: int,
    answers: Mapping[str, Any],
    *,
    now: dt.datetime | None = None,
) -> AttemptView:
    """Keep the answers given so far (the whole sheet); refused (409) once submitted or past
    the deadline, when the attempt is closed on what was saved by then."""
    at = utc_now(now)
    with db.begin() as connection:
        row = _own(connection, principal, attempt_id)
        if row["status"] != "in_progress":
            raise Conflict(f"attempt {attempt_id} is already closed")
        if at <= as_utc(row["deadline_at"]) + GRACE:
            sheet = checked_answers(_paper(row), answers)
            connection.execute(
                a.update().where(a.c.attempt_id == attempt_id).values(answers=sheet, saved_at=at)
            )
            changed = (
                connection.execute(sa.select(a).where(a.c.attempt_id == attempt_id))
                .mappings()
                .one()
            )
            return _view(connection, changed, at, everything=False)
    close_expired(db, principal, attempt_id=attempt_id, now=at)
    raise Conflict(
        f"the time limit of attempt {attempt_id} has passed",
        hint="it was graded on the answers saved by then",
    )


def submit_attempt(
    db: sa.Engine,
    principal: Principal,
    attempt_id: int,
    answers: Mapping[str, Any] | None = None,
    *,
    now: dt.datetime | None = None,
) -> AttemptView:
    """Submit the attempt and grade it: on `answers` (else the saved ones) when in time, on the
    answers saved by the deadline when late (see the module). Audited `training_exam_submit`."""
    at = utc_now(now)
    with db.begin() as connection:
        row = _own(connection, principal, attempt_id)
        if row["status"] != "in_progress":
            raise Conflict(f"attempt {attempt_id} is already submitted")
        in_time = at <= as_utc(row["deadline_at"]) + GRACE
        if in_time and answers is not None:
            sheet = checked_answers(_paper(row), answers)
        else:
            sheet = row["answers"] or {}
        _close(connection, principal, row, sheet, "submitted" if in_time else "late", at)
        closed = (
            connection.execute(sa.select(a).where(a.c.attempt_id == attempt_id)).mappings().one()
        )
        return _view(connection, closed, at, everything=False)


def get_attempt(
    db: sa.Engine, principal: Principal, attempt_id: int, *, now: dt.datetime | None = None
) -> AttemptView:
    """An attempt of the principal's own, or of a staff member in their staff scope (404
    otherwise). Closed first when past its deadline. Audited `training_attempt_view`."""
    at = utc_now(now)
    with db.connect() as connection:
        row = (
            connection.execute(sa.select(a).where(a.c.attempt_id == attempt_id)).mappings().first()
        )
        if row is None:
            raise not_found("attempt", attempt_id)
        own = bool(principal.staff_id) and row["staff_id"] == principal.staff_id
        if not own:
            try:
                check_staff(connection, principal, row["staff_id"])
            except (NotFound, Forbidden):
                raise not_found("attempt", attempt_id) from None
    close_expired(db, principal, attempt_id=attempt_id, now=at)
    with db.begin() as connection:
        row = connection.execute(sa.select(a).where(a.c.attempt_id == attempt_id)).mappings().one()
        view = _view(connection, row, at, everything=not own)
        detail = {"attempt_id": attempt_id, "staff_id": row["staff_id"], "status": row["status"]}
        record_audit(connection, principal, "training_attempt_view", [], detail)
    return view
