"""`brokerlens care ...`: 关怀提醒 (issue 17 section 4): the care messages' outbox, export, e-mail,
opt-outs. Thin callers of `brokerlens.access.care` / `care_send`, acting as `--user NAME` (their
scope and permissions, audited in their name).
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

care_app = typer.Typer(
    help="关怀提醒: care and reminder messages (outbox, export, e-mail, opt-outs).",
    no_args_is_help=True,
)
app.add_typer(care_app, name="care")

RuleOpt = Annotated[str | None, typer.Option("--rule", help="One rule id (birthday ...).")]
FromOpt = Annotated[str | None, typer.Option("--from", help="Occasions on or after YYYY-MM-DD.")]
ToOpt = Annotated[str | None, typer.Option("--to", help="Occasions on or before YYYY-MM-DD.")]
ChannelOpt = Annotated[
    str, typer.Option("--channel", help="sms, app_push, email, or all (opt-out/in only).")
]


_OPTIONS = {"rule_id": "--rule", "date_from": "--from", "date_to": "--to", "page_size": "--limit"}


def _query(**values: Any) -> Any:
    from pydantic import ValidationError

    from brokerlens.access.care import CareQuery

    values["date_from"] = parse_date(values.pop("date_from"), "--from")
    values["date_to"] = parse_date(values.pop("date_to"), "--to")
    try:
        return CareQuery.model_validate(values)
    except ValidationError as exc:
        error = exc.errors()[0]
        field = str(error["loc"][0]) if error["loc"] else ""
        option = _OPTIONS.get(field, "--" + field.replace("_", "-"))
        raise InvalidRequest(f"{option}: {error['msg']}") from None


@care_app.command("outbox")
def outbox_command(
    ctx: typer.Context,
    user: UserOpt,
    rule: RuleOpt = None,
    channel: Annotated[
        str | None, typer.Option("--channel", help="sms, app_push or email.")
    ] = None,
    status: Annotated[
        str | None,
        typer.Option("--status", help="queued, exported, sent, failed or opted_out."),
    ] = None,
    date_from: FromOpt = None,
    date_to: ToOpt = None,
    limit: Annotated[int, typer.Option("--limit", min=1, max=200, help="Rows shown.")] = 20,
) -> None:
    """The messages in the user's scope, newest occasion first, with counts by rule, channel
    and status; audited as the web's outbox."""
    from brokerlens.access.care import list_messages

    me = acting(ctx, user)
    query = _query(
        rule_id=rule,
        channel=channel,
        status=status,
        date_from=date_from,
        date_to=date_to,
        page_size=limit,
    )
    found = list_messages(me.db, me.principal, query)
    counts = found.counts
    for title, by in (("rule", counts.by_rule), ("channel", counts.by_channel)):
        console.print(f"by {title}: " + (", ".join(f"{k} {n:,}" for k, n in by.items()) or "—"))
    console.print(
        "by status: " + (", ".join(f"{k} {n:,}" for k, n in counts.by_status.items()) or "—")
    )
    table = Table(
        "id", "rule", "customer", "name", "occasion", "channel", "status", "body",
        title=f"care messages: {found.total:,} (served as of {found.as_of_date})",
    )  # fmt: skip
    for m in found.rows:
        table.add_row(
            str(m.message_id),
            m.rule_id,
            m.customer_id,
            m.name or "",
            m.occasion_date.isoformat(),
            m.channel,
            m.status,
            m.body if len(m.body) <= 60 else m.body[:59] + "…",
        )
    console.print(table, markup=False)


@care_app.command("export")
def export_command(
    ctx: typer.Context,
    user: UserOpt,
    channel: Annotated[str, typer.Option("--channel", help="sms or app_push.")],
    out: Annotated[Path, typer.Option("--out", help="The CSV file to write.")],
    rule: RuleOpt = None,
    date_from: FromOpt = None,
    date_to: ToOpt = None,
) -> None:
    """The queued messages of a channel in scope as CSV for the SMS / app-push platform (it
    carries phone numbers: needs send_messages, audited); they are marked exported."""
    from brokerlens.access.care_send import export_messages

    me = acting(ctx, user)
    query = _query(rule_id=rule, date_from=date_from, date_to=date_to)
    done = export_messages(me.db, me.principal, channel, query)
    out.write_text(done.text, "utf-8")
    skipped = ", ".join(f"{k} {n}" for k, n in done.skipped.items() if n)
    console.print(
        f"{out}: {done.count:,} {channel} message(s), marked exported (audited as an export by "
        f"{user})" + (f"; not exported: {skipped}" if skipped else ""),
        markup=False,
    )


@care_app.command("send-email")
def send_email_command(
    ctx: typer.Context,
    user: UserOpt,
    rule: RuleOpt = None,
    date_from: FromOpt = None,
    date_to: ToOpt = None,
) -> None:
    """Send the queued e-mail messages in scope through BROKERLENS_SMTP_HOST; each is marked
    sent or failed with the reason. Exit code 1 when any failed."""
    from brokerlens.access.care_send import send_email

    me = acting(ctx, user)
    query = _query(rule_id=rule, date_from=date_from, date_to=date_to)
    report = send_email(me.db, me.settings, me.principal, query)
    console.print(
        f"e-mail: {report.sent:,} sent, {report.failed:,} failed, {report.opted_out:,} opted out",
        markup=False,
    )
    for error in report.errors:
        console.print(f"  failed: {error}", markup=False)
    if not report.ok:
        raise typer.Exit(1)


@care_app.command("opt-out")
def opt_out_command(
    ctx: typer.Context,
    customer: Annotated[str, typer.Argument(help="The customer id.")],
    user: UserOpt,
    channel: ChannelOpt,
    reason: Annotated[str, typer.Option("--reason", help="Why (kept in the audit log).")],
) -> None:
    """The customer refuses messages on a channel (or all); their queued ones are held."""
    from brokerlens.access.care import opt_out

    me = acting(ctx, user)
    done = opt_out(me.db, me.principal, customer, channel, reason)
    console.print(f"{customer} opted out of {done.channel} (by {user})", markup=False)


@care_app.command("opt-in")
def opt_in_command(
    ctx: typer.Context,
    customer: Annotated[str, typer.Argument(help="The customer id.")],
    user: UserOpt,
    channel: ChannelOpt,
    reason: Annotated[str | None, typer.Option("--reason", help="Why (kept).")] = None,
) -> None:
    """The customer takes messages on a channel again; held messages still ahead are queued."""
    from brokerlens.access.care import opt_in

    me = acting(ctx, user)
    requeued = opt_in(me.db, me.principal, customer, channel, reason)
    console.print(
        f"{customer} takes {channel} messages again; {requeued} message(s) back in the queue",
        markup=False,
    )
