"""培训与考试 (issue 23 section 3) through `brokerlens.access.training*`: one's own training,
courses, the question bank (and its CSV / YAML import), exams, taking an exam, results,
completion figures per branch or team, certificates and qualification lapses.

Who may do what is decided in the access modules (manage_training and owner units for managing;
a staff record for taking; the staff scope for results); every change is audited there.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, Field, model_validator
from starlette.concurrency import run_in_threadpool

from brokerlens.access import training as courses
from brokerlens.access import training_attempts as attempts
from brokerlens.access import training_bank as bank
from brokerlens.access import training_exams as exams
from brokerlens.access import training_results as results
from brokerlens.brokers.training.assembly import MAX_QUESTIONS, DrawRule
from brokerlens.brokers.training.question_file import MAX_FILE_BYTES
from brokerlens.brokers.training.questions import QuestionInput
from brokerlens.errors import InvalidRequest
from brokerlens.web.bounds import EARLIEST_DAY, LATEST_DAY, MAX_ID, IdPath, PageQuery
from brokerlens.web.deps import CsrfDep, DbDep, PrincipalDep

router = APIRouter(prefix="/api/training", tags=["training"], dependencies=[CsrfDep])

Position = Literal["broker", "advisor", "team_lead", "branch_manager", "service", "hq_marketing"]
Status = Literal["draft", "published", "archived"]
Day = Annotated[dt.date | None, Field(default=None, ge=EARLIEST_DAY, le=LATEST_DAY)]
Id = Annotated[int, Field(ge=1, le=MAX_ID)]
Text = Annotated[str, Field(max_length=500)]
UnitId = Annotated[str | None, Field(default=None, min_length=1, max_length=32)]
CSV_OR_YAML = {
    "requestBody": {
        "required": True,
        "content": {
            "text/csv": {"schema": {"type": "string"}},
            "application/yaml": {"schema": {"type": "string"}},
        },
    }
}


# -- bodies ---------------------------------------------------------------------------------------


class MaterialBody(BaseModel):
    kind: Literal["text", "link", "article"]
    title: str = Field(max_length=200)
    body: str | None = Field(default=None, max_length=courses.BODY_MAX)
    url: str | None = Field(default=None, max_length=courses.URL_MAX)
    article_id: Id | None = Field(default=None, description="a knowledge-base article's id")


class CourseBody(BaseModel):
    title: str = Field(max_length=200)
    description: str | None = Field(default=None, max_length=5000)
    audience_positions: list[Position] = Field(default_factory=list, max_length=6)
    audience_unit_id: UnitId = None
    required: bool = False
    due_date: Day = None
    exam_id: Id | None = Field(default=None, description="passing this exam completes it")
    materials: list[MaterialBody] = Field(default_factory=list, max_length=courses.MAX_MATERIALS)

    def entry(self) -> courses.CourseInput:
        values = self.model_dump(exclude={"materials"})
        made = [courses.MaterialInput(**m.model_dump()) for m in self.materials]
        return courses.CourseInput(**values, materials=made)


class StatusBody(BaseModel):
    status: Status


class QuestionBody(BaseModel):
    kind: str = Field(max_length=16, description="single, multiple or true_false (单选/多选/判断)")
    stem: str = Field(max_length=4000)
    options: list[Text] = Field(default_factory=list, max_length=8)
    answer: str | list[Annotated[str, Field(max_length=8)]] = Field(
        description="the right options' keys: A, AC, [A, C]; T or F for true/false"
    )
    category: str = Field(max_length=200)
    difficulty: str | None = Field(default=None, max_length=16)
    explanation: str | None = Field(default=None, max_length=4000)
    active: bool | None = Field(default=None, description="false: no longer drawn")

    def entry(self) -> QuestionInput:
        answer = self.answer if isinstance(self.answer, str) else list(self.answer)
        return QuestionInput(
            self.kind,
            self.stem,
            self.category,
            answer,
            list(self.options),
            self.difficulty,
            self.explanation,
        )


class DrawBody(BaseModel):
    category: str = Field(max_length=64)
    count: int = Field(ge=1, le=MAX_QUESTIONS)


class ExamBody(BaseModel):
    title: str = Field(max_length=200)
    description: str | None = Field(default=None, max_length=5000)
    mode: Literal["fixed", "random"] = "fixed"
    question_ids: list[Id] = Field(default_factory=list, max_length=MAX_QUESTIONS)
    draw: list[DrawBody] = Field(default_factory=list, max_length=20)
    time_limit_minutes: int = Field(default=30, ge=1, le=600)
    pass_mark: int = Field(default=60, ge=0, le=100, description="percent of questions right")
    max_attempts: int | None = Field(default=None, ge=1, le=100)
    audience_positions: list[Position] = Field(default_factory=list, max_length=6)
    audience_unit_id: UnitId = None
    required: bool = False
    due_date: Day = None
    opens_on: Day = None
    closes_on: Day = None
    certificate_name: str | None = Field(default=None, max_length=200)
    certificate_months: int | None = Field(default=None, ge=1, le=240)

    def entry(self) -> exams.ExamInput:
        values = self.model_dump(exclude={"draw"})
        rules = [DrawRule(d.category, d.count) for d in self.draw]
        return exams.ExamInput(**values, draw=rules)


class AnswersBody(BaseModel):
    answers: dict[
        Annotated[str, Field(max_length=12)], list[Annotated[str, Field(max_length=4)]]
    ] = Field(default_factory=dict, description="question id -> the option keys chosen")

    @model_validator(mode="after")
    def _size(self) -> AnswersBody:
        if len(self.answers) > MAX_QUESTIONS or any(len(v) > 8 for v in self.answers.values()):
            raise ValueError(f"at most {MAX_QUESTIONS} questions and 8 keys each")
        return self


class SubmitBody(BaseModel):
    answers: (
        dict[Annotated[str, Field(max_length=12)], list[Annotated[str, Field(max_length=4)]]] | None
    ) = Field(default=None, description="none: the answers saved so far")

    @model_validator(mode="after")
    def _size(self) -> SubmitBody:
        if self.answers is not None and len(self.answers) > MAX_QUESTIONS:
            raise ValueError(f"at most {MAX_QUESTIONS} questions")
        return self


# -- answers --------------------------------------------------------------------------------------


class MaterialPublic(BaseModel):
    material_id: int
    position: int
    kind: str
    title: str
    body: str | None
    url: str | None
    article_id: int | None
    href: str | None = Field(description="the link, or the knowledge-base article's page")


class CoursePublic(BaseModel):
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
    updated_by: str
    updated_at: dt.datetime
    materials: list[MaterialPublic]
    completed_at: dt.datetime | None = Field(description="your own completion")


def course_public(c: courses.Course) -> CoursePublic:
    values = {k: getattr(c, k) for k in CoursePublic.model_fields if k != "materials"}
    made = [MaterialPublic(**vars(m), href=m.href) for m in c.materials]
    return CoursePublic(**values, materials=made)


class QuestionPublic(BaseModel):
    question_id: int
    kind: str
    stem: str
    options: list[dict[str, str]]
    answer: list[str]
    category: str
    difficulty: str
    explanation: str | None
    active: bool
    owner_unit_id: str | None
    editable: bool


class QuestionsPublic(BaseModel):
    data: list[QuestionPublic]
    count: int
    total: int
    page: int
    categories: dict[str, int] = Field(description="category -> active questions")


def question_public(q: bank.Question) -> QuestionPublic:
    return QuestionPublic(**{k: getattr(q, k) for k in QuestionPublic.model_fields})


class ImportPublic(BaseModel):
    imported: int
    categories: dict[str, int]
    first_id: int | None
    last_id: int | None


class ExamPublic(BaseModel):
    exam_id: int
    title: str
    description: str | None
    mode: str
    question_ids: list[int]
    draw: list[dict[str, Any]]
    question_count: int
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
    updated_by: str
    updated_at: dt.datetime


def exam_public(x: exams.Exam) -> ExamPublic:
    return ExamPublic(**{k: getattr(x, k) for k in ExamPublic.model_fields})


class CertificatePublic(BaseModel):
    certificate_id: int
    staff_id: str
    exam_id: int
    name: str
    issued_on: dt.date
    expires_on: dt.date | None


class AttemptQuestionPublic(BaseModel):
    number: int
    question_id: int
    kind: str
    stem: str
    options: list[dict[str, str]]
    chosen: list[str]
    right: bool | None = Field(description="null while the attempt is open")
    answer: list[str] | None = Field(description="shown once passed or no attempt is left")
    explanation: str | None


class AttemptPublic(BaseModel):
    attempt_id: int
    exam_id: int
    exam_title: str
    staff_id: str
    status: str = Field(description="in_progress, submitted, late or timeout")
    seed: int
    started_at: dt.datetime
    deadline_at: dt.datetime
    submitted_at: dt.datetime | None
    seconds_left: int | None
    score: int | None
    max_score: int
    percent: Decimal | None
    passed: bool | None
    pass_mark: int
    attempts_left: int | None
    certificate: CertificatePublic | None
    questions: list[AttemptQuestionPublic]


def attempt_public(v: attempts.AttemptView) -> AttemptPublic:
    shown = [
        AttemptQuestionPublic(
            number=q.number,
            question_id=q.question.question_id,
            kind=q.question.kind,
            stem=q.question.stem,
            options=[{"key": o.key, "text": o.text} for o in q.question.options],
            chosen=list(q.chosen),
            right=q.right,
            answer=list(q.question.answer) if q.shown else None,
            explanation=q.question.explanation if q.shown else None,
        )
        for q in v.questions
    ]
    certificate = CertificatePublic(**vars(v.certificate)) if v.certificate else None
    values = {
        k: getattr(v, k)
        for k in AttemptPublic.model_fields
        if k not in ("questions", "certificate")
    }
    return AttemptPublic(**values, certificate=certificate, questions=shown)


class MyExamPublic(BaseModel):
    exam: ExamPublic
    attempts: int
    attempts_left: int | None
    best_score: int | None
    max_score: int | None
    passed: bool
    open_attempt_id: int | None
    last_attempt_id: int | None


class MyTrainingPublic(BaseModel):
    staff_id: str | None = Field(description="null: the account is not a staff member's")
    courses: list[CoursePublic]
    exams: list[MyExamPublic]
    certificates: list[CertificatePublic]
    manages: bool


class ResultPublic(BaseModel):
    exam_id: int
    exam_title: str
    staff_id: str
    name: str
    unit_id: str
    branch_id: str | None
    position: str
    assigned: bool
    attempts: int
    best_score: int | None
    max_score: int | None
    best_percent: Decimal | None
    passed: bool
    passed_on: dt.date | None
    last_attempt_id: int | None


class ResultsPublic(BaseModel):
    data: list[ResultPublic]
    count: int


class UnitFiguresPublic(BaseModel):
    unit_id: str | None
    staff: int
    courses_assigned: int
    courses_done: int
    course_completion: Decimal | None
    exams_assigned: int
    exams_sat: int
    exams_passed: int
    pass_rate: Decimal | None = Field(description="passed / sat")
    exam_completion: Decimal | None = Field(description="passed / assigned")


def figures_public(f: results.UnitFigures) -> UnitFiguresPublic:
    return UnitFiguresPublic(**{k: getattr(f, k) for k in UnitFiguresPublic.model_fields})


class FiguresPublic(BaseModel):
    level: str
    as_of: dt.date
    item: str | None
    data: list[UnitFiguresPublic]
    total: UnitFiguresPublic


class CertificateRowPublic(BaseModel):
    certificate_id: int
    staff_id: str
    name: str
    unit_id: str
    certificate: str
    exam_id: int
    issued_on: dt.date
    expires_on: dt.date | None
    state: str


class CertificatesPublic(BaseModel):
    data: list[CertificateRowPublic]
    count: int


class LapsePublic(BaseModel):
    staff_id: str
    name: str
    unit_id: str
    position: str
    reason: str = Field(description="no_sac_cert, cert_expired or cert_expiring")
    certificate: str | None
    expires_on: dt.date | None
    days_left: int | None


class LapsesPublic(BaseModel):
    as_of: dt.date
    data: list[LapsePublic]
    count: int


# -- one's own training and courses ---------------------------------------------------------------


@router.get("/me", response_model=MyTrainingPublic)
def my_training(db: DbDep, principal: PrincipalDep) -> MyTrainingPublic:
    """Your courses, exams (attempts, best score, passed) and certificates."""
    mine = courses.my_training(db, principal)
    return MyTrainingPublic(
        staff_id=mine.staff.staff_id if mine.staff else None,
        courses=[course_public(c) for c in mine.courses],
        exams=[MyExamPublic(**{**vars(x), "exam": exam_public(x.exam)}) for x in mine.exams],
        certificates=[CertificatePublic(**vars(c)) for c in mine.certificates],
        manages=mine.manages,
    )


@router.get("/courses", response_model=list[CoursePublic])
def list_courses(db: DbDep, principal: PrincipalDep) -> list[CoursePublic]:
    """The courses you manage (manage_training), newest first."""
    return [course_public(c) for c in courses.list_courses(db, principal)]


@router.post("/courses", response_model=CoursePublic, status_code=201)
def create_course(body: CourseBody, db: DbDep, principal: PrincipalDep) -> CoursePublic:
    """A draft course owned by your unit. Audited `training_course_create`."""
    return course_public(courses.create_course(db, principal, body.entry()))


@router.get("/courses/{course_id}", response_model=CoursePublic)
def get_course(course_id: IdPath, db: DbDep, principal: PrincipalDep) -> CoursePublic:
    """A course with its materials: its manager's, or a published one of your audience."""
    return course_public(courses.get_course(db, principal, course_id))


