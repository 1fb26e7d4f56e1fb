"""`brokerlens callbacks ...`: 回访: call-backs (issue 18 section 1).

Thin callers of `brokerlens.access.callbacks`, acting as `--user NAME` (their scope and
permissions, audited in their name): the work list, a task with its script, recording a call,
assignment, a manual task, the report by branch and month, the quota's progress, the purge of
records past their retention.
"""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.table import Table

from brokerlens.cli.acting import UserOpt, acting
from brokerlens.cli.main import app, parse_date, settings_of
from brokerlens.console import console
from brokerlens.errors import ConfigError

callbacks_app = typer.Typer(help="回访: call-backs (issue 18 section 1).", no_args_is_help=True)
app.add_typer(callbacks_app, name="callbacks")

IdArg = Annotated[int, typer.Argument(help="The call-back task's id.", min=1)]
YearOpt = Annotated[
    int | None, typer.Option("--year", min=2000, max=2100, help="The year [default: this one].")
]


def _say(text: str) -> None:
    console.print(text, markup=False)


def _timer(task: Any) -> str:
    if task.status != "pending":
        return task.status + (f" ({task.result})" if task.result else "")
    if task.days_left < 0:
        return f"{-task.days_left} days overdue"
    return "due today" if task.days_left == 0 else f"{task.days_left} days left"


def _year(year: int | None) -> int:
    from brokerlens.access.records import beijing_date, utc_now

    return year or beijing_date(utc_now()).year


@callbacks_app.command("list")
def list_tasks(
    ctx: typer.Context,
    user: UserOpt,
    status: Annotated[
        str, typer.Option("--status", help="pending, completed, unreachable, closed or all.")
    ] = "pending",
    kind: Annotated[
        str | None,
        typer.Option(
            "--kind", help="new_account, annual_sample, high_risk_sale, complaint or manual."
        ),
    ] = None,
    branch: Annotated[str | None, typer.Option("--branch", help="A branch's unit id.")] = None,
    due: Annotated[
        str | None, typer.Option("--due", help="overdue, or soon (due within --within days).")
    ] = None,
    within: Annotated[int, typer.Option("--within", min=0, max=366, help="Days for soon.")] = 7,
    mine: Annotated[bool, typer.Option("--mine", help="Only tasks assigned to the user.")] = False,
    customer: Annotated[str | None, typer.Option("--customer", help="One customer.")] = None,
    page: Annotated[int, typer.Option("--page", min=1, help="Page, from 1.")] = 1,
    size: Annotated[int, typer.Option("--size", min=1, max=200, help="Tasks a page.")] = 50,
) -> None:
    """The call-back tasks in the user's scope, the most overdue first (callbacks permission;
    audited `view_callbacks`)."""
    from brokerlens.access.callbacks import CallbackQuery, list_callbacks

    me = acting(ctx, user)
    query = CallbackQuery(status, kind, branch, due, within, mine, customer, page, size)
    found = list_callbacks(me.db, me.principal, query)
    table = Table("id", "due", "SLA", "customer", "kind", "branch", "attempts", "assigned to")
    for t in found.tasks:
        table.add_row(
            str(t.callback_id),
            t.due_date.isoformat(),
            _timer(t),
            f"{t.customer_id} {t.customer_name or ''}".strip(),
            t.kind,
            t.branch_id or "",
            str(t.attempts),
            t.assigned_to or "",
        )
    console.print(table, markup=False)
    _say(f"{found.total} tasks (today {found.today}), page {found.page} of {found.pages}")


