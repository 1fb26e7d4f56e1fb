"""`brokerlens training ...`: 培训与考试 (issue 23 section 3).

Thin callers of `brokerlens.access.training*`, acting as `--user NAME` (their permissions and
staff scope, audited in their name): `import-questions` (a CSV or YAML file into the question
bank, all or nothing, a problem named by its line and column), `results` (per exam and staff
member), `figures` (completion per branch or team: what the KPI metric `training_completion`
counts) and `lapses` (staff whose qualification lapses).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from brokerlens.cli.acting import UserOpt, acting
from brokerlens.cli.main import app
from brokerlens.console import console
from brokerlens.errors import ConfigError

training_app = typer.Typer(help="培训与考试: training and exams (issue 23).", no_args_is_help=True)
app.add_typer(training_app, name="training")


def _say(text: str) -> None:
    console.print(text, markup=False)


def _rate(value: object) -> str:
    return "-" if value is None else f"{float(str(value)) * 100:.1f}%"


@training_app.command("import-questions")
def import_questions(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="A .csv or .yaml question file.")],
    user: UserOpt,
    format: Annotated[
        str | None, typer.Option("--format", help="csv or yaml [default: by the file's ending].")
    ] = None,
) -> None:
    """Add every question of the file to the bank, or none: the first problem is refused with
    its line and column (needs manage_training; audited `training_question_import`)."""
    from brokerlens.access.training_bank import import_questions as run_import
    from brokerlens.brokers.training.question_file import MAX_FILE_BYTES

    if not file.is_file():
        raise ConfigError(f"{file}: no such file", hint="give the path of a .csv or .yaml file")
    if file.stat().st_size > MAX_FILE_BYTES:
        raise ConfigError(f"{file}: larger than {MAX_FILE_BYTES:,} bytes")
    me = acting(ctx, user, customers=False)
    done = run_import(me.db, me.principal, file.read_bytes(), file.name, format)
    by_category = ", ".join(f"{c} {n}" for c, n in sorted(done.categories.items()))
    _say(f"imported {done.count} questions ({by_category}), ids {done.first_id}..{done.last_id}")


@training_app.command("results")
def results(
    ctx: typer.Context,
    user: UserOpt,
    exam: Annotated[int | None, typer.Option("--exam", min=1, help="One exam's id.")] = None,
    unit: Annotated[str | None, typer.Option("--unit", help="Staff under this unit.")] = None,
) -> None:
    """Per exam and staff member in the user's staff scope: attempts, best score, passed
    (audited `training_results_view`)."""
    from brokerlens.access.training_results import exam_results

    me = acting(ctx, user, customers=False)
    rows = exam_results(me.db, me.principal, exam_id=exam, unit_id=unit)
    table = Table("exam", "staff", "name", "branch", "position", "attempts", "best", "passed")
    for r in rows:
        best = f"{r.best_score}/{r.max_score} ({r.best_percent}%)" if r.max_score else "-"
        passed = f"yes, {r.passed_on}" if r.passed else ("no" if r.attempts else "not sat")
        table.add_row(
            f"{r.exam_id} {r.exam_title}",
            r.staff_id,
            r.name,
            r.branch_id or "",
            r.position,
            str(r.attempts),
            best,
            passed,
        )
    console.print(table, markup=False)
    passed_n = sum(1 for r in rows if r.passed)
    _say(f"{len(rows)} rows: {passed_n} passed, {sum(1 for r in rows if r.attempts)} sat")


@training_app.command("figures")
def figures(
    ctx: typer.Context,
    user: UserOpt,
    level: Annotated[str, typer.Option("--level", help="branch or team.")] = "branch",
    exam: Annotated[int | None, typer.Option("--exam", min=1, help="One exam only.")] = None,
    course: Annotated[int | None, typer.Option("--course", min=1, help="One course only.")] = None,
) -> None:
    """Completion per branch or team of the staff in scope: of every required course and exam,
    or of one (audited `training_figures_view`)."""
    from brokerlens.access.training_results import completion_figures

    me = acting(ctx, user, customers=False)
    found = completion_figures(me.db, me.principal, level=level, course_id=course, exam_id=exam)
    table = Table(level, "staff", "courses done", "completion", "exams sat", "passed",
                  "pass rate", "exam completion")  # fmt: skip
    for r in [*found.rows, found.total]:
        table.add_row(
            "(total)" if r is found.total else (r.unit_id or "(none)"),
            str(r.staff),
            f"{r.courses_done}/{r.courses_assigned}",
            _rate(r.course_completion),
            f"{r.exams_sat}/{r.exams_assigned}",
            str(r.exams_passed),
            _rate(r.pass_rate),
            _rate(r.exam_completion),
        )
    console.print(table, markup=False)
    _say(f"as of {found.as_of}; {found.item or 'every required course and exam'}")


@training_app.command("lapses")
def lapses(ctx: typer.Context, user: UserOpt) -> None:
    """Staff in the user's scope whose qualification lapses: no SAC certificate number in a
    client-facing position, an internal certificate expired or expiring within 30 days
    (audited `training_lapses_view`)."""
    from brokerlens.access.training_results import qualification_lapses

    me = acting(ctx, user, customers=False)
    report = qualification_lapses(me.db, me.principal)
    table = Table("staff", "name", "unit", "position", "reason", "certificate", "expires", "days")
    for r in report.rows:
        table.add_row(
            r.staff_id,
            r.name,
            r.unit_id,
            r.position,
            r.reason,
            r.certificate or "",
            str(r.expires_on or ""),
            "" if r.days_left is None else str(r.days_left),
        )
    console.print(table, markup=False)
    counts = ", ".join(
        f"{reason} {report.count(reason)}"
        for reason in ("no_sac_cert", "cert_expired", "cert_expiring")
    )
    _say(f"{len(report.rows)} lapses as of {report.as_of} ({counts})")
