"""Accounts on SQLite and PostgreSQL: add, duplicates, roles and anchors, disable, reset."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
from sqlalchemy import Engine

from brokerlens.auth import (
    add_user,
    change_password,
    disable_user,
    enable_user,
    list_users,
    login,
    principal_of,
    reset_password,
    resolve_session,
)
from brokerlens.auth.principal import Permission, Role
from brokerlens.config import Settings
from brokerlens.errors import AuthError, InvalidRequest, NotFound
from brokerlens.store import open_store
from brokerlens.store.schema import org_units, staff

PW = "Correct-horse-9"
T0 = dt.datetime(2025, 3, 3, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def engine(store_settings: Settings) -> Engine:
    return open_store(store_settings)


def _hq(engine: Engine, username: str = "alice", **extra: object) -> int:
    return add_user(
        engine,
        username=username,
        display_name="Alice",
        role=Role.HQ_MARKETING,
        password=PW,
        **extra,  # type: ignore[arg-type]
    )


def test_add_and_list(engine: Engine) -> None:
    user_id = _hq(engine, "Alice", permissions=["reveal_pii"])
    [user] = list_users(engine)
    assert user.user_id == user_id and user.username == "alice"
    assert user.role is Role.HQ_MARKETING and user.active and not user.locked()
    assert user.permissions == {Permission.REVEAL_PII}
    assert not hasattr(user, "password_hash")
    principal = principal_of(user)
    assert principal.can(Permission.REVEAL_PII) and principal.can(Permission.EDIT_CATALOG)


def test_duplicate_username_is_refused(engine: Engine) -> None:
    _hq(engine)
    with pytest.raises(InvalidRequest, match="'alice' is taken"):
        _hq(engine, "ALICE")


@pytest.mark.parametrize("username", ["ab", "a" * 65, "bad name", "名字abc", "x/y"])
def test_bad_usernames(engine: Engine, username: str) -> None:
    with pytest.raises(InvalidRequest, match="3-64 characters"):
        _hq(engine, username)


def test_invalid_role_names_the_roles(engine: Engine) -> None:
    with pytest.raises(InvalidRequest, match="role 'boss' is unknown") as caught:
        add_user(engine, username="bob", display_name="Bob", role="boss", password=PW)
    assert "branch_manager" in str(caught.value)


def test_weak_password_is_refused(engine: Engine) -> None:
    with pytest.raises(InvalidRequest, match="at least 10 characters"):
        add_user(engine, username="bob", display_name="B", role="admin", password="Short-1")


def test_anchors_are_required_and_checked_when_an_org_is_published(engine: Engine) -> None:
    with pytest.raises(InvalidRequest, match="needs a staff_id"):
        add_user(engine, username="bob", display_name="B", role="broker", password=PW)
    with pytest.raises(InvalidRequest, match="needs a unit_id"):
        add_user(engine, username="bob", display_name="B", role="branch_manager", password=PW)
    with pytest.raises(InvalidRequest, match="not tied to"):
        add_user(engine, username="bob", display_name="B", role="admin", password=PW, unit_id="U1")
    # Nothing published yet: any id is taken on trust.
    add_user(engine, username="bob", display_name="B", role="broker", password=PW, staff_id="S9")
    with engine.begin() as connection:
        connection.execute(
            sa.insert(org_units),
            [
                {"unit_id": "U1", "parent_id": None, "unit_type": "region", "name": "R"},
                {"unit_id": "U2", "parent_id": "U1", "unit_type": "branch", "name": "B"},
            ],
        )
        connection.execute(
            sa.insert(staff).values(staff_id="S1", name="张三", unit_id="U2", position="broker")
        )
    with pytest.raises(InvalidRequest, match="staff_id 'S404' is not in the published staff"):
        add_user(
            engine,
            username="carl",
            display_name="C",
            role="advisor",
            password=PW,
            staff_id="S404",
        )
    with pytest.raises(InvalidRequest, match="'U1' is a region; role branch_manager manages"):
        add_user(
            engine,
            username="carl",
            display_name="C",
            role="branch_manager",
            password=PW,
            unit_id="U1",
        )
    add_user(
        engine,
        username="carl",
        display_name="C",
        role="region_manager",
        password=PW,
        unit_id="U1",
    )
    add_user(engine, username="dora", display_name="D", role="advisor", password=PW, staff_id="S1")
    anchors = {u.username: (u.staff_id, u.unit_id) for u in list_users(engine)}
    assert anchors == {"bob": ("S9", None), "carl": (None, "U1"), "dora": ("S1", None)}


def test_disable_ends_sessions_and_enable_restores(engine: Engine) -> None:
    _hq(engine)
    ticket = login(engine, "alice", PW, ip="10.0.0.1", user_agent="t", now=T0)
    assert resolve_session(engine, ticket.token, now=T0) is not None
    disable_user(engine, "alice")
    assert resolve_session(engine, ticket.token, now=T0) is None
    enable_user(engine, "alice", now=T0)
    assert login(engine, "alice", PW, ip="10.0.0.1", user_agent="t", now=T0).token
    with pytest.raises(NotFound):
        disable_user(engine, "nobody")


def test_reset_ends_sessions_and_sets_a_temporary_password(engine: Engine) -> None:
    _hq(engine)
    ticket = login(engine, "alice", PW, ip="10.0.0.1", user_agent="t", now=T0)
    temporary = reset_password(engine, "alice", now=T0)
    assert temporary != PW
    assert resolve_session(engine, ticket.token, now=T0) is None
    with pytest.raises(AuthError, match="wrong username or password"):
        login(engine, "alice", PW, ip="10.0.0.1", user_agent="t", now=T0)
    again = login(engine, "alice", temporary, ip="10.0.0.1", user_agent="t", now=T0)
    assert again.must_change_password
    change_password(engine, again.principal.user_id, temporary, "New-secret-2025", now=T0)
    [user] = list_users(engine)
    assert not user.must_change_password
    assert login(engine, "alice", "New-secret-2025", ip="10.0.0.1", now=T0).token
    with pytest.raises(AuthError, match="current password is wrong"):
        change_password(engine, user.user_id, "wrong-Password-1", "Another-secret-9")
    assert reset_password(engine, "alice", "Chosen-secret-7", temporary=False) == (
        "Chosen-secret-7"
    )
    assert not list_users(engine)[0].must_change_password