@callbacks_app.command("show")
def show(ctx: typer.Context, callback_id: IdArg, user: UserOpt) -> None:
    """A task with its script, answers and attempts (audited `view_callback`)."""
    from brokerlens.access.callbacks import get_callback
    from brokerlens.access.records import BEIJING

    me = acting(ctx, user)
    d = get_callback(me.db, me.settings, me.principal, callback_id)
    t = d.task
    _say(
        f"call-back {t.callback_id}: {t.kind} for {t.customer_id} {t.customer_name or ''} "
        f"(source {t.source_ref}, branch {t.branch_id or '-'})"
    )
    _say(f"due {t.due_date}: {_timer(t)}; attempts {t.attempts} of {d.max_attempts}")
    if t.assigned_to:
        _say(f"assigned to {t.assigned_to}")
    _say(f"kept until {t.keep_until}")
    if d.blocked:
        _say(f"you may not record a call: {d.blocked}")
    _say("script (question: options; * an issue found):")
    for q in d.script:
        options = ", ".join(f"{o.id}={o.zh}{'*' if o.issue else ''}" for o in q.options)
        answer = (t.answers or {}).get(q.id)
        _say(f"  {q.id} {q.zh} [{options}]" + (f" -> {answer}" if answer else ""))
    if t.issues:
        _say(f"issues found: {t.issues}")
    if t.follow_up:
        _say(f"follow-up: {t.follow_up}")
    for a in d.attempts:
        when = a.at.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M")
        _say(f"  {when} {a.username}: {a.outcome}" + (f" ({a.note})" if a.note else ""))


def _answers(values: list[str]) -> dict[str, str]:
    found = {}
    for value in values:
        question, sep, option = value.partition("=")
        if not sep or not question or not option:
            raise ConfigError(
                f"--answer {value!r} is not QUESTION=OPTION",
                hint="e.g. --answer own_account=yes (see `callbacks show` for the script)",
            )
        found[question.strip()] = option.strip()
    return found


@callbacks_app.command("attempt")
def attempt(
    ctx: typer.Context,
    callback_id: IdArg,
    user: UserOpt,
    outcome: Annotated[
        str, typer.Option("--outcome", help="reached, not_reached or refused.", show_default=False)
    ],
    answer: Annotated[
        list[str] | None,
        typer.Option("--answer", help="QUESTION=OPTION, once per question (reached)."),
    ] = None,
    note: Annotated[str | None, typer.Option("--note", help="A note on the call.")] = None,
    issues: Annotated[str | None, typer.Option("--issues", help="Issues found, in words.")] = None,
    follow_up: Annotated[
        str | None, typer.Option("--follow-up", help="complaint or review (of suitability).")
    ] = None,
    category: Annotated[
        str | None, typer.Option("--category", help="The complaint's category (--follow-up).")
    ] = None,
) -> None:
    """Record a call: reached (with the script's answers) or refused closes the task; not
    reached closes it unreachable after the attempts allowed (audited `callback_attempt`)."""
    from brokerlens.access.callbacks import AttemptInput, record_attempt

    entry = AttemptInput(
        outcome=outcome,
        note=note,
        answers=_answers(answer or []),
        issues=issues,
        follow_up=follow_up,
        complaint_category=category,
    )
    me = acting(ctx, user)
    d = record_attempt(me.db, me.settings, me.principal, callback_id, entry)
    t = d.task
    _say(f"call-back {t.callback_id}: {outcome} recorded; now {_timer(t)}")
    if t.follow_up:
        _say(f"follow-up: {t.follow_up}")


@callbacks_app.command("assign")
def assign(
    ctx: typer.Context,
    callback_id: IdArg,
    user: UserOpt,
    to: Annotated[
        str | None, typer.Option("--to", help="A username with the callbacks permission.")
    ] = None,
) -> None:
    """Give a pending task to a user (no --to: to anyone); audited `assign_callback`."""
    from brokerlens.access.callbacks import assign_callback

    me = acting(ctx, user)
    t = assign_callback(me.db, me.principal, callback_id, to)
    _say(f"call-back {t.callback_id} assigned to {t.assigned_to or 'anyone'}")


@callbacks_app.command("schedule")
def schedule(
    ctx: typer.Context,
    customer: Annotated[str, typer.Argument(help="The customer id.")],
    user: UserOpt,
    due: Annotated[str, typer.Option("--due", help="Due on YYYY-MM-DD.", show_default=False)],
    reason: Annotated[str | None, typer.Option("--reason", help="Why, in words.")] = None,
) -> None:
    """A manual call-back for a customer in scope (compliance; audited `create_callback`)."""
    from brokerlens.access.callbacks import create_manual

    day = parse_date(due, "--due")
    assert day is not None
    me = acting(ctx, user)
    t = create_manual(me.db, me.settings, me.principal, customer, day, reason=reason)
    _say(f"call-back {t.callback_id}: manual for {t.customer_id}, due {t.due_date}")


