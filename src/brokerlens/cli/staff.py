"""`brokerlens staff ...`: staff pages and broker risk (issue 19 part E) on the command line.

Every command acts as a named workbench user (`--user`) through `brokerlens.access`, as the web
does: the same scope (`staff_scope`: a broker themselves, a manager their units, head office
everyone), the same 404 / 403 and the same audit rows (`staff_view`, `broker_risk_view`).
"""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from brokerlens.cli.acting import UserOpt, acting
from brokerlens.cli.main import app
from brokerlens.console import console

staff_app = typer.Typer(help="Staff pages and broker risk (issue 19)", no_args_is_help=True)
app.add_typer(staff_app, name="staff")


def _say(text: str) -> None:
    console.print(text, markup=False)


@staff_app.command("show")
def show(
    ctx: typer.Context,
    staff_id: Annotated[str, typer.Argument(help="The staff id, e.g. S000123.")],
    user: UserOpt,
) -> None:
    """Who the staff member is and their book: customers by tier, the month-end trend,
    customers gained / lost / closed, service contacts, alerts handled, risk measures."""
    from brokerlens.access.broker_risk import staff_risk
    from brokerlens.access.staff_profile import staff_book, staff_page

    me = acting(ctx, user)
    page = staff_page(me.db, me.principal, staff_id)
    h = page.header
    manager = f"{h.manager.name} ({h.manager.staff_id})" if h.manager else "-"
    _say(f"{h.name} ({h.staff_id}) {h.position}, {h.unit_name or h.unit_id}; manager {manager}")
    tenure = f"{h.tenure_years} years" if h.tenure_years is not None else "-"
    _say(
        f"hired {h.hire_date or '-'}{f', left {h.leave_date}' if h.leave_date else ''}; "
        f"tenure {tenure}; certificate {h.sac_cert_no or '-'}; grade {h.grade or '-'}"
    )
    reports = ", ".join(f"{r.name} ({r.staff_id})" for r in h.reports) or "none"
    _say(f"reports: {reports}")
    slot = staff_book(me.db, me.settings, me.principal, staff_id)
    book = slot.book
    if book is None:
        _say("no staff book kept yet (run `brokerlens run`)")
    else:
        tiers = Table("tier", "customers", "assets (yuan)", title=f"book as of {book.as_of_date}")
        for tier in book.tiers:
            tiers.add_row(tier.tier, f"{tier.customers:,}", f"{tier.assets:,.2f}")
        tiers.add_row("total", f"{book.customers:,}", f"{book.assets:,.2f}")
        console.print(tiers, markup=False)
        trend = Table("date", "customers", "assets (yuan)", title="month ends")
        for point in book.trend:
            trend.add_row(str(point.day), f"{point.customers:,}", f"{point.assets:,.2f}")
        console.print(trend, markup=False)
        flow = Table("month", "gained", "lost", "closed", title="customers gained and lost")
        for f in book.flow:
            flow.add_row(f.month.strftime("%Y-%m"), str(f.gained), str(f.lost), str(f.closed))
        console.print(flow, markup=False)
        contacts = Table("purpose", "result", "contacts", "customers", title="contacts, 90 days")
        for c in book.contacts:
            contacts.add_row(c.purpose, c.result, f"{c.contacts:,}", f"{c.customers:,}")
        console.print(contacts, markup=False)
    handled = ", ".join(f"{s} {n}" for s, n in slot.alerts.by_status.items())
    _say(f"alerts handled: {slot.alerts.total} ({handled})")
    risk = staff_risk(me.db, me.settings, me.principal, staff_id)
    language = me.principal.language
    for line in risk.lines:
        mark = "FLAG" if line.flagged else "ok"
        _say(f"[{mark}] {line.name(language)}: {line.text(language)}")


@staff_app.command("risk")
def risk(
    ctx: typer.Context,
    user: UserOpt,
    all_measures: Annotated[
        bool, typer.Option("--all", help="Every measure, not only the flagged ones.")
    ] = False,
) -> None:
    """The broker risk flags of the staff in your scope, each explained."""
    from brokerlens.access.broker_risk import risk_flags

    me = acting(ctx, user)
    view = risk_flags(me.db, me.settings, me.principal, flagged_only=not all_measures)
    if not view.kept:
        _say("no broker risk measures kept yet (run `brokerlens run`)")
        return
    language = me.principal.language
    table = Table(
        "staff", "name", "branch", "measure", "flag", "explanation",
        title=f"broker risk as of {view.as_of_date or view.served}",
    )  # fmt: skip
    for line in view.lines:
        table.add_row(
            line.staff_id,
            line.staff_name or "",
            line.branch_id or "",
            line.name(language),
            "FLAG" if line.flagged else "",
            line.text(language),
        )
    console.print(table, markup=False)
    _say(f"{len(view.flagged)} flag(s) among {len(view.lines)} line(s)")
