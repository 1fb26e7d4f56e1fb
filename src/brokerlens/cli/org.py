"""`brokerlens org ...`: the broker tree and the organisation over time (issue 19 part A).

Thin callers of `brokerlens.access` acting as `--user NAME` (their units, their permissions,
audited in their name): `tree` (as of a date, the feed's or brokerlens's), `history` (a staff
member's org events), `diff` (where brokerlens's approved changes differ from the feed), and
the changes `move`, `promote`, `remove`, each an approval request (`brokerlens approvals`
decides it) refused with the reason when it would break the no-skip-level rule.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from brokerlens.cli.acting import Acting, UserOpt, acting
from brokerlens.cli.main import app, parse_date
from brokerlens.console import console, err_console

if TYPE_CHECKING:
    from brokerlens.access.approvals import Approval

org_app = typer.Typer(
    help="The broker tree and the organisation over time (issue 19).", no_args_is_help=True
)
app.add_typer(org_app, name="org")

AsOfOpt = Annotated[
    str | None, typer.Option("--as-of", help="As of this date (YYYY-MM-DD); default today.")
]
StaffArg = Annotated[str, typer.Argument(help="The staff member's id (e.g. S000123).")]
FromOpt = Annotated[
    str | None,
    typer.Option("--from", help="Effective from (YYYY-MM-DD); default the served date."),
]
ReasonOpt = Annotated[str | None, typer.Option("--reason", help="Why (kept with the request).")]


@org_app.command()
def tree(
    ctx: typer.Context,
    user: UserOpt,
    as_of: AsOfOpt = None,
    source: Annotated[
        str, typer.Option(help="feed (the feed's tree) or brokerlens (with approved changes).")
    ] = "feed",
    unit: Annotated[str | None, typer.Option("--unit", help="Only under this unit.")] = None,
) -> None:
    """The broker tree in your units: who reports to whom, levels and team sizes."""
    from brokerlens.access.broker_tree import SOURCES, broker_tree, flatten
    from brokerlens.errors import ConfigError

    if source not in SOURCES:
        raise ConfigError(f"--source {source!r}: one of {', '.join(SOURCES)}")
    me = acting(ctx, user)
    day = parse_date(as_of, "--as-of")
    found = broker_tree(me.db, me.principal, day, source, unit)
    table = Table(title=f"经纪人树 broker tree ({found.source}) as of {found.as_of}")
    for column in ("member", "id", "position", "level", "unit", "direct", "total", "flags"):
        table.add_column(column)
    for m in flatten(found.roots):
        flags = ("skips a level " if m.skips_level else "") + ("differs" if m.differs else "")
        table.add_row(
            "  " * m.depth + m.name,
            m.staff_id,
            m.position,
            str(m.level),
            m.unit_id,
            str(m.direct),
            str(m.total),
            flags.strip() or "-",
        )
    console.print(table)
    err_console.print(
        f"{found.members} member(s), {found.skips} skipping a level in the feed, "
        f"{len(found.differences)} difference(s) with the feed",
        markup=False,
    )


@org_app.command()
def history(ctx: typer.Context, staff_id: StaffArg, user: UserOpt) -> None:
    """A staff member's org events: hire, transfers, manager / position / grade changes,
    departure, and the tree changes approved in brokerlens."""
    from brokerlens.access.staff_history import staff_history

    me = acting(ctx, user)
    found = staff_history(me.db, me.principal, staff_id)
    table = Table(title=f"{found.name} ({found.staff_id}) {found.position} @ {found.unit_id}")
    for column in ("date", "event", "before", "after", "source"):
        table.add_column(column)
    for e in found.events:
        source = e.source + (f" (request {e.request_id})" if e.request_id else "")
        table.add_row(str(e.day or "-"), e.kind, e.before or "-", e.after or "-", source)
    console.print(table)


@org_app.command()
def diff(ctx: typer.Context, user: UserOpt, as_of: AsOfOpt = None) -> None:
    """Members whose place in brokerlens's tree differs from the feed's (never written back)."""
    from brokerlens.access.broker_tree import tree_differences

    me = acting(ctx, user)
    found = tree_differences(me.db, me.principal, parse_date(as_of, "--as-of"))
    table = Table(title="brokerlens vs the feed")
    for column in ("member", "id", "field", "brokerlens", "feed", "since", "request"):
        table.add_column(column)
    for d in found:
        table.add_row(
            d.name,
            d.staff_id,
            d.field,
            d.brokerlens or "-",
            d.feed or "-",
            str(d.effective_from),
            str(d.request_id),
        )
    console.print(table)
    err_console.print(f"{len(found)} difference(s)", markup=False)


def _ask(
    me: Acting,
    op: str,
    staff_id: str,
    manager: str | None,
    when: str | None,
    reason: str | None,
) -> Approval:
    from brokerlens.access.tree_request import TreeChange, request_tree_change

    change = TreeChange(op, staff_id, manager, parse_date(when, "--from"), reason)
    return request_tree_change(me.db, me.principal, change)


def _asked(made: Approval) -> None:
    console.print(f"request {made.request_id} ({made.kind}) pending: {made.subject}", markup=False)
    decider = "head office" if made.unit_id is None else f"a manager of {made.unit_id} or above"
    err_console.print(
        f"{decider} decides: brokerlens approvals approve {made.request_id}", markup=False
    )


@org_app.command()
def move(
    ctx: typer.Context,
    staff_id: StaffArg,
    user: UserOpt,
    manager: Annotated[
        str, typer.Option("--manager", help="The new manager: exactly one level up.")
    ],
    when: FromOpt = None,
    reason: ReasonOpt = None,
) -> None:
    """Ask to move a member (and everyone below them) under another manager."""
    _asked(_ask(acting(ctx, user), "move", staff_id, manager, when, reason))


@org_app.command()
def promote(
    ctx: typer.Context,
    staff_id: StaffArg,
    user: UserOpt,
    manager: Annotated[
        str | None,
        typer.Option("--manager", help="Their manager after (default: their manager's)."),
    ] = None,
    when: FromOpt = None,
    reason: ReasonOpt = None,
) -> None:
    """Ask to promote a member one level up (broker -> team lead -> branch manager)."""
    _asked(_ask(acting(ctx, user), "promote", staff_id, manager, when, reason))


@org_app.command()
def remove(
    ctx: typer.Context,
    staff_id: StaffArg,
    user: UserOpt,
    when: FromOpt = None,
    reason: ReasonOpt = None,
) -> None:
    """Ask to take a member out of the tree (only with no reports left)."""
    _asked(_ask(acting(ctx, user), "remove", staff_id, None, when, reason))
