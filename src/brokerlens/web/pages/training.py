"""培训考试 pages (issue 23 section 3), through `brokerlens.access.training*`.

/training: one's own courses, exams and certificates, with links to what one may also open
(results, lapses, and for manage_training holders the courses and exams, the question bank).
/training/courses/{id}: a course's materials, marked studied. /training/exams/{id}: an exam's
rules and the button that starts an attempt; /training/attempts/{id}: the paper with its
countdown (the page saves answers as they are given and submits itself at zero;
static/training.js), or the graded result. /training/results: completion per branch or team
and each staff member's results; /training/lapses: qualification lapses. /training/admin and
/training/bank: courses, exams and the question bank for manage_training holders.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from starlette.datastructures import FormData, UploadFile
from starlette.responses import RedirectResponse, Response

from brokerlens.access import training as courses
from brokerlens.access import training_attempts as attempts
from brokerlens.access import training_bank as bank
from brokerlens.access import training_exams as exams
from brokerlens.access import training_results as results
from brokerlens.access.org import visible_units
from brokerlens.auth.principal import Permission, Role
from brokerlens.brokers.training.assembly import DrawRule
from brokerlens.brokers.training.audience import BEIJING, POSITIONS
from brokerlens.brokers.training.question_file import MAX_FILE_BYTES, QuestionFileRejected
from brokerlens.brokers.training.questions import KEYS, QuestionInput
from brokerlens.errors import Conflict, FieldRejected, InvalidRequest
from brokerlens.store.training_schema import DIFFICULTIES, QUESTION_KINDS
from brokerlens.web.bounds import MAX_ID, IdPath
from brokerlens.web.deps import CsrfDep
from brokerlens.web.pages.common import Page, PageDep, permission_page

router = APIRouter(include_in_schema=False, dependencies=[CsrfDep])
TrainerPageDep = Annotated[Page, Depends(permission_page(Permission.MANAGE_TRAINING))]
MATERIAL_ROWS = 3
OPTION_ROWS = 6
NO_STAFF_ROLES = (Role.ADMIN, Role.CALL_CENTER)


def beijing(value: dt.datetime | None) -> str:
    if value is None:
        return "—"
    aware = value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)
    return aware.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M")


def clock(seconds: int | None) -> str:
    """Seconds as m:ss (h:mm:ss from an hour)."""
    if seconds is None:
        return ""
    hours, rest = divmod(max(0, seconds), 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def _context(page: Page, **more: Any) -> dict[str, Any]:
    return {
        "beijing": beijing,
        "clock": clock,
        "manages": page.principal.can(Permission.MANAGE_TRAINING),
        "sees_staff": page.principal.role not in NO_STAFF_ROLES,
        **more,
    }


def _text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def _int(form: FormData, name: str, field: str | None = None) -> int | None:
    text = _text(form, name)
    if not text:
        return None
    try:
        number = int(text)
    except ValueError:
        raise FieldRejected(field or name, "a whole number") from None
    if not 0 <= number <= MAX_ID:
        raise FieldRejected(field or name, "out of range")
    return number


def _day(form: FormData, name: str) -> dt.date | None:
    text = _text(form, name)
    if not text:
        return None
    try:
        day = dt.date.fromisoformat(text)
    except ValueError:
        raise FieldRejected(name, "a date, YYYY-MM-DD") from None
    if not dt.date(1900, 1, 1) <= day <= dt.date(2999, 12, 31):
        raise FieldRejected(name, "out of range")
    return day


def _positions(form: FormData) -> list[str]:
    return [p for p in form.getlist("audience_positions") if isinstance(p, str) and p]


# -- one's own training ---------------------------------------------------------------------------


@router.get("/training")
def training_page(page: PageDep) -> Response:
    mine = courses.my_training(page.db, page.principal)
    return page.render("training.html", _context(page, mine=mine), active="training")


@router.get("/training/courses/{course_id}")
def course_page(course_id: IdPath, page: PageDep) -> Response:
    course = courses.get_course(page.db, page.principal, course_id)
    return page.render("training_course.html", _context(page, c=course), active="training")


@router.post("/training/courses/{course_id}/complete")
def complete(course_id: IdPath, page: PageDep) -> Response:
    courses.complete_course(page.db, page.principal, course_id)
    return RedirectResponse(f"/training/courses/{course_id}", status_code=303)


@router.get("/training/exams/{exam_id}")
def exam_page(exam_id: IdPath, page: PageDep) -> Response:
    exam = exams.get_exam(page.db, page.principal, exam_id)
    mine = courses.my_training(page.db, page.principal)
    mine_exam = next((x for x in mine.exams if x.exam.exam_id == exam_id), None)
    context = _context(page, x=exam, my=mine_exam, staff=mine.staff)
    return page.render("training_exam.html", context, active="training")


@router.post("/training/exams/{exam_id}/start")
def start(exam_id: IdPath, page: PageDep) -> Response:
    attempt = attempts.start_attempt(page.db, page.principal, exam_id)
    return RedirectResponse(f"/training/attempts/{attempt.attempt_id}", status_code=303)


@router.get("/training/attempts/{attempt_id}")
def attempt_page(attempt_id: IdPath, page: PageDep) -> Response:
    view = attempts.get_attempt(page.db, page.principal, attempt_id)
    context = _context(page, v=view, own=view.staff_id == page.principal.staff_id)
    return page.render("training_attempt.html", context, active="training")


def _sheet(form: FormData) -> dict[str, list[str]]:
    """The form's answers: `q<question id>` fields, one value per option chosen."""
    sheet: dict[str, list[str]] = {}
    for key in form:
        if key.startswith("q") and key[1:].isdigit() and len(key) <= 12:
            sheet[key[1:]] = [v for v in form.getlist(key) if isinstance(v, str)][:8]
    return sheet


