"""Sign-in on SQLite and PostgreSQL, the clock moved by hand: generic failures, lockout,
the per-address rate limit, disabled users, session expiry, audit rows."""

from __future__ import annotations

import datetime as dt
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import sqlalchemy as sa
from sqlalchemy import Engine

from brokerlens.auth import add_user, disable_user, login, logout, resolve_session
from brokerlens.auth.login import MAX_FAILURES
from brokerlens.auth.principal import Role
from brokerlens.auth.sessions import token_hash
from brokerlens.config import Settings
from brokerlens.errors import AuthError
from brokerlens.store import open_store
from brokerlens.store.schema import audit_log, login_attempts, sessions, users

PW = "Correct-horse-9"
T0 = dt.datetime(2025, 3, 3, 1, 0, tzinfo=dt.UTC)  # 09:00 Beijing time
IP = "10.1.2.3"


@pytest.fixture
def db(store_settings: Settings) -> Engine:
    db = open_store(store_settings)
    add_user(
        db,
        username="bob",
        display_name="Bob",
        role=Role.BROKER,
        password=PW,
        staff_id="S000001",
        now=T0 - dt.timedelta(days=1),
    )
    return db


def _actions(db: Engine) -> list[str]:
    with db.connect() as connection:
        return list(
            connection.execute(
                sa.select(audit_log.c.action).order_by(audit_log.c.audit_id)
            ).scalars()
        )


def _attempts(db: Engine) -> list[tuple[str, bool]]:
    with db.connect() as connection:
        rows = connection.execute(
            sa.select(login_attempts.c.username, login_attempts.c.success).order_by(
                login_attempts.c.attempt_id
            )
        )
        return [(r.username, r.success) for r in rows]


def test_login_returns_a_session_stored_only_as_a_hash(db: Engine) -> None:
    ticket = login(db, "Bob", PW, ip=IP, user_agent="pytest", now=T0)
    assert ticket.principal.username == "bob" and ticket.principal.role is Role.BROKER
    assert ticket.principal.staff_id == "S000001" and ticket.principal.ip == IP
    assert len(ticket.token) >= 43 and ticket.csrf_token
    with db.connect() as connection:
        stored = connection.execute(sa.select(sessions.c.token_hash)).scalar_one()
    assert stored == token_hash(ticket.token) and ticket.token not in stored
    info = resolve_session(db, ticket.token, ip=IP, user_agent="pytest", now=T0)
    assert info is not None and info.csrf_token == ticket.csrf_token
    assert info.principal.user_id == ticket.principal.user_id
    assert resolve_session(db, "made-up-token", now=T0) is None
    assert _attempts(db) == [("bob", True)]
    assert _actions(db) == ["login"]
    logout(db, ticket.token, now=T0)
    assert resolve_session(db, ticket.token, now=T0) is None
    assert _actions(db) == ["login", "logout"]


def test_unknown_user_and_wrong_password_fail_alike(db: Engine) -> None:
    with pytest.raises(AuthError) as wrong:
        login(db, "bob", "Wrong-horse-9", ip=IP, user_agent="t", now=T0)
    with pytest.raises(AuthError) as unknown:
        login(db, "nobody", PW, ip=IP, user_agent="t", now=T0)
    assert str(wrong.value) == str(unknown.value)
    assert "wrong username or password" in str(wrong.value)
    assert _attempts(db) == [("bob", False), ("nobody", False)]
    assert _actions(db) == ["login_failed", "login_failed"]


def test_five_failures_lock_for_fifteen_minutes(db: Engine) -> None:
    for minute in range(4):
        with pytest.raises(AuthError, match="wrong username or password"):
            login(db, "bob", "Wrong-horse-9", ip=IP, now=T0 + dt.timedelta(minutes=minute))
    fifth = T0 + dt.timedelta(minutes=4)
    with pytest.raises(AuthError, match="locked until 2025-03-03 09:19 Beijing time"):
        login(db, "bob", "Wrong-horse-9", ip=IP, now=fifth)
    assert _actions(db)[-2:] == ["login_failed", "locked_out"]
    # The right password does not help while locked.
    with pytest.raises(AuthError, match="locked until 2025-03-03 09:19"):
        login(db, "bob", PW, ip=IP, now=fifth + dt.timedelta(minutes=14))
    with db.connect() as connection:
        assert connection.execute(sa.select(users.c.locked_until)).scalar() is not None
    ticket = login(db, "bob", PW, ip=IP, now=fifth + dt.timedelta(minutes=15, seconds=1))
    assert ticket.token
    # Failures during the lock do not count afterwards: one more wrong try is not a lock.
    with pytest.raises(AuthError, match="wrong username or password"):
        login(db, "bob", "Wrong-horse-9", ip=IP, now=fifth + dt.timedelta(minutes=16))


