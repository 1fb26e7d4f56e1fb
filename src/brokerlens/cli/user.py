"""`brokerlens user add|disable|enable|reset|list|demo`: workbench accounts."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from brokerlens.cli.main import app, settings_of
from brokerlens.console import console

if TYPE_CHECKING:
    from sqlalchemy import Engine

user_app = typer.Typer(
    name="user",
    help="Workbench users: add, disable, enable, reset passwords, list, demo users.",
    no_args_is_help=True,
)
app.add_typer(user_app)


def _engine(ctx: typer.Context) -> Engine:
    from brokerlens.store import open_store

    return open_store(settings_of(ctx))


def _read_password(username: str, from_stdin: bool, generate: bool) -> tuple[str, bool]:
    """The new user's password and whether it was generated (then it is shown once)."""
    from brokerlens.auth import check_password_policy, generate_password
    from brokerlens.errors import InvalidRequest

    if from_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
        if not password:
            raise InvalidRequest("no password on standard input", hint="pipe it in, one line")
        return password, False
    if generate:
        return generate_password(), True
    password = typer.prompt(f"password for {username}", hide_input=True, confirmation_prompt=True)
    check_password_policy(password, username)
    return password, False


@user_app.command("add")
def add(
    ctx: typer.Context,
    username: Annotated[str, typer.Argument(help="3-64 letters, digits, '_', '.', '-'.")],
    role: Annotated[str, typer.Option("--role", help="broker, advisor, team_lead, ...")],
    name: Annotated[
        str | None, typer.Option("--name", help="Display name [default: the username].")
    ] = None,
    staff_id: Annotated[
        str | None, typer.Option("--staff-id", help="For broker, advisor, team_lead.")
    ] = None,
    unit_id: Annotated[
        str | None, typer.Option("--unit-id", help="For branch_manager, region_manager.")
    ] = None,
    permission: Annotated[
        list[str] | None,
        typer.Option("--permission", help="Extra permission (repeatable), e.g. reveal_pii."),
    ] = None,
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from standard input.")
    ] = False,
    generate: Annotated[
        bool, typer.Option("--generate", help="Generate a password and print it once.")
    ] = False,
) -> None:
    """Add a user. Prompts for the password twice unless --password-stdin or --generate."""
    from brokerlens.auth import add_user

    password, generated = _read_password(username, password_stdin, generate)
    user_id = add_user(
        _engine(ctx),
        username=username,
        display_name=name or username,
        role=role,
        password=password,
        staff_id=staff_id,
        unit_id=unit_id,
        permissions=permission or (),
        must_change_password=generated,
    )
    console.print(f"added user {username.lower()} (id {user_id}, role {role})")
    if generated:
        console.print(f"password (shown once; must be changed at first sign-in): {password}")


@user_app.command("disable")
def disable(ctx: typer.Context, username: str) -> None:
    """Stop a user signing in; their open sessions end now."""
    from brokerlens.auth import disable_user

    disable_user(_engine(ctx), username)
    console.print(f"disabled {username}; their sessions have ended")


@user_app.command("enable")
def enable(ctx: typer.Context, username: str) -> None:
    """Let a disabled or locked-out user sign in again."""
    from brokerlens.auth import enable_user

    enable_user(_engine(ctx), username)
    console.print(f"enabled {username}")


@user_app.command("reset")
def reset(ctx: typer.Context, username: str) -> None:
    """Give a user a temporary password (printed once); their sessions end."""
    from brokerlens.auth import reset_password

    password = reset_password(_engine(ctx), username)
    console.print(f"temporary password for {username} (shown once; changed at sign-in):")
    console.print(password, markup=False)


@user_app.command("list")
def list_(ctx: typer.Context) -> None:
    """Every user with role, anchor and state (never a password hash)."""
    from brokerlens.access.principal import ROLE_NAMES_ZH
    from brokerlens.auth import list_users

    rows = list_users(_engine(ctx))
    table = Table(title=f"{len(rows)} user(s)")
    for column in ("username", "name", "role", "staff / unit", "state", "created"):
        table.add_column(column)
    for user in rows:
        state = "active" if user.active else "disabled"
        if user.locked():
            state += ", locked"
        if user.must_change_password:
            state += ", must change password"
        table.add_row(
            user.username,
            user.display_name,
            f"{user.role.value} ({ROLE_NAMES_ZH[user.role]})",
            user.staff_id or user.unit_id or "",
            state,
            user.created_at.strftime("%Y-%m-%d %H:%M"),
        )
    console.print(table)


@user_app.command("demo")
def demo(
    ctx: typer.Context,
    reset: Annotated[
        bool,
        typer.Option("--reset", help="Restore existing demo users' password and anchors."),
    ] = False,
) -> None:
    """One demo user per role on the published organisation (run `brokerlens run` first)."""
    from brokerlens.auth import create_demo_users

    users = create_demo_users(_engine(ctx), reset=reset)
    table = Table(title="demo users")
    for column in ("username", "role", "password", "who"):
        table.add_column(column)
    for user in users:
        shown = user.password or "(changed; brokerlens user demo --reset)"
        table.add_row(user.username, user.role.value, shown, user.who)
    console.print(table)
    console.print("sign in: brokerlens serve, then open http://127.0.0.1:8000 and sign in")