@callbacks_app.command("report")
def report(ctx: typer.Context, user: UserOpt, year: YearOpt = None) -> None:
    """The year's call-backs by branch and month made: made, completed, unreachable, pending,
    overdue, completion rate (audited `view_callback_report`)."""
    from brokerlens.access.callback_report import callback_report

    me = acting(ctx, user)
    found = callback_report(me.db, me.principal, _year(year))
    table = Table(
        "branch", "month", "made", "completed", "unreachable", "pending", "overdue", "rate"
    )
    for r in [*found.rows, found.total]:
        rate = "-" if r.rate is None else f"{r.rate:.0%}"
        table.add_row(
            r.branch_id or ("total" if r.month == 0 else ""),
            str(r.month or ""),
            *(str(getattr(r, k)) for k in ("made", "completed", "unreachable", "pending")),
            str(r.overdue),
            rate,
        )
    console.print(table, markup=False)
    _say(f"{found.year}: {found.total.made} call-backs made (overdue as of {found.today})")


@callbacks_app.command("quota")
def quota(ctx: typer.Context, user: UserOpt, year: YearOpt = None) -> None:
    """The year's sample against the quota per branch in scope: base, quota, sampled,
    reached, unreachable, remaining, progress."""
    from brokerlens.access import callback_quota

    me = acting(ctx, user)
    found = callback_quota.quota_progress(me.db, me.principal, _year(year))
    table = Table("branch", "base", "quota", "sampled", "reached", "unreachable", "remaining", "%")
    for r in found.rows:
        table.add_row(
            f"{r.branch_id} {r.branch_name or ''}".strip(),
            *(str(getattr(r, k)) for k in ("base", "quota", "sampled", "reached")),
            str(r.unreachable),
            str(r.remaining),
            f"{r.pct:.0%}",
        )
    console.print(table, markup=False)
    short = sum(1 for r in found.rows if r.remaining)
    _say(f"{found.year}: {len(found.rows)} branches, {short} still short of their quota")


@callbacks_app.command("purge")
def purge(
    ctx: typer.Context,
    user: UserOpt,
    before: Annotated[str, typer.Option("--before", help="Delete records made before YYYY-MM-DD.")],
) -> None:
    """Delete call-back records made before a date (compliance): refused, naming the date,
    while any is inside its retention period (audited `purge_callbacks`)."""
    from brokerlens.access.callbacks import purge_callbacks

    day = parse_date(before, "--before")
    assert day is not None
    me = acting(ctx, user)
    deleted = purge_callbacks(me.db, me.settings, me.principal, day)
    _say(f"deleted {deleted} call-back records made before {day}")


# --- `callbacks build` (the rules' tasks: part A1) --------------------------------------------


@callbacks_app.command()
def build(
    ctx: typer.Context,
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="An already-run date (default: the last loaded).")
    ] = None,
) -> None:
    """Make the call-back tasks of T by rule (the run's "callback tasks" step alone: new
    accounts' call-backs, the year's sample or its replacements) and load the ones the store
    lacks."""
    import time

    from brokerlens.pipeline.single import run_single_step
    from brokerlens.publish.callbacks import publish_callbacks
    from brokerlens.store import open_store

    settings = settings_of(ctx)
    day, outcome = run_single_step(settings, "callback tasks", as_of=parse_date(as_of, "--as-of"))
    console.print(
        f"call-back tasks as of {day}: {outcome.result.note} ({outcome.seconds:.2f} s)",
        markup=False,
    )
    db = open_store(settings)
    started = time.perf_counter()
    loaded = publish_callbacks(db, settings, day)
    console.print(
        f"loaded {loaded:,} new task(s) into the store ({time.perf_counter() - started:.2f} s)",
        markup=False,
    )
