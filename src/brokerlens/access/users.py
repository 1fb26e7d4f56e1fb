"""Accounts as a service: the named user a command-line call acts as, and the administrator's
changes to users, each checked (Permission.MANAGE_USERS) and audited.

The web and the CLI both call these, so creating, disabling, enabling or resetting an account
leaves the same audit row whichever front end did it. The row names the account changed in its
detail, never a password; customer_ids stay empty (an account is not customer data).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import sqlalchemy as sa

from brokerlens.access.audit import record_audit
from brokerlens.access.handovers import refuse_if_book_left
from brokerlens.auth.demo import DemoUser, create_demo_users, demo_username
from brokerlens.auth.principal import Permission, Principal, Role
from brokerlens.auth.users import (
    UserRecord,
    add_user,
    disable_user,
    enable_user,
    get_user,
    list_users,
    principal_of,
    reset_password,
)
from brokerlens.errors import Forbidden, NotFound
from brokerlens.store.schema import users

CLI_AGENT = "brokerlens-cli"  # the user agent of audit rows written from the command line


@dataclass(frozen=True)
class PasswordReset:
    """A reset's answer: the temporary password, shown once (None when the caller chose one)."""

    username: str
    temporary_password: str | None


def acting_principal(db: sa.Engine, username: str) -> Principal:
    """The principal a command-line call acts as: an existing, active user whose password is
    their own (as the web requires of a session); refused with a message otherwise."""
    try:
        record = get_user(db, username)
    except NotFound:
        raise Forbidden(
            f"--user: no user {username!r}",
            hint="name an existing user (brokerlens user list --user ADMIN)",
        ) from None
    if not record.active:
        raise Forbidden(
            f"--user {record.username!r} is disabled",
            hint="an administrator enables it: brokerlens user enable NAME --user ADMIN",
        )
    if record.locked():
        raise Forbidden(
            f"--user {record.username!r} is locked out after failed sign-ins",
            hint="an administrator lifts it: brokerlens user enable NAME --user ADMIN",
        )
    if record.must_change_password:
        raise Forbidden(
            f"--user {record.username!r} must change the password first (reset or temporary)",
            hint="sign in to the workbench once and change it",
        )
    return principal_of(record, user_agent=CLI_AGENT)


def _managing(principal: Principal) -> None:
    if not principal.can(Permission.MANAGE_USERS):
        raise Forbidden(
            "managing users needs the manage_users permission (the administrator)",
            hint="ask an administrator",
        )


def _audit(db: sa.Engine, principal: Principal, action: str, detail: dict[str, object]) -> None:
    with db.begin() as connection:
        record_audit(connection, principal, action, [], detail)


def _described(record: UserRecord) -> dict[str, object]:
    return {
        "username": record.username,
        "role": record.role.value,
        "staff_id": record.staff_id,
        "unit_id": record.unit_id,
        "permissions": sorted(p.value for p in record.permissions),
    }


def users_of(db: sa.Engine, principal: Principal) -> list[UserRecord]:
    """Every account (never a password hash), for the administrator."""
    _managing(principal)
    return list_users(db)


def create_user(
    db: sa.Engine,
    principal: Principal,
    *,
    username: str,
    display_name: str,
    role: Role | str,
    password: str,
    staff_id: str | None = None,
    unit_id: str | None = None,
    permissions: Iterable[Permission | str] = (),
    must_change_password: bool = False,
) -> UserRecord:
    """Add an account; audited `user_create` with its role, anchor and extra permissions."""
    _managing(principal)
    add_user(
        db,
        username=username,
        display_name=display_name,
        role=role,
        password=password,
        staff_id=staff_id,
        unit_id=unit_id,
        permissions=permissions,
        must_change_password=must_change_password,
    )
    record = get_user(db, username)
    _audit(db, principal, "user_create", _described(record))
    return record


