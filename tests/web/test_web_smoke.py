"""Smoke: every role's home renders, with the user's name and role and their own book's count
(the administrator: the way to the users, no customer data)."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest

from brokerlens.web.i18n import translate
from web.conftest import SignedIn

ROLES = [
    "broker",
    "advisor",
    "team_lead",
    "branch_manager",
    "region_manager",
    "hq_marketing",
    "compliance",
    "admin",
]


@pytest.mark.parametrize("role", ROLES)
def test_home_renders_for_each_role(role: str, sign_in: Callable[[str], SignedIn]) -> None:
    me = sign_in(role)
    response = me.client.get("/")
    assert response.status_code == 200, response.text[:2000]
    text = response.text
    user = me.client.get("/api/me").json()["user"]
    assert f"<h1>{translate('home.title', 'zh')}</h1>" in text  # the workbench, not the login
    role_label = translate(f"role.{role}", "zh")
    assert f'<span translate="no">{user["display_name"]}</span> · {role_label}' in text
    if role == "admin":  # no customer data: the way to the users instead
        assert 'id="admin-home"' in text and 'id="home-kpis"' not in text
        return
    mine = re.search(
        r'<div class="label">我的客户</div><div class="value num">([\d,]+)</div>', text
    )
    count = me.client.get("/api/customers", params={"page_size": 1}).json()["count"]
    assert mine and int(mine.group(1).replace(",", "")) == count > 0  # the role's own book
