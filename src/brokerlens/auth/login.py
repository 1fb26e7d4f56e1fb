"""Sign-in: every attempt recorded, one message for any wrong username or password, lockout
per username, a rate limit per address, audit rows for sign-ins, failures and lockouts."""

from __future__ import annotations

import datetime as dt
import hashlib
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
) -> int:
    result = connection.execute(
        sa.insert(login_attempts)
        .values(username=username[:64], ip=ip[:64] if ip else ip, at=at, success=success)
        .returning(login_attempts.c.attempt_id)
    )
    return int(result.scalar_one())


def _advisory_key(kind: str, value: str) -> int:
    """A signed 64-bit key for pg_advisory_xact_lock, stable across processes."""
    digest = hashlib.sha256(f"brokerlens.login:{kind}:{value}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def _serialise(connection: Connection, username: str, ip: str | None) -> None:
    """Hold, until this transaction ends, the one lock every sign-in of `username` (and every
    one from `ip`) takes before it counts failures and records itself. Concurrent attempts are
    so counted one after another: the sixth of a burst sees the five before it.

    PostgreSQL: transaction advisory locks on the username and the address, taken in one order
    (so two attempts never wait on each other in a cycle). Not a row lock on `users`: an
    unknown username has no row, and must lock alike. SQLite: BEGIN IMMEDIATE, the database's
    write lock (busy_timeout makes the others wait for it), taken before the first read."""
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql("BEGIN IMMEDIATE")
        return
    keys = sorted({_advisory_key("user", username), *([_advisory_key("ip", ip)] if ip else [])})
    for key in keys:
        connection.execute(sa.select(sa.func.pg_advisory_xact_lock(key)))


def login(
    db: Engine,
    username: str,
    password: str,
    *,
    ip: str | None = None,
    user_agent: str | None = None,
    now: dt.datetime | None = None,
) -> Ticket:
    """Sign in; raises AuthError (one message for an unknown user and a wrong password).

    Every attempt is counted before its password is checked: under a lock (`_serialise`) the
    attempt reads the failures so far, is refused when the address or the username is already
    over its limit, and otherwise records itself as a failure, which a right password later
    turns into a success. So a burst of concurrent wrong passwords locks after the fifth."""
    at = utc(now)
    name = normalize_username(username)[:64]
    ip = ip[:64] if ip else ip
    seen: dict[str, Any] = {"ip": ip, "user_agent": user_agent}
    refused: AuthError | None = None
    reason = ""

    def write_failure(
        connection: Connection,
        reason: str,
        *,
        failures: int | None = None,
        lock_until: dt.datetime | None = None,
    ) -> None:
        user_id = user["user_id"] if user is not None else None
        role = user["role"] if user is not None else None
        if user is not None and failures is not None:
            values: dict[str, Any] = {"failed_logins": failures}
            if lock_until is not None:
                values["locked_until"] = lock_until
            connection.execute(sa.update(users).where(users.c.user_id == user_id).values(**values))
        who = {"username": name, "user_id": user_id, "role": role, **seen}
        audit(connection, "login_failed", at=at, detail={"reason": reason}, **who)
        if lock_until is not None:
            detail = {"until": lock_until.isoformat(), "failures": MAX_FAILURES}
            audit(connection, "locked_out", at=at, detail=detail, **who)

    with db.connect() as connection, connection.begin():
        _serialise(connection, name, ip)
        ip_failures = (
            _failure_times(connection, login_attempts.c.ip, ip, at - IP_WINDOW) if ip else []
        )
        found = connection.execute(sa.select(users).where(users.c.username == name)).first()
        user = found._mapping if found is not None else None
        since = _counting_since(connection, name, user, at)
        user_failures = _failure_times(connection, login_attempts.c.username, name, since)
        locked_until = (
            aware(user["locked_until"])
            if user is not None and user["locked_until"] is not None
            else None
        )
        # The address limit comes first: it holds whatever username is tried.
        if len(ip_failures) >= MAX_IP_FAILURES:
            until = ip_failures[-MAX_IP_FAILURES] + IP_WINDOW
            refused, reason = _rate_limited_error(until), "rate_limited"
        elif locked_until is not None and locked_until > at:
            refused, reason = _locked_error(locked_until), "locked"
        elif len(user_failures) >= MAX_FAILURES:
            # Attempts counted while the one that locks was still being checked.
            until = user_failures[MAX_FAILURES - 1] + LOCK_DURATION
            refused, reason = _locked_error(until), "locked"
        attempt_id = _record(connection, name, ip, at, success=False)
        if refused is not None:
            write_failure(connection, reason)
    if refused is not None:
        raise refused
    failures = len(user_failures) + 1  # this attempt's place in the count

    if user is None:
        # Unknown usernames lock alike, so a lockout does not tell which usernames exist.
        burn_verification(password)
        with db.begin() as connection:
            if failures == MAX_FAILURES:
                until = at + LOCK_DURATION
                write_failure(connection, "unknown_user", lock_until=until)
                refused = _locked_error(until)
            else:
                write_failure(connection, "unknown_user")
                refused = AuthError(GENERIC_FAILURE)
        raise refused

    if not verify_password(user["password_hash"], password):
        with db.begin() as connection:
            if failures >= MAX_FAILURES:
                until = at + LOCK_DURATION
                write_failure(connection, "wrong_password", failures=failures, lock_until=until)
                refused = _locked_error(until)
            else:
                write_failure(connection, "wrong_password", failures=failures)
                refused = AuthError(GENERIC_FAILURE)
        raise refused

    if not user["active"]:
        # Said plainly only to someone who knows the password.
        with db.begin() as connection:
            write_failure(connection, "disabled")
        raise AuthError(
            "账户已停用 / this account is disabled",
            hint="ask an administrator to enable it",
        )

    with db.begin() as connection:
        connection.execute(
            sa.update(login_attempts)
            .where(login_attempts.c.attempt_id == attempt_id)
            .values(success=True)
        )
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