@router.put("/courses/{course_id}", response_model=CoursePublic)
def update_course(
    course_id: IdPath, body: CourseBody, db: DbDep, principal: PrincipalDep
) -> CoursePublic:
    """Change a course you manage (materials replaced). Audited `training_course_update`."""
    return course_public(courses.update_course(db, principal, course_id, body.entry()))


@router.post("/courses/{course_id}/status", response_model=CoursePublic)
def course_status(
    course_id: IdPath, body: StatusBody, db: DbDep, principal: PrincipalDep
) -> CoursePublic:
    """Publish, archive or take back to draft. Audited `training_course_status`."""
    return course_public(courses.set_course_status(db, principal, course_id, body.status))


@router.post("/courses/{course_id}/complete", response_model=CoursePublic)
def complete_course(course_id: IdPath, db: DbDep, principal: PrincipalDep) -> CoursePublic:
    """Mark a course of yours studied (409 for a course completed by its exam). Audited
    `training_course_complete`."""
    return course_public(courses.complete_course(db, principal, course_id))


# -- the question bank ---------------------------------------------------------------------------


@router.get("/questions", response_model=QuestionsPublic)
def list_questions(
    db: DbDep,
    principal: PrincipalDep,
    category: Annotated[str | None, Query(max_length=64)] = None,
    kind: Literal["single", "multiple", "true_false"] | None = None,
    active: bool | None = None,
    q: Annotated[str | None, Query(max_length=100, description="words of the stem")] = None,
    page: PageQuery = 1,
    page_size: Annotated[int, Query(ge=1, le=bank.MAX_PAGE_SIZE)] = 50,
) -> QuestionsPublic:
    """The question bank (manage_training), newest first."""
    found = bank.list_questions(
        db,
        principal,
        category=category,
        kind=kind,
        active=active,
        search=q,
        page=page,
        page_size=page_size,
    )
    return QuestionsPublic(
        data=[question_public(x) for x in found.rows],
        count=len(found.rows),
        total=found.total,
        page=found.page,
        categories=dict(found.categories),
    )


