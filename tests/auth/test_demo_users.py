"""Demo users are anchored on the published org and re-running them changes nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

from auth.org_rows import seed_org
from brokerlens.auth import (
    DEMO_PASSWORD,
    check_password_policy,
    create_demo_users,
    list_users,
    login,
    reset_password,
)
from brokerlens.auth.principal import Role
from brokerlens.config import Settings
from brokerlens.errors import NotFound
from brokerlens.store import open_store


@pytest.fixture
def db(store_settings: Settings) -> Engine:
    return open_store(store_settings)


def test_demo_users_need_a_published_org(db: Engine) -> None:
    with pytest.raises(NotFound, match="brokerlens run"):
        create_demo_users(db)


def test_one_demo_user_per_role_anchored_on_the_org(db: Engine) -> None:
    seed_org(db)
    check_password_policy(DEMO_PASSWORD, "demo_branch_manager")
    demo = create_demo_users(db)
    assert [u.role for u in demo] == list(Role)
    assert {u.password for u in demo} == {DEMO_PASSWORD}
    anchors = {u.role: (u.staff_id, u.unit_id) for u in list_users(db)}
    assert anchors == {
        Role.BROKER: ("S3", None),
        Role.ADVISOR: ("S5", None),
        Role.TEAM_LEAD: ("S2", None),
        Role.BRANCH_MANAGER: (None, "B1"),
        Role.REGION_MANAGER: (None, "R1"),
        Role.HQ_MARKETING: (None, None),
        Role.COMPLIANCE: (None, None),
        Role.CALL_CENTER: (None, None),
        Role.ADMIN: (None, None),
    }
    broker = next(u for u in demo if u.role is Role.BROKER)
    assert broker.username == "demo_broker" and "张三 S3" in broker.who
    assert "2 customers" in broker.who
    assert login(db, "demo_broker", DEMO_PASSWORD, ip="127.0.0.1").principal.staff_id == "S3"


def test_demo_users_are_idempotent(db: Engine) -> None:
    seed_org(db)
    first = create_demo_users(db)
    before = {u.username: u.user_id for u in list_users(db)}
    reset_password(db, "demo_admin", "Changed-secret-1", temporary=False)
    again = create_demo_users(db)
    assert {u.username: u.user_id for u in list_users(db)} == before
    assert [u.username for u in again] == [u.username for u in first]
    admin = next(u for u in again if u.username == "demo_admin")
    assert admin.password is None  # kept as the user changed it
    assert login(db, "demo_admin", "Changed-secret-1", ip="127.0.0.1").token
    restored = create_demo_users(db, reset=True)
    assert {u.password for u in restored} == {DEMO_PASSWORD}
    assert login(db, "demo_admin", DEMO_PASSWORD, ip="127.0.0.1").token
    assert len(list_users(db)) == len(Role)