@router.post("/training/attempts/{attempt_id}/submit")
async def submit(attempt_id: IdPath, page: PageDep, request: Request) -> Response:
    sheet = _sheet(await request.form())
    # submitted already: a second click, or the page's own submission at zero
    with contextlib.suppress(Conflict):
        attempts.submit_attempt(page.db, page.principal, attempt_id, sheet)
    return RedirectResponse(f"/training/attempts/{attempt_id}", status_code=303)


# -- results and lapses ---------------------------------------------------------------------------


@router.get("/training/results")
def results_page(page: PageDep) -> Response:
    query = page.request.query_params
    level = str(query.get("level")) if query.get("level") in results.LEVELS else "branch"
    exam_id = _query_id(query.get("exam_id"), "exam_id")
    figures = results.completion_figures(page.db, page.principal, level=level, exam_id=exam_id)
    rows = results.exam_results(page.db, page.principal, exam_id=exam_id)
    shown = sorted({(r.exam_id, r.exam_title) for r in rows}, reverse=True)
    context = _context(page, figures=figures, rows=rows, exams=shown, exam_id=exam_id)
    return page.render("training_results.html", context, active="training")


def _query_id(text: str | None, name: str) -> int | None:
    if not text:
        return None
    if not text.isdigit() or not 1 <= int(text) <= MAX_ID:
        raise InvalidRequest(f"{name}: a number from 1")
    return int(text)


@router.get("/training/lapses")
def lapses_page(page: PageDep) -> Response:
    report = results.qualification_lapses(page.db, page.principal)
    certificates = results.list_certificates(page.db, page.principal)
    context = _context(page, report=report, certificates=certificates)
    return page.render("training_lapses.html", context, active="training")


# -- managing courses and exams -------------------------------------------------------------------


def _units(page: Page) -> list[str]:
    with page.db.connect() as connection:
        units, _ = visible_units(connection, page.principal)
    return sorted(units)


def _admin(page: Page, *, error: str = "", problem: str = "", form: dict[str, Any] | None = None,
           status_code: int = 200) -> Response:  # fmt: skip
    context = _context(
        page,
        courses=courses.list_courses(page.db, page.principal),
        exams=exams.list_exams(page.db, page.principal),
        positions=POSITIONS,
        units=_units(page),
        material_rows=MATERIAL_ROWS,
        error=error,
        problem=problem,
        form=form or {},
    )
    return page.render("training_admin.html", context, active="training", status_code=status_code)