@router.post("/questions", response_model=QuestionPublic, status_code=201)
def create_question(body: QuestionBody, db: DbDep, principal: PrincipalDep) -> QuestionPublic:
    """Add a question to the bank. Audited `training_question_create`."""
    return question_public(bank.create_question(db, principal, body.entry()))


@router.put("/questions/{question_id}", response_model=QuestionPublic)
def update_question(
    question_id: IdPath, body: QuestionBody, db: DbDep, principal: PrincipalDep
) -> QuestionPublic:
    """Change a question your units own (papers drawn keep it as it was). Audited
    `training_question_update`."""
    changed = bank.update_question(db, principal, question_id, body.entry(), active=body.active)
    return question_public(changed)


@router.post(
    "/questions/import", response_model=ImportPublic, status_code=201, openapi_extra=CSV_OR_YAML
)
async def import_questions(
    request: Request,
    db: DbDep,
    principal: PrincipalDep,
    name: Annotated[str, Query(min_length=1, max_length=200)] = "questions.csv",
    format: Literal["csv", "yaml"] | None = None,
) -> ImportPublic:
    """Add every question of a CSV or YAML file (the body), or none: the first problem is
    refused (422) with its line and column. Audited `training_question_import`."""
    data = await request.body()
    if len(data) > MAX_FILE_BYTES:
        raise InvalidRequest(f"the file is larger than {MAX_FILE_BYTES:,} bytes")
    declared = format or request.headers.get("content-type")
    done = await run_in_threadpool(bank.import_questions, db, principal, data, name, declared)
    return ImportPublic(
        imported=done.count,
        categories=done.categories,
        first_id=done.first_id,
        last_id=done.last_id,
    )