def test_failures_spread_over_more_than_fifteen_minutes_do_not_lock(db: Engine) -> None:
    for i in range(8):
        with pytest.raises(AuthError, match="wrong username or password"):
            login(db, "bob", "Wrong-horse-9", ip=IP, now=T0 + dt.timedelta(minutes=4 * i))


def test_a_success_starts_the_count_again(db: Engine) -> None:
    for i in range(4):
        with pytest.raises(AuthError, match="wrong"):
            login(db, "bob", "Wrong-horse-9", ip=IP, now=T0 + dt.timedelta(seconds=i))
    login(db, "bob", PW, ip=IP, now=T0 + dt.timedelta(seconds=5))
    with pytest.raises(AuthError, match="wrong username or password"):
        login(db, "bob", "Wrong-horse-9", ip=IP, now=T0 + dt.timedelta(seconds=6))


def test_unknown_usernames_lock_alike(db: Engine) -> None:
    for i in range(4):
        with pytest.raises(AuthError, match="wrong username or password"):
            login(db, "ghost", PW, ip=IP, now=T0 + dt.timedelta(seconds=i))
    with pytest.raises(AuthError, match="locked until 2025-03-03 09:15"):
        login(db, "ghost", PW, ip=IP, now=T0 + dt.timedelta(seconds=5))


def test_more_than_twenty_failures_from_one_address_are_refused(db: Engine) -> None:
    for i in range(20):  # different usernames: no lockout is involved
        with pytest.raises(AuthError, match="wrong username or password"):
            login(db, f"user{i}", PW, ip=IP, now=T0 + dt.timedelta(seconds=i))
    later = T0 + dt.timedelta(seconds=30)
    with pytest.raises(AuthError, match="from this address: try again after 2025-03-03 09:05"):
        login(db, "bob", PW, ip=IP, now=later)
    # Other addresses are unaffected; this one is let in once the window has passed.
    assert login(db, "bob", PW, ip="10.9.9.9", now=later).token
    assert login(db, "bob", PW, ip=IP, now=later + dt.timedelta(minutes=5)).token


def test_disabled_user_cannot_sign_in(db: Engine) -> None:
    disable_user(db, "bob")
    with pytest.raises(AuthError, match="disabled"):
        login(db, "bob", PW, ip=IP, now=T0)
    with pytest.raises(AuthError, match="wrong username or password"):
        login(db, "bob", "Wrong-horse-9", ip=IP, now=T0)
    assert _attempts(db) == [("bob", False), ("bob", False)]


def test_sessions_end_after_eight_hours(db: Engine) -> None:
    ticket = login(db, "bob", PW, ip=IP, now=T0)
    almost = T0 + dt.timedelta(hours=7, minutes=59)
    assert resolve_session(db, ticket.token, now=almost) is not None
    assert resolve_session(db, ticket.token, now=T0 + dt.timedelta(hours=8)) is None


def test_disabling_a_user_ends_their_sessions(db: Engine) -> None:
    ticket = login(db, "bob", PW, ip=IP, now=T0)
    disable_user(db, "bob")
    assert resolve_session(db, ticket.token, now=T0) is None


@pytest.mark.parametrize("username", ["bob", "ghost"])
def test_a_burst_of_concurrent_wrong_passwords_locks_after_the_fifth(
    db: Engine, username: str
) -> None:
    """Twelve wrong passwords sent at once: each is counted before it is checked, so four are
    told 'wrong', the fifth locks, and the rest are refused as locked (on both stores)."""
    burst = 12
    barrier = threading.Barrier(burst)

    def attempt(i: int) -> str:
        barrier.wait()
        try:
            login(db, username, f"Wrong-horse-{i}", ip=f"10.0.0.{i}", now=T0)
        except AuthError as exc:
            return str(exc)
        return "signed in"

    with ThreadPoolExecutor(max_workers=burst) as pool:
        outcomes = list(pool.map(attempt, range(burst)))
    generic = [o for o in outcomes if "wrong username or password" in o]
    locked = [o for o in outcomes if "locked until 2025-03-03 09:15" in o]
    assert len(generic) == MAX_FAILURES - 1, outcomes
    assert len(locked) == burst - len(generic), outcomes
    assert _attempts(db) == [(username, False)] * burst
    if username == "bob":
        with db.connect() as connection:
            assert connection.execute(sa.select(users.c.locked_until)).scalar() is not None
        with pytest.raises(AuthError, match="locked until"):
            login(db, "bob", PW, ip=IP, now=T0 + dt.timedelta(minutes=1))
