"""`brokerlens complaints ...`: 投诉与建议: complaints (issue 18 section 2).

Thin callers of `brokerlens.access.complaints` / `complaint_summary`, acting as `--user NAME`
(their scope and permissions, audited in their name): list, show, file, assign, note, resolve,
reopen, summary.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from brokerlens.cli.acting import UserOpt, acting
from brokerlens.cli.main import app, parse_date
from brokerlens.console import console
from brokerlens.errors import InvalidRequest

complaints_app = typer.Typer(
    help="投诉与建议: complaints (issue 18 section 2).", no_args_is_help=True
)
app.add_typer(complaints_app, name="complaints")

IdArg = Annotated[
    str, typer.Argument(help="The complaint's id (K... from the feed, W... taken here).")
]


def _say(text: str) -> None:
    console.print(text, markup=False)


def _line(c: Any) -> str:
    closed = f", closed {c.closed}" if c.closed else ""
    who = f", assigned to {c.assigned_to}" if c.assigned_to else ""
    level = f", escalation {c.escalation}" if c.escalation else ""
    return (
        f"complaint {c.complaint_id} ({c.source}) of {c.customer_id}: {c.category}, "
        f"{c.status}, opened {c.opened}, SLA due {c.sla_due}{closed}{who}{level}"
    )


@complaints_app.command("list")
def list_complaints(
    ctx: typer.Context,
    user: UserOpt,
    status: Annotated[str | None, typer.Option(help="open, processing or closed.")] = None,
    category: Annotated[str | None, typer.Option(help="One category.")] = None,
    branch: Annotated[str | None, typer.Option("--branch", help="A branch id.")] = None,
    customer: Annotated[str | None, typer.Option("--customer", help="A customer id.")] = None,
    overdue: Annotated[bool, typer.Option("--overdue", help="Past the SLA, not closed.")] = False,
    escalated: Annotated[bool, typer.Option("--escalated", help="Escalated ones only.")] = False,
    page: Annotated[int, typer.Option(min=1, help="Page, from 1.")] = 1,
    limit: Annotated[int, typer.Option(min=1, max=200, help="Rows a page.")] = 50,
) -> None:
    """Complaints in the user's scope, the soonest SLA due first (audited `view_complaints`)."""
    from pydantic import ValidationError

    from brokerlens.access.complaints import ComplaintQuery, list_complaints

    try:
        query = ComplaintQuery(
            status=status,
            category=category,
            branch_id=branch,
            customer_id=customer,
            overdue=overdue,
            escalated=escalated,
            page=page,
            page_size=limit,
        )
    except ValidationError as exc:
        first = exc.errors()[0]
        raise InvalidRequest(f"--{first['loc'][0]}: {first['msg']}") from None
    me = acting(ctx, user)
    found = list_complaints(me.db, me.principal, query)
    table = Table("id", "customer", "branch", "category", "opened", "status", "SLA due", "esc.")
    for r in found.rows:
        c = r.complaint
        late = f" ({-r.days_left} days overdue)" if r.overdue and r.days_left is not None else ""
        table.add_row(
            c.complaint_id,
            c.customer_id,
            c.branch_id or "",
            c.category,
            str(c.opened),
            c.status,
            f"{c.sla_due}{late}",
            str(c.escalation or ""),
        )
    console.print(table, markup=False)
    counts = ", ".join(f"{k} {n}" for k, n in sorted(found.by_status.items()))
    _say(f"{found.total} complaints ({counts or 'none'}), page {found.page} of {found.pages}")


@complaints_app.command("show")
def show(ctx: typer.Context, complaint_id: IdArg, user: UserOpt) -> None:
    """A complaint with its events (audited `view_complaint`)."""
    from brokerlens.access.complaints import get_complaint

    me = acting(ctx, user)
    found = get_complaint(me.db, me.principal, complaint_id)
    c = found.complaint
    _say(_line(c))
    if c.content:
        _say(f"content: {c.content}")
    if c.resolution:
        _say(f"resolution: {c.resolution} (satisfaction {c.satisfaction or '-'})")
    _say(f"kept until {c.keep_until}")
    for e in found.events:
        _say(
            f"  {e.at:%Y-%m-%d %H:%M} UTC {e.username}: {e.kind}"
            + (f" - {e.note}" if e.note else "")
        )


