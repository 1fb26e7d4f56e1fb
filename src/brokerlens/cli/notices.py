"""`brokerlens notices ...`: 通知公告: notices (issue 23 section 4).

Thin callers of `brokerlens.access.notices` and `access.notice_receipts`, acting as `--user NAME`
(their permission, reach and audience, audited in their name).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape
from rich.table import Table

from brokerlens.cli.acting import UserOpt, acting
from brokerlens.cli.main import app
from brokerlens.console import console, err_console

if TYPE_CHECKING:
    from brokerlens.access.notices import NoticeRow

notices_app = typer.Typer(help="通知公告: notices (issue 23 section 4).", no_args_is_help=True)
app.add_typer(notices_app, name="notices")

NoticeArg = Annotated[int, typer.Argument(help="The notice's id.")]
BEIJING = dt.timezone(dt.timedelta(hours=8), "CST")


def _when(value: dt.datetime | None) -> str:
    return "-" if value is None else value.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M")


def _instant(value: str | None, option: str) -> dt.datetime | None:
    """A 'YYYY-MM-DD HH:MM' option value (Beijing time); a clear error names the option."""
    from brokerlens.errors import ConfigError

    if value is None:
        return None
    try:
        return dt.datetime.fromisoformat(value)
    except ValueError:
        hint = "write it as 'YYYY-MM-DD HH:MM' (Beijing time)"
        raise ConfigError(f"{option} {value!r} is not a date and time", hint=hint) from None


def _line(r: NoticeRow) -> str:
    n = r.notice
    to = ",".join(n.units) + (f" ({','.join(n.roles)})" if n.roles else "")
    return f"notice {n.notice_id} {r.state}: {n.title!r} to {to}, from {_when(n.publish_at)}"


def _body(body: str | None, body_file: Path | None) -> str:
    from brokerlens.errors import ConfigError

    if (body is None) == (body_file is None):
        raise ConfigError("give the body with --body or --body-file (one of them)")
    if body_file is None:
        return body or ""
    try:
        return body_file.read_text("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"--body-file {body_file}: {exc}") from None


@notices_app.command()
def publish(
    ctx: typer.Context,
    user: UserOpt,
    title: Annotated[str, typer.Option("--title", help="The title (1..200 characters).")],
    unit: Annotated[
        list[str], typer.Option("--unit", help="A unit it reaches (and the units below it).")
    ],
    body: Annotated[str | None, typer.Option("--body", help="The body text.")] = None,
    body_file: Annotated[
        Path | None, typer.Option("--body-file", help="Read the body from this UTF-8 file.")
    ] = None,
    role: Annotated[
        list[str] | None, typer.Option("--role", help="Only this role (repeat; none: all).")
    ] = None,
    plain: Annotated[
        bool, typer.Option("--plain", help="The body is plain text, not Markdown.")
    ] = False,
    importance: Annotated[
        str, typer.Option("--importance", help="normal, important or urgent.")
    ] = "normal",
    pinned: Annotated[bool, typer.Option("--pinned", help="Pin it to the top.")] = False,
    publish_at: Annotated[
        str | None, typer.Option("--publish-at", help="Show from (YYYY-MM-DD HH:MM, Beijing).")
    ] = None,
    expire_at: Annotated[
        str | None, typer.Option("--expire-at", help="Show until (YYYY-MM-DD HH:MM, Beijing).")
    ] = None,
    draft: Annotated[bool, typer.Option("--draft", help="Keep it as a draft.")] = False,
) -> None:
    """Publish a notice to units within your reach (head office: any; a manager: their unit
    and below); audited."""
    from brokerlens.access.notices import NoticeInput, create_notice

    entry = NoticeInput(
        title=title,
        body=_body(body, body_file),
        units=unit,
        roles=role or [],
        body_format="text" if plain else "markdown",
        importance=importance,
        pinned=pinned,
        publish_at=_instant(publish_at, "--publish-at"),
        expire_at=_instant(expire_at, "--expire-at"),
        draft=draft,
    )
    me = acting(ctx, user, customers=False)
    console.print(_line(create_notice(me.db, me.principal, entry)), markup=False)


@notices_app.command("list")
def list_command(
    ctx: typer.Context,
    user: UserOpt,
    view: Annotated[
        str, typer.Option(help="inbox (showing to you) or managed (yours, your units').")
    ] = "inbox",
    unread: Annotated[bool, typer.Option("--unread", help="Only the unread ones.")] = False,
) -> None:
    """The notices showing to you, unread first; or those you publish and manage."""
    from brokerlens.access.notices import list_notices

    me = acting(ctx, user, customers=False)
    found = list_notices(me.db, me.principal, view, unread_only=unread)
    table = Table(title=f"通知公告 notices ({view})")
    for column in ("id", "title", "importance", "from", "until", "state", "read"):
        table.add_column(column)
    for r in found.rows:
        n = r.notice
        read = _when(r.read_at) if r.read_at else ("unread" if r.addressed else "-")
        table.add_row(
            str(n.notice_id),
            escape(n.title),
            n.importance,
            _when(n.publish_at),
            _when(n.expire_at),
            r.state,
            read,
        )
    console.print(table)
    err_console.print(f"{len(found.rows)} notice(s), {found.unread} unread", markup=False)


@notices_app.command()
def read(ctx: typer.Context, notice_id: NoticeArg, user: UserOpt) -> None:
    """Show a notice addressed to you and mark it read (the first read is kept; audited)."""
    from brokerlens.access.notices import mark_read

    me = acting(ctx, user, customers=False)
    row = mark_read(me.db, me.principal, notice_id)
    console.print(_line(row), markup=False)
    console.print(row.notice.body, markup=False)


@notices_app.command()
def withdraw(
    ctx: typer.Context,
    notice_id: NoticeArg,
    user: UserOpt,
    note: Annotated[str | None, typer.Option("--note", help="Why.")] = None,
) -> None:
    """Withdraw a notice (its publisher, or a manager of every unit it addresses); audited."""
    from brokerlens.access.notices import withdraw_notice

    me = acting(ctx, user, customers=False)
    console.print(_line(withdraw_notice(me.db, me.principal, notice_id, note)), markup=False)


@notices_app.command()
def receipts(ctx: typer.Context, notice_id: NoticeArg, user: UserOpt) -> None:
    """Who of its audience read it, per unit (its publisher: every unit; a manager: theirs);
    audited."""
    from brokerlens.access.notice_receipts import notice_receipts

    me = acting(ctx, user, customers=False)
    found = notice_receipts(me.db, me.principal, notice_id)
    table = Table(title=f"通知 {notice_id} read receipts")
    for column in ("unit", "addressed", "read", "not read yet"):
        table.add_column(column)
    for u in found.units:
        names = escape(", ".join(r.username for r in u.unread)) or "-"
        table.add_row(u.unit_id or "-", str(u.addressed), str(u.read), names)
    console.print(table)
    scope = "" if found.whole else " (your units)"
    err_console.print(f"{found.read} of {found.addressed} read{scope}", markup=False)
