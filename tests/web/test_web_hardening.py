"""HTTP hardening (issue 14 F4, F7): forwarded headers only from configured proxies, security
headers, no caching of customer data, Secure cookies over HTTPS, cross-site requests refused."""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
import uvicorn
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from brokerlens.auth import add_user
from brokerlens.auth.principal import Role
from brokerlens.cli import serve as _serve  # noqa: F401  (attaches `serve` to the app)
from brokerlens.cli.main import app as cli_app
from brokerlens.config import Settings, load_settings
from brokerlens.errors import ConfigError
from brokerlens.store import dispose_engines, open_store
from brokerlens.store.schema import audit_log, login_attempts
from brokerlens.web.app import create_app
from web.conftest import Published, SignedIn

PW = "Correct-horse-9"
FORGED = "203.0.113.7"
PROXY = "10.0.0.1"


@pytest.fixture
def bare_settings(tmp_path: Path) -> Iterator[Settings]:
    """An empty SQLite store with one user: sign-ins here cannot disturb the shared one."""
    settings = load_settings(home=tmp_path / "home")
    add_user(
        open_store(settings),
        username="bob",
        display_name="Bob",
        role=Role.BROKER,
        password=PW,
        staff_id="S000001",
    )
    yield settings
    dispose_engines()


def _login_ips(settings: Settings) -> list[str | None]:
    with open_store(settings).connect() as connection:
        return list(
            connection.execute(
                sa.select(audit_log.c.ip)
                .where(audit_log.c.action.in_(["login", "login_failed"]))
                .order_by(audit_log.c.audit_id)
            ).scalars()
        )


def test_serve_does_not_let_uvicorn_believe_forwarded_headers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """uvicorn's proxy_headers believe 127.0.0.1 by default: `serve` must leave them to the app."""
    seen: dict[str, Any] = {}
    monkeypatch.setattr(uvicorn, "run", lambda *a, **kw: seen.update(kw))
    for name in ("BROKERLENS_HOME", "BROKERLENS_TRUSTED_PROXIES", "BROKERLENS_SECURE_COOKIES"):
        monkeypatch.setenv(name, "-")  # so that they are restored: serve writes them
        monkeypatch.delenv(name)
    result = CliRunner().invoke(cli_app, ["--home", str(tmp_path / "home"), "serve"])
    assert result.exit_code == 0, result.output
    assert seen["proxy_headers"] is False
    assert "forwarded_allow_ips" not in seen


def test_forged_forwarded_for_is_ignored_by_default(bare_settings: Settings) -> None:
    assert bare_settings.trusted_proxies == ""
    with TestClient(create_app(bare_settings), client=("127.0.0.1", 5000)) as client:
        ok = client.post(
            "/api/login",
            json={"username": "bob", "password": PW},
            headers={"X-Forwarded-For": FORGED},
        )
        assert ok.status_code == 200
        assert _login_ips(bare_settings) == ["127.0.0.1"]
        # A new forged address per try does not get round the per-address limit.
        for i in range(20):
            response = client.post(
                "/api/login",
                json={"username": f"nobody{i}", "password": PW},
                headers={"X-Forwarded-For": f"198.51.100.{i}"},
            )
            assert "wrong username or password" in response.json()["error"]
        refused = client.post(
            "/api/login",
            json={"username": "bob", "password": PW},
            headers={"X-Forwarded-For": "198.51.100.99"},
        )
        assert refused.status_code == 401 and "from this address" in refused.json()["error"]
    with open_store(bare_settings).connect() as connection:
        ips = set(connection.execute(sa.select(login_attempts.c.ip)).scalars())
    assert ips == {"127.0.0.1"}