@complaints_app.command("file")
def file(
    ctx: typer.Context,
    customer: Annotated[str, typer.Argument(help="The customer's id.")],
    user: UserOpt,
    category: Annotated[str, typer.Option(help="A configured category (complaints.yaml).")],
    content: Annotated[str, typer.Option(help="What the customer says (1-2000).")],
    channel: Annotated[str, typer.Option(help="phone, visit, letter, email, wechat ...")] = "phone",
    opened: Annotated[str | None, typer.Option(help="YYYY-MM-DD (default today).")] = None,
) -> None:
    """Take a complaint about a customer in scope (audited `file_complaint`)."""
    from brokerlens.access.complaints import ComplaintInput, file_complaint
    from brokerlens.compliance.complaints.config import load_config

    entry = ComplaintInput(
        customer_id=customer,
        channel=channel,
        category=category,
        content=content,
        opened=parse_date(opened, "--opened"),
    )
    me = acting(ctx, user)
    _say("filed " + _line(file_complaint(me.db, me.principal, entry, load_config(me.settings))))


@complaints_app.command("assign")
def assign(
    ctx: typer.Context,
    complaint_id: IdArg,
    user: UserOpt,
    to: Annotated[str, typer.Option("--to", help="The username who handles it.")],
) -> None:
    """Give a complaint to a user who may handle it (needs the complaints permission)."""
    from brokerlens.access.complaints import assign_complaint

    me = acting(ctx, user)
    _say("assigned " + _line(assign_complaint(me.db, me.principal, complaint_id, to)))


@complaints_app.command("note")
def note(
    ctx: typer.Context,
    complaint_id: IdArg,
    user: UserOpt,
    text: Annotated[str, typer.Option("--text", help="The note (1-2000).")],
) -> None:
    """Add a note to a complaint in scope."""
    from brokerlens.access.complaints import note_complaint

    me = acting(ctx, user)
    event = note_complaint(me.db, me.principal, complaint_id, text)
    _say(f"noted on complaint {complaint_id} (event {event.event_id})")


@complaints_app.command("resolve")
def resolve(
    ctx: typer.Context,
    complaint_id: IdArg,
    user: UserOpt,
    resolution: Annotated[str, typer.Option(help="What was done (1-2000).")],
    satisfaction: Annotated[
        int | None, typer.Option(help="The customer's satisfaction, 1..5 (if asked).")
    ] = None,
) -> None:
    """Close a complaint with its resolution; a complaint call-back is scheduled."""
    from brokerlens.access.complaints import resolve_complaint
    from brokerlens.compliance.callbacks.config import load_config as callback_config
    from brokerlens.compliance.complaints.config import load_config as complaint_config

    me = acting(ctx, user)
    done = resolve_complaint(
        me.db,
        me.principal,
        complaint_id,
        resolution,
        satisfaction,
        callback_config(me.settings),
        complaint_config(me.settings),
    )
    _say("resolved " + _line(done.complaint))
    if done.callback_id is not None:
        _say(f"call-back {done.callback_id} scheduled")


@complaints_app.command("reopen")
def reopen(
    ctx: typer.Context,
    complaint_id: IdArg,
    user: UserOpt,
    reason: Annotated[str, typer.Option(help="Why it is opened again.")],
) -> None:
    """Open a closed complaint again (needs the complaints permission)."""
    from brokerlens.access.complaints import reopen_complaint

    me = acting(ctx, user)
    _say("reopened " + _line(reopen_complaint(me.db, me.principal, complaint_id, reason)))


def _num(value: float | None) -> str:
    return "-" if value is None else f"{value:g}"


@complaints_app.command("summary")
def summary(
    ctx: typer.Context,
    user: UserOpt,
    year: Annotated[int, typer.Option(help="The year the complaints were opened in.")],
    out: Annotated[
        Path | None, typer.Option(help="Also write the rows as CSV (codes) to this file.")
    ] = None,
) -> None:
    """The annual complaint summary by category and branch (needs the complaints permission)."""
    from brokerlens.access.complaint_summary import complaint_summary, write_summary
    from brokerlens.access.exports import CsvText
    from brokerlens.atomic import atomic_file

    me = acting(ctx, user)
    found = complaint_summary(me.db, me.principal, year)
    table = Table(
        "category",
        "branch",
        "opened",
        "closed",
        "open",
        "within SLA",
        "mean days",
        "satisf.",
        "esc.",
    )
    for r in [*found.rows, *found.by_category, found.total]:
        table.add_row(
            r.category or "(all)",
            r.branch_id or "(all)",
            str(r.opened),
            str(r.closed),
            str(r.still_open),
            "-" if r.within_sla_pct is None else f"{r.within_sla_pct:.1f}%",
            _num(r.mean_days_to_close),
            _num(r.mean_satisfaction),
            str(r.escalated),
        )
    console.print(table, markup=False)
    _say(f"complaints opened in {found.year}; due to the regulator by {found.due}")
    if out is not None:
        sink = CsvText()
        done = write_summary(me.db, me.principal, year, sink)
        with atomic_file(out) as scratch:
            scratch.write_text(sink.text(), encoding="utf-8")
        _say(f"wrote {done.count} rows to {out}")
