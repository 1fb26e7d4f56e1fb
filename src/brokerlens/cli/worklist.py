"""`brokerlens worklist ...`: 今日待办 (issue 17 section 1): a broker's daily work list, done /
snooze / dismiss, completion by broker.

Every command acts as a named workbench user (`--user`) through `brokerlens.access.worklist*`,
as the web does: the same scope (another broker's list only for their lead, manager or head
office), the same checks (a message naming the option) and the same audit rows.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import typer
from rich.table import Table

from brokerlens.cli.acting import UserOpt, acting
from brokerlens.cli.main import app
from brokerlens.console import console
from brokerlens.errors import InvalidRequest

worklist_app = typer.Typer(help="今日待办 (issue 17 section 1)", no_args_is_help=True)
app.add_typer(worklist_app, name="worklist")

StaffOpt = Annotated[
    str | None,
    typer.Option("--staff", help="The broker whose list [default: your own].", show_default=False),
]
AsOfOpt = Annotated[
    str | None,
    typer.Option("--as-of", help="The list's date YYYY-MM-DD [default: the served date]."),
]


def _say(text: str) -> None:
    console.print(text, markup=False)


def _day(option: str, value: str | None) -> dt.date | None:
    if value is None or not value.strip():
        return None
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        raise InvalidRequest(f"{option} {value[:10]!r}: not a date (YYYY-MM-DD)") from None


@worklist_app.command("show")
def show(
    ctx: typer.Context,
    user: UserOpt,
    all_items: Annotated[
        bool, typer.Option("--all", help="The full inbox (a page), not today's budget.")
    ] = False,
    kind: Annotated[
        str | None, typer.Option("--kind", help="A kind: alert, churn ... or alert:<id>.")
    ] = None,
    staff: StaffOpt = None,
    as_of: AsOfOpt = None,
    page: Annotated[int, typer.Option("--page", min=1, help="The inbox page (50 a page).")] = 1,
) -> None:
    """The list by rank with every reason, the offer and the state; audited `view_worklist`."""
    from brokerlens.access.worklist import work_list

    me = acting(ctx, user)
    found = work_list(
        me.db,
        me.settings,
        me.principal,
        as_of=_day("--as-of", as_of),
        staff_id=staff,
        all_items=all_items,
        kind=kind,
        page=page,
    )
    who = found.staff_name or found.staff_id
    if not found.available:
        _say(f"no work list for {found.as_of_date} (the daily run makes it)")
        return
    what = f"page {found.page}, {found.total} item(s)" if all_items else "today's budget"
    table = Table(
        "#", "customer", "name", "score", "kinds", "reasons", "offer", "status",
        title=f"work list of {who} as of {found.as_of_date}: {what}",
    )  # fmt: skip
    language = me.principal.language
    for row in found.rows:
        status = row.status
        if row.snooze_until is not None:
            status += f" to {row.snooze_until}"
        table.add_row(
            str(row.rank),
            row.customer_id,
            row.name or "",
            f"{row.score:.1f}",
            ", ".join(row.kinds),
            "; ".join(row.reasons_in(language)),
            row.offer_product_name or row.offer_product_id or "",
            status,
        )
    console.print(table, markup=False)
    if not all_items:
        counts = ", ".join(f"{k} {n}" for k, n in sorted(found.budget_status.items()))
        _say(f"{len(found.rows)} in today's budget ({counts or 'none'}); {found.inbox} in all")


@worklist_app.command("done")
def done(
    ctx: typer.Context,
    customer: Annotated[str, typer.Argument(help="The customer id.")],
    user: UserOpt,
    channel: Annotated[
        str, typer.Option("--channel", help="phone, visit, wechat, sms, email, app_push.")
    ],
    result: Annotated[str, typer.Option("--result", help="reached, not_reached, refused, done.")],
    content: Annotated[str, typer.Option("--content", help="What was said (1..2000 chars).")],
    purpose: Annotated[
        str,
        typer.Option(
            "--purpose", help="service, marketing, callback, care, complaint [default: by kind]."
        ),
    ] = "",
    next_step: Annotated[str | None, typer.Option("--next-step", help="What to do next.")] = None,
    next_date: Annotated[
        str | None, typer.Option("--next-date", help="When (YYYY-MM-DD): a follow-up item.")
    ] = None,
    staff: StaffOpt = None,
    as_of: AsOfOpt = None,
) -> None:
    """Log the contact (a service record) and mark the customer's item done."""
    from brokerlens.access.records import ContactInput
    from brokerlens.access.worklist_actions import mark_done

    contact = ContactInput(
        channel=channel,
        purpose=purpose,
        content=content,
        result=result,
        next_step=next_step,
        next_date=_day("--next-date", next_date),
    )
    me = acting(ctx, user)
    item, record = mark_done(
        me.db, me.settings, me.principal, customer, contact,
        as_of=_day("--as-of", as_of), staff_id=staff,
    )  # fmt: skip
    _say(f"{item.customer_id}: done, contact logged as service record {record.record_id}")