def test_forwarded_headers_are_believed_from_a_configured_proxy(tmp_path: Path) -> None:
    settings = load_settings(home=tmp_path / "home", trusted_proxies=f"{PROXY}, 10.9.0.0/16")
    add_user(
        open_store(settings),
        username="bob",
        display_name="Bob",
        role=Role.BROKER,
        password=PW,
        staff_id="S000001",
    )
    headers = {"X-Forwarded-For": FORGED, "X-Forwarded-Proto": "https"}
    body = {"username": "bob", "password": PW}
    with TestClient(create_app(settings), client=(PROXY, 5000)) as client:
        behind = client.post("/api/login", json=body, headers=headers)
        assert behind.status_code == 200
        assert "secure" in behind.headers["set-cookie"].lower()  # the proxy said https
    with TestClient(create_app(settings), client=("10.9.3.4", 5000)) as client:
        assert client.post("/api/login", json=body, headers=headers).status_code == 200
    with TestClient(create_app(settings), client=("10.0.0.2", 5000)) as client:
        direct = client.post("/api/login", json=body, headers=headers)
        assert direct.status_code == 200
        assert "secure" not in direct.headers["set-cookie"].lower()
    assert _login_ips(settings) == [FORGED, FORGED, "10.0.0.2"]
    dispose_engines()


def test_trusted_proxies_must_be_addresses(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="BROKERLENS_TRUSTED_PROXIES"):
        load_settings(home=tmp_path, trusted_proxies="proxy.example")
    assert load_settings(home=tmp_path, trusted_proxies="::1, 10.0.0.0/8").trusted_proxies


def _customer(me: SignedIn) -> str:
    rows = me.client.get("/api/customers", params={"page_size": 1}).json()["data"]
    return str(rows[0]["customer_id"])


def test_security_headers_and_no_store_on_pages_and_json(
    sign_in: Callable[[str], SignedIn], app_client: TestClient
) -> None:
    me = sign_in("compliance")
    cid = _customer(me)
    for path in (
        "/",
        "/customers",
        f"/customers/{cid}",
        "/api/customers",
        f"/api/customers/{cid}",
        "/api/customers/export.csv",
        "/api/nothing-here",
    ):
        response = me.client.get(path)
        assert response.headers["x-frame-options"] == "DENY", path
        csp = response.headers["content-security-policy"]
        assert "frame-ancestors 'none'" in csp and "script-src 'self';" in csp, path
        assert response.headers["cache-control"] == "no-store", path
        assert response.headers["x-content-type-options"] == "nosniff", path
    login = app_client.get("/login")
    assert login.headers["x-frame-options"] == "DENY"
    asset = app_client.get("/static/app.js")
    assert asset.headers["x-content-type-options"] == "nosniff"
    assert "no-store" not in asset.headers.get("cache-control", "")


def test_pages_need_no_inline_script_so_the_policy_holds(
    sign_in: Callable[[str], SignedIn], app_client: TestClient
) -> None:
    """script-src 'self': every script is a file under /static (or inert JSON data)."""
    pages = {"/login": app_client.get("/login").text}
    me = sign_in("compliance")
    cid = _customer(me)
    for path in ("/", "/customers", f"/customers/{cid}", "/segments/new", "/audit", "/alerts"):
        response = me.client.get(path)
        assert response.status_code == 200, path
        pages[path] = response.text
    for path, html in pages.items():
        for tag in re.findall(r"<script\b[^>]*>", html):
            assert "src=" in tag or 'type="application/json"' in tag, (path, tag)
        assert not re.search(r"\son[a-z]+\s*=", html), path
        assert "javascript:" not in html, path


def test_docs_policy_allows_exactly_its_inline_script(app_client: TestClient) -> None:
    docs = app_client.get("/docs")
    assert docs.status_code == 200
    inline = re.findall(r"<script>(.*?)</script>", docs.text, re.S)
    assert inline
    csp = docs.headers["content-security-policy"]
    for body in inline:
        digest = base64.b64encode(hashlib.sha256(body.encode()).digest()).decode()
        assert f"'sha256-{digest}'" in csp
    assert "'unsafe-inline'" not in csp.split("script-src")[1].split(";")[0]


