"""`brokerlens records ...`: 服务记录 (issue 17 section 2): log a contact, edit it for 24 hours,
list a customer's timeline.

Every command acts as a named workbench user (`--user NAME`) through the same
`brokerlens.access.records` functions the web calls: the customer must be in the user's scope,
the fields are checked by name, only the author edits (within 24 hours), and every step is
audited under the user's name.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

import typer
from rich.table import Table

from brokerlens.cli.acting import UserOpt, acting
from brokerlens.cli.main import app, parse_date
from brokerlens.console import console
from brokerlens.errors import ConfigError

records_app = typer.Typer(
    help="服务记录 (service records): log a contact, edit it for 24 hours, list a timeline.",
    no_args_is_help=True,
)
app.add_typer(records_app, name="records")

CustomerArg = Annotated[str, typer.Argument(help="The customer id.")]
ChannelOpt = Annotated[
    str | None, typer.Option("--channel", help="phone, visit, wechat, sms, email, app_push.")
]
PurposeOpt = Annotated[
    str | None,
    typer.Option("--purpose", help="service, marketing, callback, care, complaint."),
]
ResultOpt = Annotated[
    str | None, typer.Option("--result", help="reached, not_reached, refused, done.")
]
ContentOpt = Annotated[str | None, typer.Option("--content", help="What was said (1-2000).")]
NextStepOpt = Annotated[
    str | None, typer.Option("--next-step", help="What to do next (needed with --next-date).")
]
NextDateOpt = Annotated[
    str | None,
    typer.Option("--next-date", help="Follow up on YYYY-MM-DD (after today, within a year)."),
]
AtOpt = Annotated[
    str | None,
    typer.Option(
        "--at", help="When the contact was, YYYY-MM-DDTHH:MM Beijing time \\[default: now]."
    ),
]
CampaignOpt = Annotated[
    int | None, typer.Option("--campaign", help="Logged for this campaign (its id).", min=1)
]


def _say(text: str) -> None:
    console.print(text, markup=False)


def _instant(value: str | None) -> dt.datetime | None:
    if value is None:
        return None
    try:
        return dt.datetime.fromisoformat(value)
    except ValueError:
        raise ConfigError(
            f"--at {value!r} is not a time", hint="write it as YYYY-MM-DDTHH:MM (Beijing time)"
        ) from None


def _beijing(value: dt.datetime) -> str:
    from brokerlens.access.records import BEIJING

    return value.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M")


def _show(record: Any, verb: str) -> None:
    _say(
        f"{verb} service record {record.record_id} for {record.customer_id}: "
        f"{record.channel}/{record.purpose}/{record.result} at {_beijing(record.contact_at)} "
        f"(Beijing), by {record.username}"
    )
    if record.next_date:
        _say(f"follow up on {record.next_date}: {record.next_step}")
    if record.campaign_id:
        _say(f"campaign {record.campaign_id}")
    _say(f"editable by {record.username} until {_beijing(record.editable_until)} (Beijing)")


def _required(value: str | None, option: str) -> str:
    if value is None:
        raise ConfigError(f"{option} is required", hint=f"give {option} (see --help)")
    return value


@records_app.command("add")
def add(
    ctx: typer.Context,
    customer: CustomerArg,
    user: UserOpt,
    channel: ChannelOpt = None,
    purpose: PurposeOpt = None,
    result: ResultOpt = None,
    content: ContentOpt = None,
    next_step: NextStepOpt = None,
    next_date: NextDateOpt = None,
    at: AtOpt = None,
    campaign: CampaignOpt = None,
) -> None:
    """Log a contact with a customer in the user's scope (audited `log_contact`)."""
    from brokerlens.access.records import ContactInput, log_contact

    contact = ContactInput(
        channel=_required(channel, "--channel"),
        purpose=_required(purpose, "--purpose"),
        result=_required(result, "--result"),
        content=_required(content, "--content"),
        next_step=next_step,
        next_date=parse_date(next_date, "--next-date"),
        contact_at=_instant(at),
        campaign_id=campaign,
    )
    me = acting(ctx, user)
    _show(log_contact(me.db, me.principal, customer, contact), "logged")


@records_app.command("edit")
def edit(
    ctx: typer.Context,
    record_id: Annotated[int, typer.Argument(help="The service record's id.", min=1)],
    user: UserOpt,
    channel: ChannelOpt = None,
    purpose: PurposeOpt = None,
    result: ResultOpt = None,
    content: ContentOpt = None,
    next_step: NextStepOpt = None,
    next_date: NextDateOpt = None,
    at: AtOpt = None,
) -> None:
    """Change the named fields of your own record, within 24 hours of logging it (audited
    `edit_record` with the old values)."""
    from brokerlens.access.records import patch_record

    changes: dict[str, Any] = {
        "channel": channel,
        "purpose": purpose,
        "result": result,
        "content": content,
        "next_step": next_step,
        "next_date": parse_date(next_date, "--next-date"),
        "contact_at": _instant(at),
    }
    changes = {k: v for k, v in changes.items() if v is not None}
    if not changes:
        raise ConfigError("nothing to change", hint="give at least one of the field options")
    me = acting(ctx, user)
    _show(patch_record(me.db, me.principal, record_id, changes), "edited")


@records_app.command("list")
def list_timeline(
    ctx: typer.Context,
    customer: CustomerArg,
    user: UserOpt,
    page: Annotated[int, typer.Option("--page", min=1, help="Page, from 1.")] = 1,
    size: Annotated[int, typer.Option("--size", min=1, max=100, help="Entries a page.")] = 20,
) -> None:
    """The customer's timeline newest first: service records, the contacts feed (call centre,
    last 90 days) and care messages (audited `view_timeline`)."""
    from brokerlens.access.records import BEIJING, customer_timeline

    me = acting(ctx, user)
    found = customer_timeline(me.db, me.settings, me.principal, customer, page=page, size=size)
    table = Table("when (Beijing)", "kind", "id", "channel", "purpose", "result", "who", "content")
    for e in found.entries:
        when = e.when.astimezone(BEIJING)
        table.add_row(
            when.date().isoformat() if e.dated_only else when.strftime("%Y-%m-%d %H:%M"),
            e.kind,
            str(e.record_id or e.ref or ""),
            e.channel or "",
            e.purpose or "",
            e.result or "",
            e.who or "",
            (e.content or "")
            + (f" [follow up {e.next_date}: {e.next_step}]" if e.next_date else ""),
        )
    console.print(table, markup=False)
    counts = ", ".join(f"{k} {n}" for k, n in found.counts.items())
    _say(f"{found.total} entries ({counts}), page {found.page} of {found.pages}")
    if found.contacts_error:
        _say(f"the contacts feed could not be read: {found.contacts_error}")
