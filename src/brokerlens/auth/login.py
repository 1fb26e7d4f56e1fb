"""Sign-in: every attempt recorded, one message for any wrong username or password, lockout
per username, a rate limit per address, audit rows for sign-ins, failures and lockouts."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Connection, Engine

from brokerlens.auth._audit import audit
from brokerlens.auth._clock import aware, beijing_time, utc
from brokerlens.auth.passwords import (
    burn_verification,
    hash_password,
    needs_rehash,
    verify_password,
)
from brokerlens.auth.principal import Principal
from brokerlens.auth.sessions import create_session
from brokerlens.auth.users import normalize_username, principal_of
from brokerlens.errors import AuthError
from brokerlens.store.schema import login_attempts, users

MAX_FAILURES = 5  # per username within LOCK_WINDOW ...
LOCK_WINDOW = dt.timedelta(minutes=15)
LOCK_DURATION = dt.timedelta(minutes=15)  # ... locks it this long
MAX_IP_FAILURES = 20  # per address within IP_WINDOW; more are refused
IP_WINDOW = dt.timedelta(minutes=5)

GENERIC_FAILURE = "用户名或密码错误 / wrong username or password"


@dataclass(frozen=True)
class Ticket:
    """A new session: `token` goes in the HttpOnly cookie, `csrf_token` to the page."""

    token: str
    csrf_token: str
    principal: Principal
    expires_at: dt.datetime | None = None
    must_change_password: bool = False


def _locked_error(until: dt.datetime) -> AuthError:
    when = beijing_time(until)
    return AuthError(
        f"登录失败次数过多，账户已锁定至 {when}（北京时间）/ too many failed sign-ins: "
        f"the account is locked until {when} Beijing time",
        hint="wait until then, or ask an administrator to reset the password",
    )


def _rate_limited_error(until: dt.datetime) -> AuthError:
    when = beijing_time(until)
    return AuthError(
        f"该地址登录失败次数过多，请于 {when}（北京时间）后再试 / too many failed sign-ins "
        f"from this address: try again after {when} Beijing time",
    )


def _failure_times(
    connection: Connection, column: sa.Column[Any], value: str, since: dt.datetime
) -> list[dt.datetime]:
    """Failed attempts by username or address after `since`, oldest first."""
    rows = connection.execute(
        sa.select(login_attempts.c.at)
        .where(column == value, login_attempts.c.success.is_(False), login_attempts.c.at > since)
        .order_by(login_attempts.c.at)
    ).scalars()
    return [aware(at) for at in rows]


def _last_success(connection: Connection, username: str) -> dt.datetime | None:
    at = connection.execute(
        sa.select(sa.func.max(login_attempts.c.at)).where(
            login_attempts.c.username == username, login_attempts.c.success.is_(True)
        )
    ).scalar()
    return aware(at) if at is not None else None


def _counting_since(
    connection: Connection, username: str, user: Mapping[Any, Any] | None, now: dt.datetime
) -> dt.datetime:
    """Failures count from the latest of: the window's start, the last success, the end of a
    previous lock (or an administrator's unlock), the last password change."""
    marks = [now - LOCK_WINDOW, _last_success(connection, username)]
    if user is not None:
        marks += [user["locked_until"], user["password_changed_at"]]
    return max(aware(m) for m in marks if m is not None)


def _record(
    connection: Connection, username: str, ip: str | None, at: dt.datetime, success: bool
) -> None:
    connection.execute(
        sa.insert(login_attempts).values(
            username=username[:64], ip=ip[:64] if ip else ip, at=at, success=success
        )
    )


def login(
    engine: Engine,
    username: str,
    password: str,
    *,
    ip: str | None = None,
    user_agent: str | None = None,
    now: dt.datetime | None = None,
) -> Ticket:
    """Sign in; raises AuthError (one message for an unknown user and a wrong password)."""
    at = utc(now)
    name = normalize_username(username)[:64]
    seen: dict[str, Any] = {"ip": ip, "user_agent": user_agent}

    with engine.connect() as connection:
        ip_failures = (
            _failure_times(connection, login_attempts.c.ip, ip[:64], at - IP_WINDOW) if ip else []
        )
        found = connection.execute(sa.select(users).where(users.c.username == name)).first()
        user = found._mapping if found is not None else None
        since = _counting_since(connection, name, user, at)
        user_failures = _failure_times(connection, login_attempts.c.username, name, since)

    def fail(reason: str, error: AuthError, *, lock_until: dt.datetime | None = None) -> AuthError:
        with engine.begin() as connection:
            _record(connection, name, ip, at, success=False)
            user_id = user["user_id"] if user is not None else None
            role = user["role"] if user is not None else None
            if user is not None and reason == "wrong_password":
                values: dict[str, Any] = {"failed_logins": len(user_failures) + 1}
                if lock_until is not None:
                    values["locked_until"] = lock_until
                connection.execute(
                    sa.update(users).where(users.c.user_id == user_id).values(**values)
                )
            who = {"username": name, "user_id": user_id, "role": role, **seen}
            audit(connection, "login_failed", at=at, detail={"reason": reason}, **who)
            if lock_until is not None:
                detail = {"until": lock_until.isoformat(), "failures": MAX_FAILURES}
                audit(connection, "locked_out", at=at, detail=detail, **who)
        return error

    # The address limit comes first: it holds whatever username is tried.
    if len(ip_failures) >= MAX_IP_FAILURES:
        until = ip_failures[-MAX_IP_FAILURES] + IP_WINDOW
        raise fail("rate_limited", _rate_limited_error(until))

    if user is not None and user["locked_until"] is not None:
        locked_until = aware(user["locked_until"])
        if locked_until > at:
            raise fail("locked", _locked_error(locked_until))

    if user is None:
        # Unknown usernames lock alike, so a lockout does not tell which usernames exist.
        burn_verification(password)
        failures = [*user_failures, at]
        if len(failures) > MAX_FAILURES:
            until = failures[MAX_FAILURES - 1] + LOCK_DURATION
            raise fail("locked", _locked_error(until))
        if len(failures) == MAX_FAILURES:
            until = at + LOCK_DURATION
            raise fail("unknown_user", _locked_error(until), lock_until=until)
        raise fail("unknown_user", AuthError(GENERIC_FAILURE))

    if not verify_password(user["password_hash"], password):
        if len(user_failures) + 1 >= MAX_FAILURES:
            until = at + LOCK_DURATION
            raise fail("wrong_password", _locked_error(until), lock_until=until)
        raise fail("wrong_password", AuthError(GENERIC_FAILURE))

    if not user["active"]:
        # Said plainly only to someone who knows the password.
        raise fail(
            "disabled",
            AuthError(
                "账户已停用 / this account is disabled",
                hint="ask an administrator to enable it",
            ),
        )

    with engine.begin() as connection:
        _record(connection, name, ip, at, success=True)
        values: dict[str, Any] = {"failed_logins": 0}
        if needs_rehash(user["password_hash"]):
            values["password_hash"] = hash_password(password)
        connection.execute(
            sa.update(users).where(users.c.user_id == user["user_id"]).values(**values)
        )
        token, csrf, expires = create_session(
            connection, user["user_id"], now=at, ip=ip, user_agent=user_agent
        )
        audit(
            connection,
            "login",
            at=at,
            username=name,
            user_id=user["user_id"],
            role=user["role"],
            **seen,
        )
    return Ticket(
        token=token,
        csrf_token=csrf,
        principal=principal_of(user, ip=ip, user_agent=user_agent),
        expires_at=expires,
        must_change_password=bool(user["must_change_password"]),
    )