# -- exams and attempts ---------------------------------------------------------------------------


@router.get("/exams", response_model=list[ExamPublic])
def list_exams(db: DbDep, principal: PrincipalDep) -> list[ExamPublic]:
    """The exams you manage (manage_training), newest first."""
    return [exam_public(x) for x in exams.list_exams(db, principal)]


@router.post("/exams", response_model=ExamPublic, status_code=201)
def create_exam(body: ExamBody, db: DbDep, principal: PrincipalDep) -> ExamPublic:
    """A draft exam: fixed questions, or a number drawn per category. Audited
    `training_exam_create`."""
    return exam_public(exams.create_exam(db, principal, body.entry()))


@router.get("/exams/{exam_id}", response_model=ExamPublic)
def get_exam(exam_id: IdPath, db: DbDep, principal: PrincipalDep) -> ExamPublic:
    """An exam: its manager's, or a published one of your audience."""
    return exam_public(exams.get_exam(db, principal, exam_id))


@router.put("/exams/{exam_id}", response_model=ExamPublic)
def update_exam(exam_id: IdPath, body: ExamBody, db: DbDep, principal: PrincipalDep) -> ExamPublic:
    """Change an exam nobody has sat (409 afterwards). Audited `training_exam_update`."""
    return exam_public(exams.update_exam(db, principal, exam_id, body.entry()))


