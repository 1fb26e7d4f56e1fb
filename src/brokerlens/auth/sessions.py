"""Sessions: the cookie holds a random token; the store keeps only its sha256."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy import Connection, Engine

from brokerlens.auth._audit import audit
from brokerlens.auth._clock import aware, utc
from brokerlens.auth.principal import Principal
from brokerlens.auth.users import principal_of
from brokerlens.store.schema import sessions, users

# Absolute: a session ends 8 h after sign-in however active it is (a working day).
SESSION_LIFETIME = dt.timedelta(hours=8)


@dataclass(frozen=True)
class SessionInfo:
    principal: Principal
    csrf_token: str
    expires_at: dt.datetime | None = None
    must_change_password: bool = False


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_session(
    connection: Connection,
    user_id: int,
    *,
    now: dt.datetime,
    ip: str | None = None,
    user_agent: str | None = None,
) -> tuple[str, str, dt.datetime]:
    """A new session for the user: (token for the cookie, csrf token, expires_at)."""
    token = secrets.token_urlsafe(32)
    csrf = secrets.token_urlsafe(32)
    expires = now + SESSION_LIFETIME
    connection.execute(
        sa.insert(sessions).values(
            token_hash=token_hash(token),
            user_id=user_id,
            csrf_token=csrf,
            created_at=now,
            expires_at=expires,
            ip=ip[:64] if ip else ip,
            user_agent=user_agent[:300] if user_agent else user_agent,
        )
    )
    # Housekeeping while we hold a write transaction anyway.
    connection.execute(sa.delete(sessions).where(sessions.c.expires_at <= now))
    return token, csrf, expires


def resolve_session(
    db: Engine,
    token: str,
    *,
    ip: str | None = None,
    user_agent: str | None = None,
    now: dt.datetime | None = None,
) -> SessionInfo | None:
    """The session a cookie's token names; None when unknown, expired or the user disabled."""
    if not token or len(token) > 200:
        return None
    at = utc(now)
    with db.connect() as connection:
        row = connection.execute(
            sa.select(users, sessions.c.csrf_token, sessions.c.expires_at)
            .join(sessions, sessions.c.user_id == users.c.user_id)
            .where(sessions.c.token_hash == token_hash(token))
        ).first()
    if row is None:
        return None
    expires = aware(row.expires_at)
    if expires <= at or not row.active:
        return None
    return SessionInfo(
        principal=principal_of(row._mapping, ip=ip, user_agent=user_agent),
        csrf_token=row.csrf_token,
        expires_at=expires,
        must_change_password=bool(row.must_change_password),
    )


def logout(
    db: Engine,
    token: str,
    *,
    ip: str | None = None,
    user_agent: str | None = None,
    now: dt.datetime | None = None,
) -> None:
    """End the session (nothing happens for an unknown token); audited as `logout`."""
    if not token:
        return
    with db.begin() as connection:
        row = connection.execute(
            sa.select(users.c.user_id, users.c.username, users.c.role)
            .join(sessions, sessions.c.user_id == users.c.user_id)
            .where(sessions.c.token_hash == token_hash(token))
        ).first()
        if row is None:
            return
        connection.execute(sa.delete(sessions).where(sessions.c.token_hash == token_hash(token)))
        audit(
            connection,
            "logout",
            at=utc(now),
            username=row.username,
            user_id=row.user_id,
            role=row.role,
            ip=ip,
            user_agent=user_agent,
        )


def end_other_sessions(db: Engine, user_id: int, keep_token: str) -> int:
    """End every session of the user except the one `keep_token` names; how many ended.

    After a password change: whoever else held a session (perhaps with the old password)
    is signed out, while the user who changed it stays signed in."""
    with db.begin() as connection:
        result = connection.execute(
            sa.delete(sessions).where(
                sessions.c.user_id == user_id,
                sessions.c.token_hash != token_hash(keep_token),
            )
        )
    return int(result.rowcount)
