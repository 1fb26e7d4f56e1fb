"""`brokerlens handover ...` (客户移交) and `brokerlens ledger problems` (issue 19 section 2).

Thin callers of `brokerlens.access.handovers` and `brokerlens.access.ledger`, acting as
`--user NAME` (their scope and permissions, audited in their name). A request waits in 待审批
(`brokerlens approvals approve ID --user OTHER`); once approved the customers have moved.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from brokerlens.cli.acting import UserOpt, acting
from brokerlens.cli.main import app, parse_date
from brokerlens.console import console, err_console

if TYPE_CHECKING:
    from brokerlens.access.handovers import Handover, HandoverInput, HandoverPreview

handover_app = typer.Typer(help="客户移交: hand customers over (issue 19).", no_args_is_help=True)
app.add_typer(handover_app, name="handover")
ledger_app = typer.Typer(
    help="服务关系台账: the relationship ledger (issue 19).", no_args_is_help=True
)
app.add_typer(ledger_app, name="ledger")

GiverOpt = Annotated[str, typer.Option("--giver", help="The staff id handing customers over.")]
ReceiverOpt = Annotated[str, typer.Option("--to", help="The staff id receiving them.")]
CustomerOpt = Annotated[
    list[str] | None,
    typer.Option("--customer", help="A customer to hand over (repeat); none: the whole book."),
]
SegmentOpt = Annotated[int | None, typer.Option("--segment", help="Only a saved segment's.")]
RoleOpt = Annotated[
    list[str] | None,
    typer.Option("--role", help="developer, servicer or advisor (repeat); none: every role."),
]
DateOpt = Annotated[
    str | None, typer.Option("--date", help="Effective from (YYYY-MM-DD); default: served date.")
]


def _entry(
    giver: str,
    to: str,
    customer: list[str] | None,
    segment: int | None,
    role: list[str] | None,
    date: str | None,
    reason: str | None = None,
) -> HandoverInput:
    from brokerlens.access.handovers import HandoverInput

    return HandoverInput(
        giver_id=giver,
        receiver_id=to,
        customer_ids=customer or None,
        segment_id=segment,
        roles=role or None,
        effective_date=parse_date(date, "--date"),
        reason=reason,
    )


def _show_preview(p: HandoverPreview) -> None:
    table = Table(title=f"客户移交预览 {p.giver_id} → {p.receiver_id} from {p.effective_date}")
    for column in ("customer", "roles", "total assets"):
        table.add_column(column)
    for m in p.customers:
        assets = f"{m.total_assets:,.2f}" if m.total_assets is not None else "-"
        table.add_row(m.customer_id, ", ".join(m.roles), assets)
    console.print(table)
    if p.commission_cents is not None:
        basis = p.commission_basis.replace("_", " ")
        commission = f"{Decimal(p.commission_cents) / 100:,.2f} ({basis}, {p.commission_month})"
    else:
        commission = "- (no month kept)"
    decides = p.unit_id or "head office"
    console.print(
        f"{len(p.customers)} customers, {p.moves} relationships; total assets "
        f"{p.total_assets:,.2f}; net commission {commission}; "
        f"decided by {decides}",
        markup=False,
    )
    if p.not_held:
        err_console.print(f"not held by {p.giver_id}: {', '.join(p.not_held)}", markup=False)


def _line(h: Handover) -> str:
    done = f" by {h.decided_by}" if h.decided_by else ""
    return (
        f"handover {h.handover_id} {h.status}{done}: {h.giver_id} -> {h.receiver_id} from "
        f"{h.effective_date}, {len(h.customer_ids)} customers ({', '.join(h.roles)}); "
        f"approval request {h.request_id}"
    )


@handover_app.command()
def preview(
    ctx: typer.Context,
    user: UserOpt,
    giver: GiverOpt,
    to: ReceiverOpt,
    customer: CustomerOpt = None,
    segment: SegmentOpt = None,
    role: RoleOpt = None,
    date: DateOpt = None,
) -> None:
    """Who would move, their assets and last month's net commission; nothing changes."""
    from brokerlens.access.handovers import preview_handover

    me = acting(ctx, user)
    entry = _entry(giver, to, customer, segment, role, date)
    _show_preview(preview_handover(me.db, me.settings, me.principal, entry))


