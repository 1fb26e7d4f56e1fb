"""Changing one's password, and the rule that a reset (temporary) password is changed first."""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from web.conftest import Published, SignedIn

NEW_PASSWORD = "Fresh-Start-2026"
_serial = itertools.count()


def _new_user(published: Published, *, how: str) -> tuple[str, str]:
    """A user of its own (so the demo users keep their passwords): (username, password).

    how: "reset" (an administrator's reset), "created" (added with must_change_password) or
    "normal"."""
    from brokerlens.auth import add_user, reset_password
    from brokerlens.store import open_store

    db = open_store(published.settings)
    username = f"pw_{how}_{next(_serial)}"
    password = "Initial-Pass-2025"
    add_user(
        db,
        username=username,
        display_name=f"密码 {how}",
        role="hq_marketing",
        password=password,
        must_change_password=how == "created",
    )
    if how == "reset":
        password = reset_password(db, username)
    return username, password


def _login(client: TestClient, username: str, password: str) -> SignedIn:
    response = client.post("/api/login", json={"username": username, "password": password})
    assert response.status_code == 200, response.text
    return SignedIn(client, response.json()["csrf_token"], username)


def _form(me: SignedIn, old: str, new: str, again: str | None = None) -> dict[str, str]:
    return {
        "csrf_token": me.csrf,
        "old_password": old,
        "new_password": new,
        "new_password_again": new if again is None else again,
    }


@pytest.mark.parametrize("how", ["reset", "created"])
def test_must_change_user_is_held_at_the_password_page_until_it_changes(
    how: str, published: Published, clients: Callable[[], TestClient]
) -> None:
    username, password = _new_user(published, how=how)
    me = _login(clients(), username, password)
    elsewhere = _login(clients(), username, password)  # the same user in another browser
    assert me.client.get("/api/me").json()["must_change_password"] is True

    # Pages go to the password page, keeping where the user was headed.
    home = me.client.get("/")
    assert home.status_code == 303 and home.headers["location"] == "/account/password"
    listing = me.client.get("/customers")
    assert listing.status_code == 303
    assert listing.headers["location"] == "/account/password?next=%2Fcustomers"
    partial = me.client.get("/customers", headers={"HX-Request": "true"})
    assert partial.headers["HX-Redirect"].startswith("/account/password")
    # The API answers 403 with a hint, for reads and for writes with a valid CSRF token.
    for response in (
        me.client.get("/api/customers"),
        me.client.get("/api/segments"),
        me.client.post(
            "/api/segments/count",
            json={"conditions": [{"field": "total_assets_t", "op": "ge", "value": 0}]},
            headers=me.headers(),
        ),
    ):
        assert response.status_code == 403, response.text
        body = response.json()
        assert "must change the password" in body["error"]
        assert body["hint"] == "POST /api/account/password"
    # Still open: the password page, static assets, /api/me, login page (redirects on).
    form = me.client.get("/account/password")
    assert form.status_code == 200 and 'id="password-required"' in form.text
    assert 'class="sidenav"' not in form.text  # no links that would only lead back here
    assert me.client.get("/static/app.css").status_code == 200
    assert me.client.get("/login").status_code == 303

    # CSRF, wrong current password, mismatch and the policy are refused, inline.
    no_csrf = me.client.post(
        "/account/password", data={**_form(me, password, NEW_PASSWORD), "csrf_token": ""}
    )
    assert no_csrf.status_code == 403
    wrong = me.client.post("/account/password", data=_form(me, "Not-The-Pass-1", NEW_PASSWORD))
    assert wrong.status_code == 422 and "当前密码错误" in wrong.text
    assert wrong.cookies.get("bl_session") is None  # a wrong password does not sign out
    differ = me.client.post(
        "/account/password", data=_form(me, password, NEW_PASSWORD, NEW_PASSWORD + "x")
    )
    assert differ.status_code == 422 and "两次输入的新密码不一致" in differ.text
    weak = me.client.post("/account/password", data=_form(me, password, "short"))
    assert weak.status_code == 422 and 'id="password-errors"' in weak.text
    assert "至少 10 个字符" in weak.text
    assert me.client.get("/api/customers").status_code == 403  # nothing changed yet

    changed = me.client.post(
        "/account/password", data={**_form(me, password, NEW_PASSWORD), "next": "/customers"}
    )
    assert changed.status_code == 303 and changed.headers["location"] == "/customers"
    assert me.client.get("/").status_code == 200
    assert me.client.get("/customers").status_code == 200
    assert me.client.get("/api/customers").status_code == 200
    # The other browser's session ended; the new password signs in, the old one does not.
    assert elsewhere.client.get("/api/me").status_code == 401
    assert elsewhere.client.get("/").status_code == 303
    again = clients()
    refused = again.post("/api/login", json={"username": username, "password": password})
    assert refused.status_code == 401
    fresh = _login(again, username, NEW_PASSWORD)
    assert fresh.client.get("/api/me").json()["must_change_password"] is False


