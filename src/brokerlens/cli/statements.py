"""`brokerlens statements ...`: 佣金分成, monthly commission statements (issue 19 section 3).

`build` runs the statements' steps alone (like `brokerlens run` would). The others are thin
callers of `brokerlens.access.statements` and `access.statement_settle`, acting as
`--user NAME` (their staff scope and permissions, audited in their name): list the months,
preview (or show a settled month), settle, request an adjusting entry, export to Excel.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from brokerlens.cli.acting import UserOpt, acting
from brokerlens.cli.main import app, parse_date, settings_of
from brokerlens.console import console, err_console

if TYPE_CHECKING:
    from brokerlens.access.statements import Statement

statements_app = typer.Typer(
    help="佣金分成: monthly commission statements (issue 19 section 3).", no_args_is_help=True
)
app.add_typer(statements_app, name="statements")

MonthArg = Annotated[str, typer.Argument(help="The month, YYYY-MM.")]
ROLES = ("developer", "servicer", "advisor")


def _yuan(cents: int) -> str:
    return f"{cents / 100:,.2f}" if abs(cents) < 10**15 else str(cents)


def _say(text: str) -> None:
    err_console.print(text, markup=False)


@statements_app.command("build")
def build(
    ctx: typer.Context,
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="A loaded date (default: the last loaded).")
    ] = None,
) -> None:
    """Compute T's month of statements (and the month before, when its file does not reach its
    last day) without a full run: the run's "relationship ledger" and "commission statements"
    steps alone."""
    from brokerlens.pipeline.single import run_single_step

    settings = settings_of(ctx)
    day = parse_date(as_of, "--as-of")
    for step in ("relationship ledger", "commission statements"):
        done, outcome = run_single_step(settings, step, as_of=day)
        console.print(
            f"{outcome.name} as of {done}: {outcome.result.note} ({outcome.seconds:.2f} s)",
            markup=False,
        )


@statements_app.command("list")
def list_command(ctx: typer.Context, user: UserOpt) -> None:
    """The months with statements: preview (month to date), complete (ready to settle) or
    settled, with the customers' income of each."""
    from brokerlens.access.statements import list_months

    me = acting(ctx, user)
    table = Table("month", "status", "through", "net commission", "product fees", "settled by")
    for p in list_months(me.settings, me.db, me.principal):
        table.add_row(
            f"{p.month:%Y-%m}",
            p.status,
            str(p.through or "-"),
            _yuan(p.commission_cents),
            _yuan(p.product_fee_cents),
            p.settled_by or "-",
        )
    console.print(table, markup=False)


def _print_statement(found: Statement, by: str) -> None:
    p = found.period
    columns = [f"{r} {k}" for r in ROLES for k in ("commission", "product_fee")]
    table = Table(by, "name", "unit", *columns, "total", "customers")
    for t in found.totals("staff" if by == "staff" else "unit"):
        key = t.key or "(nobody)"
        cells = [
            _yuan(t.cents.get((r, k), 0)) for r in ROLES for k in ("commission", "product_fee")
        ]
        table.add_row(
            key, t.name or "-", t.unit_id or "-", *cells, _yuan(t.total_cents), str(t.customers)
        )
    console.print(table, markup=False)
    _say(
        f"{p.month:%Y-%m} {p.status} through {p.through}: net commission"
        f" {_yuan(p.commission_cents)} yuan, product fees {_yuan(p.product_fee_cents)} yuan"
        + ("" if found.whole else " (the lines of the staff in your scope)")
    )


@statements_app.command("preview")
def preview(
    ctx: typer.Context,
    user: UserOpt,
    month: MonthArg,
    by: Annotated[str, typer.Option(help="staff or unit.")] = "staff",
    staff: Annotated[str | None, typer.Option(help="Only this staff member.")] = None,
) -> None:
    """The month's statement per staff member (or unit): the preview until it is settled, the
    settled lines and adjusting entries after."""
    from brokerlens.access.statements import get_statement, parse_month
    from brokerlens.errors import ConfigError

    if by not in ("staff", "unit"):
        raise ConfigError(f"--by {by!r}: staff or unit")
    me = acting(ctx, user)
    found = get_statement(me.settings, me.db, me.principal, parse_month(month), staff_id=staff)
    _print_statement(found, by)


@statements_app.command("settle")
def settle_command(ctx: typer.Context, user: UserOpt, month: MonthArg) -> None:
    """Close a month counted to its last day (needs settle_commission); once only."""
    from brokerlens.access.statement_settle import settle
    from brokerlens.access.statements import parse_month

    me = acting(ctx, user)
    done = settle(me.settings, me.db, me.principal, parse_month(month))
    _say(
        f"settled {done.month:%Y-%m}: net commission {_yuan(done.commission_cents)} yuan, "
        f"product fees {_yuan(done.product_fee_cents)} yuan"
    )


@statements_app.command("adjust")
def adjust(
    ctx: typer.Context,
    user: UserOpt,
    month: MonthArg,
    role: Annotated[str, typer.Option(help="developer, servicer or advisor.")],
    to_staff: Annotated[str, typer.Option("--to", help="The staff member who receives.")],
    amount: Annotated[str, typer.Option(help="Yuan, to the cent, e.g. 120.50.")],
    reason: Annotated[str, typer.Option(help="Why the settled statement is corrected.")],
    from_staff: Annotated[
        str | None, typer.Option("--from", help="The staff member who gives.")
    ] = None,
    from_unit: Annotated[
        str | None,
        typer.Option(help="Without --from: the unit whose unassigned (nobody's) income moves."),
    ] = None,
    kind: Annotated[str, typer.Option(help="commission or product_fee.")] = "commission",
) -> None:
    """Request an adjusting entry of a settled month (approval kind commission_adjustment;
    another holder of settle_commission decides: brokerlens approvals approve ID)."""
    from brokerlens.access.statement_settle import Adjustment, request_adjustment
    from brokerlens.access.statements import parse_month

    me = acting(ctx, user)
    change = Adjustment(
        month=parse_month(month),
        role=role,
        income_kind=kind,
        to_staff=to_staff,
        amount=amount,
        reason=reason,
        from_staff=from_staff,
        from_unit=from_unit,
    )
    made = request_adjustment(me.settings, me.db, me.principal, change)
    _say(f"request {made.request_id} waits for a decision: {made.subject}")


@statements_app.command("export")
def export(
    ctx: typer.Context,
    user: UserOpt,
    month: MonthArg,
    out: Annotated[Path, typer.Option(help="The Excel file to write (.xlsx).")],
    by: Annotated[str, typer.Option(help="staff or unit.")] = "staff",
    codes: Annotated[bool, typer.Option("--codes", help="Column codes and raw ids.")] = False,
) -> None:
    """The month's statement per staff member or per unit as Excel (needs export)."""
    import shutil

    from brokerlens.access.statements import export_statement, parse_month
    from brokerlens.errors import ConfigError
    from brokerlens.web.api.statements import statement_presentation
    from brokerlens.web.export import TableWriter, with_names

    if by not in ("staff", "unit"):
        raise ConfigError(f"--by {by!r}: staff or unit")
    me = acting(ctx, user)
    show = with_names(statement_presentation(me.principal.language, codes), me.db)
    writer = TableWriter("xlsx", show)
    try:
        done = export_statement(
            me.settings,
            me.db,
            me.principal,
            parse_month(month),
            by,  # type: ignore[arg-type]
            writer,
        )
        path = writer.close()
    except BaseException:
        writer.discard()
        raise
    shutil.move(path, out)
    _say(f"wrote {done.count} rows to {out}")