@worklist_app.command("snooze")
def snooze_command(
    ctx: typer.Context,
    customer: Annotated[str, typer.Argument(help="The customer id.")],
    user: UserOpt,
    until: Annotated[str, typer.Option("--until", help="Remind on (YYYY-MM-DD), within 90 days.")],
    staff: StaffOpt = None,
    as_of: AsOfOpt = None,
) -> None:
    """Leave the customer off the list until a date."""
    from brokerlens.access.worklist_actions import snooze

    day = _day("--until", until)
    if day is None:
        raise InvalidRequest("--until: give a date (YYYY-MM-DD)")
    me = acting(ctx, user)
    item = snooze(
        me.db, me.settings, me.principal, customer, day,
        as_of=_day("--as-of", as_of), staff_id=staff,
    )  # fmt: skip
    _say(f"{item.customer_id}: snoozed until {item.snooze_until}")


@worklist_app.command("dismiss")
def dismiss_command(
    ctx: typer.Context,
    customer: Annotated[str, typer.Argument(help="The customer id.")],
    user: UserOpt,
    reason: Annotated[str, typer.Option("--reason", help="Why (required).")],
    staff: StaffOpt = None,
    as_of: AsOfOpt = None,
) -> None:
    """Dismiss the customer's item with a reason."""
    from brokerlens.access.worklist_actions import dismiss

    me = acting(ctx, user)
    item = dismiss(
        me.db, me.settings, me.principal, customer, reason,
        as_of=_day("--as-of", as_of), staff_id=staff,
    )  # fmt: skip
    _say(f"{item.customer_id}: dismissed ({item.state_reason})")


@worklist_app.command("completion")
def completion_command(ctx: typer.Context, user: UserOpt, as_of: AsOfOpt = None) -> None:
    """Completion by broker (leads, managers and head office): budget, done, snoozed,
    dismissed, open, rate."""
    from brokerlens.access.worklist_team import completion

    me = acting(ctx, user)
    found = completion(me.db, me.settings, me.principal, _day("--as-of", as_of))
    if not found.available:
        _say(f"no work list for {found.as_of_date} (the daily run makes it)")
        return
    table = Table(
        "broker", "name", "budget", "done", "snoozed", "dismissed", "open", "rate",
        "done beyond", title=f"work list completion as of {found.as_of_date}",
    )  # fmt: skip
    for row in found.rows:
        rate = f"{row.rate:.0%}" if row.rate is not None else "-"
        table.add_row(
            row.staff_id, row.name or "", str(row.budget), str(row.done), str(row.snoozed),
            str(row.dismissed), str(row.open), rate, str(row.done_beyond),
        )  # fmt: skip
    console.print(table, markup=False)
    rate = f"{found.rate:.0%}" if found.rate is not None else "-"
    _say(f"{len(found.rows)} broker(s); {found.totals.get('done', 0)} done, rate {rate}")