def test_api_password_change(published: Published, clients: Callable[[], TestClient]) -> None:
    username, password = _new_user(published, how="reset")
    me = _login(clients(), username, password)
    elsewhere = _login(clients(), username, password)
    url = "/api/account/password"
    body = {"old_password": password, "new_password": NEW_PASSWORD}
    no_csrf = me.client.post(url, json=body)
    assert no_csrf.status_code == 403 and "CSRF" in no_csrf.json()["error"]
    wrong = me.client.post(
        url, json={**body, "old_password": "Not-The-Pass-1"}, headers=me.headers()
    )
    assert wrong.status_code == 403 and "current password" in wrong.json()["error"]
    weak = me.client.post(url, json={**body, "new_password": "abc"}, headers=me.headers())
    assert weak.status_code == 422 and "at least 10 characters" in weak.json()["error"]
    ok = me.client.post(url, json=body, headers=me.headers())
    assert ok.status_code == 200, ok.text
    assert ok.json() == {"changed": True, "other_sessions_ended": 1}
    assert me.client.get("/api/customers").status_code == 200
    assert elsewhere.client.get("/api/customers").status_code == 401


def test_password_change_is_audited(
    published: Published,
    clients: Callable[[], TestClient],
    sign_in: Callable[[str], SignedIn],
) -> None:
    username, password = _new_user(published, how="reset")
    me = _login(clients(), username, password)
    body = {"old_password": password, "new_password": NEW_PASSWORD}
    assert me.client.post("/api/account/password", json=body, headers=me.headers()).is_success
    compliance = sign_in("compliance")
    audit = compliance.client.get(
        "/api/audit", params={"action": "password_changed", "username": username}
    ).json()
    assert audit["count"] == 1
    assert audit["data"][0]["detail"]["required"] is True


def test_policy_errors_in_english(published: Published, clients: Callable[[], TestClient]) -> None:
    username, password = _new_user(published, how="reset")
    me = _login(clients(), username, password)
    me.client.cookies.set("lang", "en")
    form = me.client.get("/account/password")
    assert "Change password" in form.text and "At least 10 characters" in form.text
    weak = me.client.post("/account/password", data=_form(me, password, "alllowercase"))
    assert weak.status_code == 422
    assert "3 of 4 kinds of character" in weak.text and "至少" not in weak.text


def test_normal_user_is_never_redirected_and_may_change_the_password(
    published: Published,
    clients: Callable[[], TestClient],
    sign_in: Callable[[str], SignedIn],
) -> None:
    broker = sign_in("broker")
    assert broker.client.get("/api/me").json()["must_change_password"] is False
    for path in ("/", "/customers", "/segments"):
        response = broker.client.get(path)
        assert response.status_code == 200, path
        assert 'href="/account/password"' in response.text  # the top-bar link, for every user
    assert broker.client.get("/api/customers").status_code == 200

    username, password = _new_user(published, how="normal")
    me = _login(clients(), username, password)
    form = me.client.get("/account/password")
    assert form.status_code == 200 and 'id="password-required"' not in form.text
    assert 'class="sidenav"' in form.text
    changed = me.client.post("/account/password", data=_form(me, password, NEW_PASSWORD))
    assert changed.status_code == 303
    assert changed.headers["location"] == "/account/password?changed=true"
    notice = me.client.get(changed.headers["location"])
    assert 'id="password-changed"' in notice.text
    assert re.search(r'<meta name="csrf-token" content="([^"]+)"', notice.text)


def test_every_route_but_the_few_open_ones_enforces_the_password_rule() -> None:
    """A route added later without the session dependency would skip the rule: catch it."""
    from fastapi.dependencies.models import Dependant
    from fastapi.routing import APIRoute

    from brokerlens.config import load_settings
    from brokerlens.web.app import create_app
    from brokerlens.web.deps import current_session

    def calls(dependant: Dependant) -> bool:
        return dependant.call is current_session or any(calls(d) for d in dependant.dependencies)

    open_routes = {
        "/api/login",
        "/api/logout",
        "/api/me",
        "/api/account/password",
        "/login",
        "/logout",
        "/account/password",
        "/lang/{language}",  # a language cookie, no data
        "/docs",
    }
    routes: list[APIRoute] = []
    for route in create_app(load_settings()).routes:
        # FastAPI >= 0.16x keeps an included router whole; earlier ones copied its routes.
        included = getattr(route, "original_router", None)
        for each in included.routes if included is not None else [route]:
            if isinstance(each, APIRoute):
                routes.append(each)
    assert len(routes) > 30
    unchecked = {r.path for r in routes if not calls(r.dependant)}
    assert unchecked == open_routes