@router.get("/training/admin")
def admin_page(page: TrainerPageDep) -> Response:
    return _admin(page)


def _materials(form: FormData) -> list[courses.MaterialInput]:
    made = []
    for n in range(1, MATERIAL_ROWS + 1):
        kind, title, content = (_text(form, f"m{n}_{k}") for k in ("kind", "title", "content"))
        if not (title or content):
            continue
        if kind == "article":
            article = _int(form, f"m{n}_content", "materials")
            made.append(courses.MaterialInput(kind, title, article_id=article))
        elif kind == "link":
            made.append(courses.MaterialInput(kind, title, url=content))
        else:
            made.append(courses.MaterialInput(kind or "text", title, body=content))
    return made


def _course_entry(form: FormData) -> courses.CourseInput:
    return courses.CourseInput(
        title=_text(form, "title"),
        description=_text(form, "description") or None,
        audience_positions=_positions(form),
        audience_unit_id=_text(form, "audience_unit_id") or None,
        required=bool(_text(form, "required")),
        due_date=_day(form, "due_date"),
        exam_id=_int(form, "exam_id"),
        materials=_materials(form),
    )


async def _form(request: Request) -> tuple[FormData, dict[str, Any]]:
    form = await request.form()
    shown: dict[str, Any] = {k: v for k, v in form.items() if isinstance(v, str)}
    shown["audience_positions"] = _positions(form)
    return form, shown


@router.post("/training/admin/courses")
async def create_course(page: TrainerPageDep, request: Request) -> Response:
    form, shown = await _form(request)
    try:
        courses.create_course(page.db, page.principal, _course_entry(form))
    except FieldRejected as exc:
        return _admin(page, error=f"course.{exc.field}", problem=exc.problem, form=shown,
                      status_code=422)  # fmt: skip
    return RedirectResponse("/training/admin#courses", status_code=303)


@router.post("/training/admin/courses/{course_id}/status")
async def course_status(course_id: IdPath, page: TrainerPageDep, request: Request) -> Response:
    status = _text(await request.form(), "status")
    courses.set_course_status(page.db, page.principal, course_id, status)
    return RedirectResponse("/training/admin#courses", status_code=303)


def _draw(form: FormData) -> list[DrawRule]:
    """`draw` lines: a category and a count (`合规 5`, `合规:5`, `合规，5`)."""
    rules = []
    for line in _text(form, "draw").splitlines():
        text = line.strip().replace("：", ":").replace("，", ",")
        if not text:
            continue
        category, _, count = text.replace(":", " ").replace(",", " ").rpartition(" ")
        if not category.strip() or not count.isdigit():
            raise FieldRejected("draw", f"{line.strip()[:40]!r}: a category and a count")
        rules.append(DrawRule(category.strip(), int(count)))
    return rules


def _ids(form: FormData) -> list[int]:
    text = _text(form, "question_ids").replace("，", ",").replace(",", " ")
    try:
        return [int(x) for x in text.split()]
    except ValueError:
        raise FieldRejected("question_ids", "question numbers, separated by commas") from None


def _exam_entry(form: FormData) -> exams.ExamInput:
    mode = _text(form, "mode") or "fixed"
    mark = _int(form, "pass_mark")
    return exams.ExamInput(
        title=_text(form, "title"),
        description=_text(form, "description") or None,
        mode=mode,
        question_ids=_ids(form) if mode == "fixed" else [],
        draw=_draw(form) if mode == "random" else [],
        time_limit_minutes=_int(form, "time_limit_minutes") or 0,
        pass_mark=60 if mark is None else mark,
        max_attempts=_int(form, "max_attempts"),
        audience_positions=_positions(form),
        audience_unit_id=_text(form, "audience_unit_id") or None,
        required=bool(_text(form, "required")),
        due_date=_day(form, "due_date"),
        opens_on=_day(form, "opens_on"),
        closes_on=_day(form, "closes_on"),
        certificate_name=_text(form, "certificate_name") or None,
        certificate_months=_int(form, "certificate_months"),
    )


