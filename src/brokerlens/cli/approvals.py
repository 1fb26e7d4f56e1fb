"""`brokerlens approvals ...`: 待审批: approval requests (issue 18 section 3).

Thin callers of `brokerlens.access.approvals`, acting as `--user NAME` (their scope and
permissions, audited in their name). Changes that need approval are asked for where they are
made (`brokerlens alerts set`, `catalog apply`, `campaigns launch` over the approval size,
`suitability request-class`); a second person decides them here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from brokerlens.cli.acting import UserOpt, acting
from brokerlens.cli.main import app
from brokerlens.console import console, err_console

if TYPE_CHECKING:
    from brokerlens.access.approvals import Approval

approvals_app = typer.Typer(
    help="待审批: approval requests (issue 18 section 3).", no_args_is_help=True
)
app.add_typer(approvals_app, name="approvals")

CommentOpt = Annotated[str | None, typer.Option("--comment", help="Why (kept with the decision).")]


def _line(a: Approval) -> str:
    done = f" by {a.decided_by}" if a.decided_by else ""
    return f"request {a.request_id} ({a.kind}) {a.status}{done}: {a.subject}"


@approvals_app.command("list")
def list_command(
    ctx: typer.Context,
    user: UserOpt,
    view: Annotated[str, typer.Option(help="to_decide (待审批), mine or history.")] = "to_decide",
    kind: Annotated[str | None, typer.Option(help="Only this kind.")] = None,
) -> None:
    """Requests waiting for your decision (oldest first), your own, or decided ones."""
    from brokerlens.access.approval_kinds import builtin_kinds
    from brokerlens.access.approvals import VIEWS, list_approvals
    from brokerlens.errors import ConfigError

    if view not in VIEWS:
        raise ConfigError(f"--view {view!r}: one of {', '.join(VIEWS)}")
    me = acting(ctx, user)
    builtin_kinds()
    found = list_approvals(me.db, me.principal, view, kind=kind)
    table = Table(title=f"待审批 approvals ({view})")
    for column in ("id", "kind", "subject", "requested by", "at", "status", "decided by"):
        table.add_column(column)
    for a in found:
        table.add_row(
            str(a.request_id),
            a.kind,
            a.subject,
            a.requested_by,
            a.requested_at.strftime("%Y-%m-%d %H:%M"),
            a.status,
            a.decided_by or "-",
        )
    console.print(table)
    err_console.print(f"{len(found)} request(s)", markup=False)


@approvals_app.command()
def show(
    ctx: typer.Context,
    request_id: Annotated[int, typer.Argument(help="The request's id.")],
    user: UserOpt,
) -> None:
    """One request with what it asks, in words, and its decision."""
    from brokerlens.access.approval_kinds import builtin_kinds
    from brokerlens.access.approvals import describe, get_approval

    me = acting(ctx, user)
    builtin_kinds()
    a = get_approval(me.db, me.principal, request_id)
    console.print(_line(a), markup=False)
    console.print(
        f"  requested by {a.requested_by} at {a.requested_at:%Y-%m-%d %H:%M}", markup=False
    )
    if a.reason:
        console.print(f"  reason: {a.reason}", markup=False)
    for label, value in describe(me.settings, a, "en"):
        console.print(f"  {label}: {value}", markup=False)
    if a.comment:
        console.print(f"  comment: {a.comment}", markup=False)
    if a.effect:
        console.print(f"  effect: {a.effect}", markup=False)
    if a.may_decide:
        err_console.print("you may approve or reject it", markup=False)


def _decided(a: Approval) -> None:
    console.print(_line(a), markup=False)
    if a.effect:
        console.print(f"  effect: {a.effect}", markup=False)
    if a.status == "failed":
        raise typer.Exit(1)


@approvals_app.command()
def approve(
    ctx: typer.Context,
    request_id: Annotated[int, typer.Argument(help="The request's id.")],
    user: UserOpt,
    comment: CommentOpt = None,
) -> None:
    """Approve and apply it (exit 1 if applying failed: nothing was applied, the request is
    `failed` with why). Never your own request."""
    from brokerlens.access import approvals
    from brokerlens.access.approval_kinds import builtin_kinds

    me = acting(ctx, user)
    builtin_kinds()
    _decided(approvals.approve(me.db, me.settings, me.principal, request_id, comment))


@approvals_app.command()
def reject(
    ctx: typer.Context,
    request_id: Annotated[int, typer.Argument(help="The request's id.")],
    user: UserOpt,
    comment: CommentOpt = None,
) -> None:
    """Reject it; --comment is required (the requester reads why)."""
    from brokerlens.access import approvals
    from brokerlens.access.approval_kinds import builtin_kinds

    me = acting(ctx, user)
    builtin_kinds()
    _decided(approvals.reject(me.db, me.settings, me.principal, request_id, comment))


@approvals_app.command()
def withdraw(
    ctx: typer.Context,
    request_id: Annotated[int, typer.Argument(help="The request's id.")],
    user: UserOpt,
    comment: CommentOpt = None,
) -> None:
    """Take back your own pending request."""
    from brokerlens.access import approvals
    from brokerlens.access.approval_kinds import builtin_kinds

    me = acting(ctx, user)
    builtin_kinds()
    _decided(approvals.withdraw(me.db, me.settings, me.principal, request_id, comment))
