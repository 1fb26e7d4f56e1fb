"""`brokerlens user add|disable|enable|reset|list|demo`: workbench accounts.

Every command acts as a named administrator (`--user ADMIN`, the manage_users permission)
through `brokerlens.access.users`, as the web's user pages do, and each change is audited under
that name. The exception is the bootstrap: on a store without any administrator, `user add NAME
--role admin` or `user demo` without --user creates the first one(s) (audited as that new
administrator); `user demo` without --user also passes when it changes nothing."""

from __future__ import annotations

import sys
from typing import Annotated

import typer
from rich.table import Table

from brokerlens.cli.acting import UserOpt, acting
from brokerlens.cli.main import app, settings_of
from brokerlens.console import console
from brokerlens.errors import Forbidden, InvalidRequest

user_app = typer.Typer(
    name="user",
    help="Workbench users: add, disable, enable, reset passwords, list, demo users.",
    no_args_is_help=True,
)
app.add_typer(user_app)

AdminOpt = Annotated[
    str | None,
    typer.Option(
        "--user",
        help="Act as this administrator (manage_users); omit only to create the first admin.",
        show_default=False,
    ),
]


def _read_password(username: str, from_stdin: bool, generate: bool) -> tuple[str, bool]:
    """The new user's password and whether it was generated (then it is shown once)."""
    from brokerlens.auth import check_password_policy, generate_password

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
    user: AdminOpt = None,
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
    """Add a user as --user ADMIN (audited as `user_create`). Without --user only the first
    administrator of an empty store. Prompts for the password twice unless --password-stdin
    or --generate."""
    from brokerlens.access.users import (
        bootstrap_admin,
        create_user,
    )
    from brokerlens.auth.principal import Role
    from brokerlens.store import open_store

    if user is None:
        if role != Role.ADMIN.value:
            raise Forbidden(
                "adding a user needs --user ADMIN",
                hint="only the first administrator is added without --user (--role admin)",
            )
        db = open_store(settings_of(ctx))
        password, generated = _read_password(username, password_stdin, generate)
        record = bootstrap_admin(
            db,
            username=username,
            display_name=name or username,
            password=password,
            generated=generated,
        )
    else:
        me = acting(ctx, user, customers=False)
        password, generated = _read_password(username, password_stdin, generate)
        record = create_user(
            me.db,
            me.principal,
            username=username,
            display_name=name or username,
            role=role,
            password=password,
            staff_id=staff_id,
            unit_id=unit_id,
            permissions=permission or (),
            must_change_password=generated,
        )
    console.print(f"added user {record.username} (id {record.user_id}, role {role})")
    if generated:
        console.print(f"password (shown once; must be changed at first sign-in): {password}")


@user_app.command("disable")
def disable(ctx: typer.Context, username: str, user: UserOpt) -> None:
    """Stop a user signing in; their open sessions end now. Audited as `user_disable`."""
    from brokerlens.access.users import (
        disable_account,
    )

    me = acting(ctx, user, customers=False)
    disable_account(me.db, me.principal, username)
    console.print(f"disabled {username}; their sessions have ended")


@user_app.command("enable")
def enable(ctx: typer.Context, username: str, user: UserOpt) -> None:
    """Let a disabled or locked-out user sign in again. Audited as `user_enable`."""
    from brokerlens.access.users import (
        enable_account,
    )

    me = acting(ctx, user, customers=False)
    enable_account(me.db, me.principal, username)
    console.print(f"enabled {username}")


@user_app.command("reset")
def reset(ctx: typer.Context, username: str, user: UserOpt) -> None:
    """Give a user a temporary password (printed once); their sessions end. Audited as
    `user_reset` (never the password)."""
    from brokerlens.access.users import (
        reset_account,
    )

    me = acting(ctx, user, customers=False)
    done = reset_account(me.db, me.principal, username)
    console.print(f"temporary password for {username} (shown once; changed at sign-in):")
    console.print(done.temporary_password or "", markup=False)


@user_app.command("list")
def list_(ctx: typer.Context, user: UserOpt) -> None:
    """Every user with role, anchor and state (never a password hash)."""
    from brokerlens.access.users import (
        users_of,
    )
    from brokerlens.auth.principal import ROLE_NAMES_ZH

    me = acting(ctx, user, customers=False)
    rows = users_of(me.db, me.principal)
    table = Table(title=f"{len(rows)} user(s)")
    for column in ("username", "name", "role", "staff / unit", "state", "created"):
        table.add_column(column)
    for record in rows:
        state = "active" if record.active else "disabled"
        if record.locked():
            state += ", locked"
        if record.must_change_password:
            state += ", must change password"
        table.add_row(
            record.username,
            record.display_name,
            f"{record.role.value} ({ROLE_NAMES_ZH[record.role]})",
            record.staff_id or record.unit_id or "",
            state,
            record.created_at.strftime("%Y-%m-%d %H:%M"),
        )
    console.print(table)


@user_app.command("demo")
def demo(
    ctx: typer.Context,
    user: AdminOpt = None,
    reset: Annotated[
        bool,
        typer.Option("--reset", help="Restore existing demo users' password and anchors."),
    ] = False,
) -> None:
    """One demo user per role on the published organisation (run `brokerlens run` first).
    Audited (user_create, user_reset). Without --user only on a store with no administrator, or
    when nothing changes (every demo user exists, no --reset)."""
    from brokerlens.access.users import (
        demo_accounts,
    )
    from brokerlens.store import open_store

    if user is None:
        users = demo_accounts(open_store(settings_of(ctx)), None, reset=reset)
    else:
        me = acting(ctx, user, customers=False)
        users = demo_accounts(me.db, me.principal, reset=reset)
    table = Table(title="demo users")
    for column in ("username", "role", "password", "who"):
        table.add_column(column)
    for made in users:
        shown = made.password or "(changed; brokerlens user demo --reset --user ADMIN)"
        table.add_row(made.username, made.role.value, shown, made.who)
    console.print(table)
    console.print("sign in: brokerlens serve, then open http://127.0.0.1:8000 and sign in")