@router.post("/exams/{exam_id}/status", response_model=ExamPublic)
def exam_status(
    exam_id: IdPath, body: StatusBody, db: DbDep, principal: PrincipalDep
) -> ExamPublic:
    """Publish (the bank must fill its paper: 409 otherwise), archive, or back to draft.
    Audited `training_exam_status`."""
    return exam_public(exams.set_exam_status(db, principal, exam_id, body.status))


@router.post("/exams/{exam_id}/attempts", response_model=AttemptPublic, status_code=201)
def start_attempt(exam_id: IdPath, db: DbDep, principal: PrincipalDep) -> AttemptPublic:
    """Start an attempt (or get the open one back): the paper without its answers and the
    deadline. Audited `training_exam_start`."""
    return attempt_public(attempts.start_attempt(db, principal, exam_id))


@router.get("/attempts/{attempt_id}", response_model=AttemptPublic)
def get_attempt(attempt_id: IdPath, db: DbDep, principal: PrincipalDep) -> AttemptPublic:
    """Your attempt, or one of a staff member in your scope. Audited `training_attempt_view`."""
    return attempt_public(attempts.get_attempt(db, principal, attempt_id))


@router.put("/attempts/{attempt_id}/answers", response_model=AttemptPublic)
def save_answers(
    attempt_id: IdPath, body: AnswersBody, db: DbDep, principal: PrincipalDep
) -> AttemptPublic:
    """Save your answers so far (409 after the time limit: graded on what was saved)."""
    return attempt_public(attempts.save_answers(db, principal, attempt_id, body.answers))