@router.post("/training/admin/exams")
async def create_exam(page: TrainerPageDep, request: Request) -> Response:
    form, shown = await _form(request)
    try:
        exams.create_exam(page.db, page.principal, _exam_entry(form))
    except FieldRejected as exc:
        return _admin(page, error=f"exam.{exc.field}", problem=exc.problem, form=shown,
                      status_code=422)  # fmt: skip
    return RedirectResponse("/training/admin#exams", status_code=303)


@router.post("/training/admin/exams/{exam_id}/status")
async def exam_status(exam_id: IdPath, page: TrainerPageDep, request: Request) -> Response:
    status = _text(await request.form(), "status")
    try:
        exams.set_exam_status(page.db, page.principal, exam_id, status)
    except Conflict as exc:  # the bank cannot fill the paper, or it has been sat
        return _admin(page, error="exam.status", problem=exc.message, status_code=409)
    return RedirectResponse("/training/admin#exams", status_code=303)


# -- the question bank ----------------------------------------------------------------------------


def _bank(page: Page, *, error: str = "", problem: str = "", form: dict[str, Any] | None = None,
          imported: bank.Imported | None = None, failure: QuestionFileRejected | None = None,
          status_code: int = 200) -> Response:  # fmt: skip
    query = page.request.query_params
    kind = query.get("kind") if query.get("kind") in QUESTION_KINDS else None
    number = query.get("page", "1")
    found = bank.list_questions(
        page.db,
        page.principal,
        category=(query.get("category") or "")[:64] or None,
        kind=kind,
        search=(query.get("q") or "")[:100] or None,
        page=int(number) if number.isdigit() and 0 < int(number) <= 100_000 else 1,
    )
    context = _context(
        page,
        found=found,
        kinds=QUESTION_KINDS,
        difficulties=DIFFICULTIES,
        keys=KEYS[:OPTION_ROWS],
        error=error,
        problem=problem,
        form=form or {},
        imported=imported,
        failure=failure,
        filters={"kind": kind or "", "category": query.get("category", "")[:64],
                 "q": query.get("q", "")[:100]},
    )  # fmt: skip
    return page.render("training_bank.html", context, active="training", status_code=status_code)


@router.get("/training/bank")
def bank_page(page: TrainerPageDep) -> Response:
    return _bank(page)


@router.post("/training/bank/questions")
async def create_question(page: TrainerPageDep, request: Request) -> Response:
    form, shown = await _form(request)
    entry = QuestionInput(
        kind=_text(form, "kind"),
        stem=_text(form, "stem"),
        category=_text(form, "category"),
        answer=_text(form, "answer"),
        options=[_text(form, f"option_{k}") for k in KEYS[:OPTION_ROWS]],
        difficulty=_text(form, "difficulty") or None,
        explanation=_text(form, "explanation") or None,
    )
    try:
        bank.create_question(page.db, page.principal, entry)
    except FieldRejected as exc:
        return _bank(page, error=exc.field, problem=exc.problem, form=shown, status_code=422)
    return RedirectResponse("/training/bank", status_code=303)


@router.post("/training/bank/questions/{question_id}/active")
async def question_active(question_id: IdPath, page: TrainerPageDep, request: Request) -> Response:
    active = _text(await request.form(), "active") == "true"
    bank.update_question(page.db, page.principal, question_id, active=active)
    return RedirectResponse("/training/bank", status_code=303)


@router.post("/training/bank/import")
async def import_file(page: TrainerPageDep, request: Request) -> Response:
    form = await request.form()
    upload = form.get("file")
    if not isinstance(upload, UploadFile) or not upload.filename:
        return _bank(page, error="file", problem="", status_code=422)
    try:
        data = await upload.read(MAX_FILE_BYTES + 1)
    finally:
        await upload.close()
    try:
        done = bank.import_questions(page.db, page.principal, data, upload.filename[:200])
    except QuestionFileRejected as exc:
        return _bank(page, error="file", problem=exc.problem, failure=exc, status_code=422)
    return _bank(page, imported=done)