def test_session_cookie_is_secure_over_https(bare_settings: Settings) -> None:
    body = {"username": "bob", "password": PW}
    with TestClient(create_app(bare_settings), base_url="https://testserver") as client:
        cookie = client.post("/api/login", json=body).headers["set-cookie"].lower()
        assert "secure" in cookie and "httponly" in cookie and "samesite=lax" in cookie
    with TestClient(create_app(bare_settings)) as client:
        assert "secure" not in client.post("/api/login", json=body).headers["set-cookie"].lower()
    forced = bare_settings.model_copy(update={"secure_cookies": True})
    with TestClient(create_app(forced)) as client:
        assert "secure" in client.post("/api/login", json=body).headers["set-cookie"].lower()


def _audit_rows(settings: Settings) -> int:
    with open_store(settings).connect() as connection:
        return int(connection.execute(sa.select(sa.func.count()).select_from(audit_log)).scalar())


def test_cross_site_requests_cannot_export_or_open_a_customer(
    sign_in: Callable[[str], SignedIn], published: Published
) -> None:
    me = sign_in("compliance")
    cid = _customer(me)
    audited = (f"/customers/{cid}", f"/api/customers/{cid}", "/api/customers/export.csv")
    before = _audit_rows(published.settings)
    for path in audited:
        for headers in (
            {"Sec-Fetch-Site": "cross-site"},
            {"Sec-Fetch-Site": "same-site"},
            {"Origin": "https://evil.example"},
            {"Referer": "https://evil.example/page"},
            {"Origin": "null"},
        ):
            response = me.client.get(path, headers=headers)
            assert response.status_code == 403, (path, headers)
            assert "another site" in response.text, (path, headers)
    assert _audit_rows(published.settings) == before  # refused before anything was read
    cross_post = me.client.post(
        "/api/segments/count",
        json={"conditions": []},
        headers={**me.headers(), "Sec-Fetch-Site": "cross-site"},
    )
    assert cross_post.status_code == 403
    # The workbench's own requests, typed addresses and non-browser clients pass.
    for headers in (
        {"Sec-Fetch-Site": "same-origin"},
        {"Sec-Fetch-Site": "none"},
        {"Origin": "http://testserver"},
        {"Referer": "http://testserver/customers"},
        {},
    ):
        assert me.client.get(f"/customers/{cid}", headers=headers).status_code == 200, headers
    # A link from elsewhere may still land on the entry pages.
    assert me.client.get("/", headers={"Sec-Fetch-Site": "cross-site"}).status_code == 200
    assert me.client.get("/static/app.css", headers={"Sec-Fetch-Site": "cross-site"}).is_success


def test_a_link_from_another_site_offers_to_go_on_from_here(
    sign_in: Callable[[str], SignedIn], published: Published
) -> None:
    me = sign_in("compliance")
    cid = _customer(me)
    before = _audit_rows(published.settings)
    followed = me.client.get(
        f"/customers/{cid}?tab=assets",
        headers={"Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "navigate"},
    )
    assert followed.status_code == 403
    assert f'href="/customers/{cid}?tab=assets"' in followed.text
    assert "确认并继续打开" in followed.text
    assert _audit_rows(published.settings) == before  # nothing read until the user goes on
    # The user's click is a request from this site: the page opens (and is audited).
    gone_on = me.client.get(
        f"/customers/{cid}?tab=assets",
        headers={"Sec-Fetch-Site": "same-origin", "Sec-Fetch-Mode": "navigate"},
    )
    assert gone_on.status_code == 200
    # A request that is no navigation (an image, a script, a fetch) gets no such link.
    fetched = me.client.get(
        "/api/customers/export.csv",
        headers={"Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "no-cors"},
    )
    assert fetched.status_code == 403 and "href=" not in fetched.text
