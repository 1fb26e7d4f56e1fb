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
def db(store_settings: Settings) -> Engine:
    return open_store(store_settings)


def _hq(db: Engine, username: str = "alice", **extra: object) -> int:
    return add_user(
        db,
        username=username,
        display_name="Alice",
        role=Role.HQ_MARKETING,
        password=PW,
        **extra,  # type: ignore[arg-type]
    )


def test_add_and_list(db: Engine) -> None:
    user_id = _hq(db, "Alice", permissions=["reveal_pii"])
    [user] = list_users(db)
    assert user.user_id == user_id and user.username == "alice"
    assert user.role is Role.HQ_MARKETING and user.active and not user.locked()
    assert user.permissions == {Permission.REVEAL_PII}
    assert not hasattr(user, "password_hash")
    principal = principal_of(user)
    assert principal.can(Permission.REVEAL_PII) and principal.can(Permission.EDIT_CATALOG)


def test_duplicate_username_is_refused(db: Engine) -> None:
    _hq(db)
    with pytest.raises(InvalidRequest, match="'alice' is taken"):
        _hq(db, "ALICE")


@pytest.mark.parametrize("username", ["ab", "a" * 65, "bad name", "名字abc", "x/y"])
def test_bad_usernames(db: Engine, username: str) -> None:
    with pytest.raises(InvalidRequest, match="3-64 characters"):
        _hq(db, username)


def test_invalid_role_names_the_roles(db: Engine) -> None:
    with pytest.raises(InvalidRequest, match="role 'boss' is unknown") as caught:
        add_user(db, username="bob", display_name="Bob", role="boss", password=PW)
    assert "branch_manager" in str(caught.value)


def test_weak_password_is_refused(db: Engine) -> None:
    with pytest.raises(InvalidRequest, match="at least 10 characters"):
        add_user(db, username="bob", display_name="B", role="admin", password="Short-1")


def test_anchors_are_required_and_checked_when_an_org_is_published(db: Engine) -> None:
    with pytest.raises(InvalidRequest, match="needs a staff_id"):
        add_user(db, username="bob", display_name="B", role="broker", password=PW)
    with pytest.raises(InvalidRequest, match="needs a unit_id"):
        add_user(db, username="bob", display_name="B", role="branch_manager", password=PW)
    with pytest.raises(InvalidRequest, match="not tied to"):
        add_user(db, username="bob", display_name="B", role="admin", password=PW, unit_id="U1")
    # Nothing published yet: any id is taken on trust.
    add_user(db, username="bob", display_name="B", role="broker", password=PW, staff_id="S9")
    with db.begin() as connection:
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
            db,
            username="carl",
            display_name="C",
            role="advisor",
            password=PW,
            staff_id="S404",
        )
    with pytest.raises(InvalidRequest, match="'U1' is a region; role branch_manager manages"):
        add_user(
            db,
            username="carl",
            display_name="C",
            role="branch_manager",
            password=PW,
            unit_id="U1",
        )
    add_user(
        db,
        username="carl",
        display_name="C",
        role="region_manager",
        password=PW,
        unit_id="U1",
    )
    add_user(db, username="dora", display_name="D", role="advisor", password=PW, staff_id="S1")
    anchors = {u.username: (u.staff_id, u.unit_id) for u in list_users(db)}
    assert anchors == {"bob": ("S9", None), "carl": (None, "U1"), "dora": ("S1", None)}


def test_disable_ends_sessions_and_enable_restores(db: Engine) -> None:
    _hq(db)
    ticket = login(db, "alice", PW, ip="10.0.0.1", user_agent="t", now=T0)
    assert resolve_session(db, ticket.token, now=T0) is not None
    disable_user(db, "alice")
    assert resolve_session(db, ticket.token, now=T0) is None
    enable_user(db, "alice", now=T0)
    assert login(db, "alice", PW, ip="10.0.0.1", user_agent="t", now=T0).token
    with pytest.raises(NotFound):
        disable_user(db, "nobody")


def test_reset_ends_sessions_and_sets_a_temporary_password(db: Engine) -> None:
    _hq(db)
    ticket = login(db, "alice", PW, ip="10.0.0.1", user_agent="t", now=T0)
    temporary = reset_password(db, "alice", now=T0)
    assert temporary != PW
    assert resolve_session(db, ticket.token, now=T0) is None
    with pytest.raises(AuthError, match="wrong username or password"):
        login(db, "alice", PW, ip="10.0.0.1", user_agent="t", now=T0)
    again = login(db, "alice", temporary, ip="10.0.0.1", user_agent="t", now=T0)
    assert again.must_change_password
    change_password(db, again.principal.user_id, temporary, "New-secret-2025", now=T0)
    [user] = list_users(db)
    assert not user.must_change_password
    assert login(db, "alice", "New-secret-2025", ip="10.0.0.1", now=T0).token
    with pytest.raises(AuthError, match="current password is wrong"):
        change_password(db, user.user_id, "wrong-Password-1", "Another-secret-9")
    assert reset_password(db, "alice", "Chosen-secret-7", temporary=False) == ("Chosen-secret-7")
    assert not list_users(db)[0].must_change_password