def bootstrap_admin(
    db: sa.Engine, *, username: str, display_name: str, password: str, generated: bool
) -> UserRecord:
    """The first administrator of a store that has none: the one account made without acting
    as anyone. Audited `user_create` as the new administrator, with `bootstrap` in the detail."""
    with db.connect() as connection:
        admins = connection.execute(
            sa.select(sa.func.count()).select_from(users).where(users.c.role == Role.ADMIN.value)
        ).scalar_one()
    if admins:
        raise Forbidden(
            "an administrator exists: adding a user needs --user ADMIN",
            hint="act as an administrator: brokerlens user add NAME --role ROLE --user ADMIN",
        )
    add_user(
        db,
        username=username,
        display_name=display_name,
        role=Role.ADMIN,
        password=password,
        must_change_password=generated,
    )
    record = get_user(db, username)
    itself = dataclasses.replace(principal_of(record), user_agent=CLI_AGENT)
    _audit(db, itself, "user_create", {**_described(record), "bootstrap": True})
    return record


def disable_account(db: sa.Engine, principal: Principal, username: str) -> UserRecord:
    """The user can no longer sign in and their sessions end; audited `user_disable`. A staff
    member's account only once their book is handed over (Conflict naming what is left)."""
    _managing(principal)
    record = get_user(db, username)
    with db.connect() as connection:
        refuse_if_book_left(connection, record.username, record.staff_id)
    return _switched(db, principal, username, disable_user, "user_disable")


def enable_account(db: sa.Engine, principal: Principal, username: str) -> UserRecord:
    """Active again, any lockout lifted; audited `user_enable`."""
    return _switched(db, principal, username, enable_user, "user_enable")


def _switched(
    db: sa.Engine,
    principal: Principal,
    username: str,
    switch: Callable[[sa.Engine, str], object],
    action: str,
) -> UserRecord:
    _managing(principal)
    switch(db, username)
    record = get_user(db, username)
    _audit(db, principal, action, {"username": record.username})
    return record


def reset_account(
    db: sa.Engine, principal: Principal, username: str, new_password: str | None = None
) -> PasswordReset:
    """A new password (a generated temporary one when none is given; then it is answered once);
    the user's sessions end. Audited `user_reset`, saying whether it was generated, never it."""
    _managing(principal)
    password = reset_password(db, username, new_password or None)
    record = get_user(db, username)
    detail = {"username": record.username, "generated": not new_password}
    _audit(db, principal, "user_reset", detail)
    return PasswordReset(record.username, None if new_password else password)


def _admins(db: sa.Engine) -> int:
    with db.connect() as connection:
        return int(
            connection.execute(
                sa.select(sa.func.count())
                .select_from(users)
                .where(users.c.role == Role.ADMIN.value)
            ).scalar_one()
        )


def demo_accounts(
    db: sa.Engine, principal: Principal | None, *, reset: bool = False
) -> list[DemoUser]:
    """One demo user per role (`auth.create_demo_users`), audited `user_create` for each new
    account and `user_reset` for each one `reset` restores (`demo: true` in the detail).

    Acting as an administrator (`principal`, manage_users), or as nobody only while that changes
    no account of a store with an administrator: on a store without one the demo users are the
    bootstrap, audited as the new demo administrator."""
    if principal is not None:
        _managing(principal)
    names = [demo_username(role) for role in Role]
    with db.connect() as connection:
        before = set(
            connection.execute(sa.select(users.c.username).where(users.c.username.in_(names)))
            .scalars()
            .all()
        )
    changes = reset or bool(set(names) - before)
    if principal is None and changes and _admins(db):
        raise Forbidden(
            "an administrator exists: creating or resetting demo users needs --user ADMIN",
            hint="brokerlens user demo --user ADMIN",
        )
    made = create_demo_users(db, reset=reset)
    if not changes:
        return made
    actor = principal
    if actor is None:
        admin = get_user(db, demo_username(Role.ADMIN))
        actor = dataclasses.replace(principal_of(admin), user_agent=CLI_AGENT)
    for user in made:
        if user.username not in before:
            detail = {**_described(get_user(db, user.username)), "demo": True}
            _audit(db, actor, "user_create", detail)
        elif reset:
            _audit(db, actor, "user_reset", {"username": user.username, "demo": True})
    return made