@router.post("/attempts/{attempt_id}/submit", response_model=AttemptPublic)
def submit_attempt(
    attempt_id: IdPath, body: SubmitBody, db: DbDep, principal: PrincipalDep
) -> AttemptPublic:
    """Submit and grade: late (after the limit) is graded on the answers saved by then.
    Audited `training_exam_submit`."""
    return attempt_public(attempts.submit_attempt(db, principal, attempt_id, body.answers))


# -- results, figures, certificates, lapses -------------------------------------------------------


@router.get("/results", response_model=ResultsPublic)
def list_results(
    db: DbDep,
    principal: PrincipalDep,
    exam_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    unit_id: Annotated[str | None, Query(min_length=1, max_length=32)] = None,
) -> ResultsPublic:
    """Per exam and staff member in your scope: attempts, best score, passed. Audited
    `training_results_view`."""
    found = results.exam_results(db, principal, exam_id=exam_id, unit_id=unit_id)
    data = [ResultPublic(**{k: getattr(r, k) for k in ResultPublic.model_fields}) for r in found]
    return ResultsPublic(data=data, count=len(data))


@router.get("/figures", response_model=FiguresPublic)
def figures(
    db: DbDep,
    principal: PrincipalDep,
    level: Literal["branch", "team"] = "branch",
    course_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    exam_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
) -> FiguresPublic:
    """Completion per branch or team of the staff in your scope, of one course or exam or of
    every required one. Audited `training_figures_view`."""
    found = results.completion_figures(
        db, principal, level=level, course_id=course_id, exam_id=exam_id
    )
    return FiguresPublic(
        level=found.level,
        as_of=found.as_of,
        item=found.item,
        data=[figures_public(r) for r in found.rows],
        total=figures_public(found.total),
    )


@router.get("/certificates", response_model=CertificatesPublic)
def certificates(db: DbDep, principal: PrincipalDep) -> CertificatesPublic:
    """The certificates of the staff in your scope. Audited `training_certificates_view`."""
    rows = [CertificateRowPublic(**vars(r)) for r in results.list_certificates(db, principal)]
    return CertificatesPublic(data=rows, count=len(rows))


@router.get("/lapses", response_model=LapsesPublic)
def lapses(db: DbDep, principal: PrincipalDep) -> LapsesPublic:
    """Staff in your scope whose qualification lapses: no SAC certificate number in a
    client-facing position, an internal certificate expired or expiring within 30 days.
    Audited `training_lapses_view`."""
    found = results.qualification_lapses(db, principal)
    rows = [LapsePublic(**vars(r)) for r in found.rows]
    return LapsesPublic(as_of=found.as_of, data=rows, count=len(rows))
