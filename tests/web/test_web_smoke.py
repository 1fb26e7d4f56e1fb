"""Smoke: every role's home renders."""

from __future__ import annotations

from collections.abc import Callable

import pytest

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
    assert "brokerlens" in response.text
