"""`brokerlens workorders ...`: 工单: work orders (issue 18 section 3).

Thin callers of `brokerlens.access.work_orders`, acting as `--user NAME` (their scope and
permissions, audited in their name).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from brokerlens.cli.acting import UserOpt, acting
from brokerlens.cli.main import app, parse_date
from brokerlens.console import console, err_console

if TYPE_CHECKING:
    from brokerlens.access.work_orders import OrderRow

workorders_app = typer.Typer(help="工单: work orders (issue 18 section 3).", no_args_is_help=True)
app.add_typer(workorders_app, name="workorders")

OrderArg = Annotated[int, typer.Argument(help="The work order's id.")]
NoteOpt = Annotated[str | None, typer.Option("--note", help="A note (why, what was done).")]


def _line(r: OrderRow) -> str:
    o = r.order
    due = f", due {o.due_date}" if o.due_date else ""
    late = " OVERDUE" if r.overdue else ""
    return f"work order {o.order_id} {o.status}{late}: {o.title!r} for {o.assignee}{due}"


@workorders_app.command("list")
def list_command(
    ctx: typer.Context,
    user: UserOpt,
    view: Annotated[str, typer.Option(help="mine, unit (a manager's) or made.")] = "mine",
    status: Annotated[str | None, typer.Option(help="Only this status.")] = None,
    overdue: Annotated[bool, typer.Option("--overdue", help="Only overdue ones.")] = False,
) -> None:
    """Work orders assigned to you, of your unit, or made by you; open ones first."""
    from brokerlens.access.work_orders import ORDER_VIEWS, list_orders
    from brokerlens.errors import ConfigError

    if view not in ORDER_VIEWS:
        raise ConfigError(f"--view {view!r}: one of {', '.join(ORDER_VIEWS)}")
    me = acting(ctx, user)
    found = list_orders(me.db, me.principal, view, status=status, overdue=overdue)
    table = Table(title=f"工单 work orders ({view})")
    for column in ("id", "title", "assignee", "customer", "due", "status", "made by"):
        table.add_column(column)
    for r in found:
        o = r.order
        due = f"{o.due_date}{' 逾期' if r.overdue else ''}" if o.due_date else "-"
        table.add_row(
            str(o.order_id), o.title, o.assignee, o.customer_id or "-", due, o.status, o.created_by
        )
    console.print(table)
    err_console.print(f"{len(found)} work order(s)", markup=False)


@workorders_app.command()
def create(
    ctx: typer.Context,
    user: UserOpt,
    title: Annotated[str, typer.Option("--title", help="What to do (1..200 characters).")],
    assignee: Annotated[str, typer.Option("--assignee", help="Who does it (a username).")],
    due: Annotated[str | None, typer.Option("--due", help="By when (YYYY-MM-DD).")] = None,
    customer: Annotated[str | None, typer.Option("--customer", help="About this customer.")] = None,
    detail: Annotated[str | None, typer.Option("--detail", help="More words.")] = None,
) -> None:
    """Give someone a work order (a customer named must be in your scope); audited."""
    from brokerlens.access.work_orders import OrderInput, create_order_as, get_order

    me = acting(ctx, user)
    entry = OrderInput(
        title=title,
        assignee=assignee,
        detail=detail,
        due_date=parse_date(due, "--due"),
        customer_id=customer,
    )
    made = create_order_as(me.db, me.principal, entry)
    console.print(_line(get_order(me.db, me.principal, made.order_id)), markup=False)


def _move(ctx: typer.Context, user: str, order_id: int, status: str, note: str | None) -> None:
    from brokerlens.access.work_orders import set_order_status

    me = acting(ctx, user)
    console.print(
        _line(set_order_status(me.db, me.principal, order_id, status, note)), markup=False
    )


@workorders_app.command()
def start(ctx: typer.Context, order_id: OrderArg, user: UserOpt, note: NoteOpt = None) -> None:
    """open -> in_progress (the assignee)."""
    _move(ctx, user, order_id, "in_progress", note)


@workorders_app.command()
def done(ctx: typer.Context, order_id: OrderArg, user: UserOpt, note: NoteOpt = None) -> None:
    """Mark it done (the assignee)."""
    _move(ctx, user, order_id, "done", note)


@workorders_app.command()
def cancel(ctx: typer.Context, order_id: OrderArg, user: UserOpt, note: NoteOpt = None) -> None:
    """Cancel it with --note (the assignee, its maker or a manager of its unit)."""
    _move(ctx, user, order_id, "cancelled", note)


@workorders_app.command()
def reassign(
    ctx: typer.Context,
    order_id: OrderArg,
    user: UserOpt,
    assignee: Annotated[str, typer.Option("--to", help="The new assignee's username.")],
    note: NoteOpt = None,
) -> None:
    """Give it to someone else (its maker or a manager of its unit)."""
    from brokerlens.access.work_orders import reassign_order

    me = acting(ctx, user)
    found = reassign_order(me.db, me.principal, order_id, assignee, note)
    console.print(_line(found), markup=False)
