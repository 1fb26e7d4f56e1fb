"""User accounts: add, disable, enable, reset and change passwords, list; principals of users."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Connection, Engine
from sqlalchemy.exc import IntegrityError

from brokerlens.auth._clock import aware, utc
from brokerlens.auth.passwords import generate_password, hash_password, verify_password
from brokerlens.auth.policy import check_password_policy
from brokerlens.auth.principal import (
    ROLE_NAMES_ZH,
    STAFF_ROLES,
    UNIT_ROLES,
    Permission,
    Principal,
    Role,
)
from brokerlens.errors import AuthError, InvalidRequest, NotFound
from brokerlens.store.schema import org_units, sessions, staff, users

USERNAME_RE = re.compile(r"[a-z0-9_.-]{3,64}")
# The unit type a unit-anchored role must manage.
UNIT_TYPE_OF = {Role.BRANCH_MANAGER: "branch", Role.REGION_MANAGER: "region"}


@dataclass(frozen=True)
class UserRecord:
    """A user as listed: everything but the password hash."""

    user_id: int
    username: str
    display_name: str
    role: Role
    staff_id: str | None
    unit_id: str | None
    permissions: frozenset[Permission]
    active: bool
    must_change_password: bool
    locked_until: dt.datetime | None
    created_at: dt.datetime
    password_changed_at: dt.datetime | None
    language: str

    def locked(self, now: dt.datetime | None = None) -> bool:
        return self.locked_until is not None and self.locked_until > utc(now)


def normalize_username(username: str) -> str:
    # Usernames are case-insensitive: stored and looked up in lower case.
    return username.strip().lower()


def check_username(username: str) -> str:
    name = normalize_username(username)
    if not USERNAME_RE.fullmatch(name):
        raise InvalidRequest(
            f"username {username!r} is not allowed / 用户名不合规",
            hint="use 3-64 characters: letters, digits, '_', '.' or '-'",
        )
    return name


def parse_role(role: Role | str) -> Role:
    try:
        return Role(role)
    except ValueError:
        raise InvalidRequest(
            f"role {role!r} is unknown / 角色不存在",
            hint="use one of: " + ", ".join(r.value for r in Role),
        ) from None


def parse_permissions(permissions: Iterable[Permission | str]) -> frozenset[Permission]:
    out = set()
    for permission in permissions:
        try:
            out.add(Permission(permission))
        except ValueError:
            raise InvalidRequest(
                f"permission {permission!r} is unknown",
                hint="use any of: " + ", ".join(p.value for p in Permission),
            ) from None
    return frozenset(out)


def _permissions_of(value: Any) -> frozenset[Permission]:
    known = {p.value for p in Permission}
    return frozenset(Permission(p) for p in (value or []) if p in known)


def record_of(row: Mapping[Any, Any]) -> UserRecord:
    return UserRecord(
        user_id=row["user_id"],
        username=row["username"],
        display_name=row["display_name"],
        role=Role(row["role"]),
        staff_id=row["staff_id"],
        unit_id=row["unit_id"],
        permissions=_permissions_of(row["permissions"]),
        active=bool(row["active"]),
        must_change_password=bool(row["must_change_password"]),
        locked_until=aware(row["locked_until"]) if row["locked_until"] else None,
        created_at=aware(row["created_at"]),
        password_changed_at=(
            aware(row["password_changed_at"]) if row["password_changed_at"] else None
        ),
        language=row["language"] or "zh",
    )


def principal_of(
    user: UserRecord | Mapping[Any, Any],
    *,
    ip: str | None = None,
    user_agent: str | None = None,
) -> Principal:
    """The principal a user row (or record) signs in as."""
    record = user if isinstance(user, UserRecord) else record_of(user)
    return Principal(
        user_id=record.user_id,
        username=record.username,
        display_name=record.display_name,
        role=record.role,
        staff_id=record.staff_id,
        unit_id=record.unit_id,
        extra_permissions=record.permissions,
        ip=ip,
        user_agent=user_agent,
        language=record.language,
    )


def _has_rows(connection: Connection, table: sa.Table) -> bool:
    return (
        connection.execute(sa.select(sa.literal(1)).select_from(table).limit(1)).first() is not None
    )


def check_anchor(
    connection: Connection, role: Role, staff_id: str | None, unit_id: str | None
) -> None:
    """A role's place in the org: staff roles need a staff_id, unit roles a unit_id, others
    neither. Checked against the published org when one is published."""
    zh = ROLE_NAMES_ZH[role]
    if role in STAFF_ROLES:
        if not staff_id:
            raise InvalidRequest(
                f"role {role.value} ({zh}) needs a staff_id", hint="pass --staff-id S000123"
            )
        if unit_id:
            raise InvalidRequest(
                f"role {role.value} takes no unit_id: the unit comes from the staff record",
                hint="drop --unit-id",
            )
        if _has_rows(connection, staff):
            found = connection.execute(
                sa.select(staff.c.position).where(staff.c.staff_id == staff_id)
            ).first()
            if found is None:
                raise InvalidRequest(
                    f"staff_id {staff_id!r} is not in the published staff list",
                    hint="check the id; the list is what `brokerlens run` last published",
                )
    elif role in UNIT_ROLES:
        if not unit_id:
            raise InvalidRequest(
                f"role {role.value} ({zh}) needs a unit_id (the {UNIT_TYPE_OF[role]} managed)",
                hint="pass --unit-id U00012",
            )
        if staff_id:
            raise InvalidRequest(f"role {role.value} takes no staff_id", hint="drop --staff-id")
        if _has_rows(connection, org_units):
            unit_type = connection.execute(
                sa.select(org_units.c.unit_type).where(org_units.c.unit_id == unit_id)
            ).scalar()
            if unit_type is None:
                raise InvalidRequest(
                    f"unit_id {unit_id!r} is not in the published organisation",
                    hint="check the id; the units are what `brokerlens run` last published",
                )
            if unit_type != UNIT_TYPE_OF[role]:
                raise InvalidRequest(
                    f"unit_id {unit_id!r} is a {unit_type}; role {role.value} manages a "
                    f"{UNIT_TYPE_OF[role]}",
                    hint=f"pass the id of a {UNIT_TYPE_OF[role]}",
                )
    elif staff_id or unit_id:
        raise InvalidRequest(
            f"role {role.value} ({zh}) is not tied to a staff member or unit",
            hint="drop --staff-id and --unit-id",
        )


def add_user(
    db: Engine,
    *,
    username: str,
    display_name: str,
    role: Role | str,
    password: str,
    staff_id: str | None = None,
    unit_id: str | None = None,
    permissions: Iterable[Permission | str] = (),
    must_change_password: bool = False,
    now: dt.datetime | None = None,
) -> int:
    """Create an active user; returns its user_id."""
    name = check_username(username)
    the_role = parse_role(role)
    extra = parse_permissions(permissions)
    display = display_name.strip()
    if not display or len(display) > 200:
        raise InvalidRequest("display_name must be 1-200 characters", hint="pass --name")
    check_password_policy(password, name)
    password_hash = hash_password(password)
    at = utc(now)
    with db.begin() as connection:
        check_anchor(connection, the_role, staff_id or None, unit_id or None)
        if _find(connection, name) is not None:
            raise InvalidRequest(f"username {name!r} is taken", hint="choose another username")
        try:
            result = connection.execute(
                sa.insert(users).values(
                    username=name,
                    display_name=display,
                    role=the_role.value,
                    staff_id=staff_id or None,
                    unit_id=unit_id or None,
                    permissions=sorted(p.value for p in extra),
                    password_hash=password_hash,
                    active=True,
                    failed_logins=0,
                    must_change_password=must_change_password,
                    password_changed_at=at,
                    created_at=at,
                    language="zh",
                )
            )
        except IntegrityError:  # a concurrent add of the same name
            raise InvalidRequest(
                f"username {name!r} is taken", hint="choose another username"
            ) from None
        key = result.inserted_primary_key
        assert key is not None
        return int(key[0])


def _find(connection: Connection, username: str) -> Mapping[Any, Any] | None:
    row = connection.execute(
        sa.select(users).where(users.c.username == normalize_username(username))
    ).first()
    return row._mapping if row is not None else None


def _require(connection: Connection, username: str) -> Mapping[Any, Any]:
    row = _find(connection, username)
    if row is None:
        raise NotFound(f"no user {username!r}", hint="see `brokerlens user list --user ADMIN`")
    return row


def end_sessions(connection: Connection, user_id: int) -> int:
    return connection.execute(sa.delete(sessions).where(sessions.c.user_id == user_id)).rowcount


def get_user(db: Engine, username: str) -> UserRecord:
    with db.connect() as connection:
        return record_of(_require(connection, username))


def disable_user(db: Engine, username: str) -> None:
    """The user can no longer sign in; their open sessions end now."""
    with db.begin() as connection:
        row = _require(connection, username)
        connection.execute(
            sa.update(users).where(users.c.user_id == row["user_id"]).values(active=False)
        )
        end_sessions(connection, row["user_id"])


def enable_user(db: Engine, username: str, *, now: dt.datetime | None = None) -> None:
    """Active again, and any lockout lifted."""
    with db.begin() as connection:
        row = _require(connection, username)
        # locked_until = now (not NULL) marks when failures start counting afresh.
        connection.execute(
            sa.update(users)
            .where(users.c.user_id == row["user_id"])
            .values(active=True, failed_logins=0, locked_until=utc(now))
        )


def reset_password(
    db: Engine,
    username: str,
    new_password: str | None = None,
    *,
    temporary: bool = True,
    now: dt.datetime | None = None,
) -> str:
    """Set a new password (a generated one when none is given) and return it. The user's
    sessions end and any lockout is lifted; a temporary password must be changed at sign-in."""
    at = utc(now)
    with db.begin() as connection:
        row = _require(connection, username)
        password = new_password if new_password is not None else generate_password()
        check_password_policy(password, row["username"])
        connection.execute(
            sa.update(users)
            .where(users.c.user_id == row["user_id"])
            .values(
                password_hash=hash_password(password),
                must_change_password=temporary,
                password_changed_at=at,
                failed_logins=0,
                locked_until=None,
            )
        )
        end_sessions(connection, row["user_id"])
    return password


def change_password(
    db: Engine, user_id: int, old: str, new: str, *, now: dt.datetime | None = None
) -> None:
    """The user's own change: the old password must match; the new one meets the policy."""
    with db.connect() as connection:
        row = connection.execute(sa.select(users).where(users.c.user_id == user_id)).first()
    if row is None or not row.active:
        raise NotFound(f"no active user {user_id}")
    if not verify_password(row.password_hash, old):
        raise AuthError("当前密码错误 / the current password is wrong")
    if new == old:
        raise InvalidRequest(
            "新密码不能与当前密码相同 / password: the new password must differ from the current one"
        )
    check_password_policy(new, row.username)
    with db.begin() as connection:
        connection.execute(
            sa.update(users)
            .where(users.c.user_id == user_id)
            .values(
                password_hash=hash_password(new),
                must_change_password=False,
                password_changed_at=utc(now),
            )
        )


def list_users(db: Engine) -> list[UserRecord]:
    with db.connect() as connection:
        rows = connection.execute(sa.select(users).order_by(users.c.username)).all()
    return [record_of(row._mapping) for row in rows]