@handover_app.command()
def request(
    ctx: typer.Context,
    user: UserOpt,
    giver: GiverOpt,
    to: ReceiverOpt,
    customer: CustomerOpt = None,
    segment: SegmentOpt = None,
    role: RoleOpt = None,
    date: DateOpt = None,
    reason: Annotated[str | None, typer.Option("--reason", help="Why (kept).")] = None,
) -> None:
    """Request the handover; it waits in 待审批 for a manager of the giver's branch or above
    (head office for a receiver in another branch)."""
    from brokerlens.access.handovers import request_handover

    me = acting(ctx, user)
    entry = _entry(giver, to, customer, segment, role, date, reason)
    console.print(_line(request_handover(me.db, me.settings, me.principal, entry)), markup=False)


@handover_app.command("list")
def list_command(
    ctx: typer.Context,
    user: UserOpt,
    staff: Annotated[str | None, typer.Option("--staff", help="From or to this staff id.")] = None,
    status: Annotated[str | None, typer.Option("--status", help="Only this status.")] = None,
) -> None:
    """Handovers from or to staff in your reach (or requested by you), newest first."""
    from brokerlens.access.handovers import list_handovers

    me = acting(ctx, user)
    found = list_handovers(me.db, me.principal, staff_id=staff, status=status)
    table = Table(title="客户移交 handovers")
    for column in ("id", "from", "to", "effective", "customers", "status", "requested by"):
        table.add_column(column)
    for h in found:
        table.add_row(
            str(h.handover_id),
            h.giver_id,
            h.receiver_id,
            str(h.effective_date),
            str(len(h.customer_ids)),
            h.status,
            h.requested_by,
        )
    console.print(table)
    err_console.print(f"{len(found)} handover(s)", markup=False)


@handover_app.command()
def show(
    ctx: typer.Context,
    handover_id: Annotated[int, typer.Argument(help="The handover's id.")],
    user: UserOpt,
) -> None:
    """One handover with its customers."""
    from brokerlens.access.handovers import get_handover

    me = acting(ctx, user)
    found = get_handover(me.db, me.principal, handover_id)
    console.print(_line(found), markup=False)
    console.print(" ".join(found.customer_ids), markup=False)


@handover_app.command()
def left(
    ctx: typer.Context,
    staff_id: Annotated[str, typer.Argument(help="The staff id.")],
    user: UserOpt,
) -> None:
    """What a staff member still holds (customers per role): handed over before their account
    can be disabled."""
    from brokerlens.access.handovers import staff_book_left

    me = acting(ctx, user)
    found = staff_book_left(me.db, me.principal, staff_id)
    words = found.words() or "nothing"
    console.print(f"{staff_id} holds from {found.as_of}: {words}", markup=False)


@ledger_app.command()
def problems(
    ctx: typer.Context,
    user: UserOpt,
    role: Annotated[str | None, typer.Option("--role", help="Only this role.")] = None,
    limit: Annotated[int, typer.Option("--limit", min=1, max=500, help="Rows shown.")] = 200,
) -> None:
    """Spans on which a customer's shares in one role do not add up to 100% (customers in your
    scope), from the ledger of the served date."""
    from brokerlens.access.ledger import ledger_problems

    me = acting(ctx, user)
    found = ledger_problems(me.db, me.settings, me.principal, role=role, limit=limit)
    table = Table(title=f"服务关系台账问题 ledger problems ({found.as_of or 'no ledger'})")
    for column in ("customer", "role", "from", "to", "shares total", "holders"):
        table.add_column(column)
    for p in found.rows:
        to = str(p.to_date) if p.to_date else "open"
        table.add_row(
            p.customer_id, p.role, str(p.from_date), to, f"{p.share_total}%", str(p.holders)
        )
    console.print(table)
    err_console.print(f"{found.total} problem(s) in scope", markup=False)
