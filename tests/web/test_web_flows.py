"""The workbench end to end over a published brokerage: sign-in, pages, API, scope, PII, audit."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from web.conftest import Published, SignedIn

PAGES = ["/", "/customers", "/segments", "/segments/new", "/catalog", "/org"]


def _first_customer(me: SignedIn) -> str:
    response = me.client.get("/api/customers", params={"page_size": 5})
    assert response.status_code == 200, response.text
    return str(response.json()["data"][0]["customer_id"])


# --- sign-in, sessions, CSRF ----------------------------------------------------------------


def test_login_page_then_form_login_and_logout(
    app_client: TestClient, published: Published
) -> None:
    page = app_client.get("/login")
    assert page.status_code == 200
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token
    username, password = published.users["broker"]
    response = app_client.post(
        "/login",
        data={"username": username, "password": password, "csrf_token": token.group(1)},
    )
    assert response.status_code == 303
    cookie = response.headers["set-cookie"]
    assert "bl_session=" in cookie and "HttpOnly" in cookie and "samesite=lax" in cookie.lower()
    home = app_client.get("/")
    assert home.status_code == 200
    csrf = re.search(r'<meta name="csrf-token" content="([^"]+)"', home.text)
    assert csrf
    out = app_client.post("/logout", data={"csrf_token": csrf.group(1)})
    assert out.status_code == 303 and out.headers["location"] == "/login"
    assert app_client.get("/").status_code == 303


def test_login_form_without_csrf_is_refused(app_client: TestClient, published: Published) -> None:
    username, password = published.users["broker"]
    response = app_client.post("/login", data={"username": username, "password": password})
    assert response.status_code == 403
    assert "bl_session=" not in response.headers.get("set-cookie", "")


def test_unsafe_request_without_csrf_token_is_refused(sign_in: Callable[[str], SignedIn]) -> None:
    me = sign_in("hq_marketing")
    body = {"conditions": [{"field": "total_assets_t", "op": "ge", "value": 0}]}
    refused = me.client.post("/api/segments/count", json=body)
    assert refused.status_code == 403
    assert "CSRF" in refused.json()["error"]
    wrong = me.client.post("/api/segments/count", json=body, headers={"X-CSRF-Token": "nope"})
    assert wrong.status_code == 403
    ok = me.client.post("/api/segments/count", json=body, headers=me.headers())
    assert ok.status_code == 200 and ok.json()["count"] > 0
    assert me.client.post("/logout").status_code == 403  # the page form needs the token too


def test_api_without_session_is_401_json_and_pages_redirect(app_client: TestClient) -> None:
    response = app_client.get("/api/customers")
    assert response.status_code == 401
    assert set(response.json()) >= {"error", "hint"}
    page = app_client.get("/customers")
    assert page.status_code == 303 and page.headers["location"].startswith("/login?next=")


def test_wrong_password_then_lockout_message(app_client: TestClient, published: Published) -> None:
    from brokerlens.auth import add_user
    from brokerlens.store import open_store

    # A user of its own: a locked demo user would fail the tests after this one.
    username, password = "lock_me", "Lock-Me-Pass-2025"
    add_user(
        open_store(published.settings),
        username=username,
        display_name="lock",
        role="hq_marketing",
        password=password,
    )
    messages = []
    for _ in range(6):
        response = app_client.post("/api/login", json={"username": username, "password": "x" * 12})
        assert response.status_code == 401
        messages.append(response.json()["error"])
    assert "lock" in messages[-1].lower() or "锁" in messages[-1]
    still = app_client.post("/api/login", json={"username": username, "password": password})
    assert still.status_code == 401  # locked even with the right password


def test_me(sign_in: Callable[[str], SignedIn]) -> None:
    me = sign_in("compliance")
    body = me.client.get("/api/me").json()
    assert body["user"]["role"] == "compliance" and "read_audit" in body["user"]["permissions"]
    assert body["csrf_token"] == me.csrf


# --- pages and flows --------------------------------------------------------------------------


@pytest.mark.parametrize("path", PAGES)
def test_reader_pages_render(path: str, sign_in: Callable[[str], SignedIn]) -> None:
    me = sign_in("branch_manager")
    response = me.client.get(path)
    assert response.status_code == 200, response.text[:3000]


def test_list_then_360_then_why(sign_in: Callable[[str], SignedIn]) -> None:
    me = sign_in("broker")
    listing = me.client.get("/customers")
    assert listing.status_code == 200
    ids = re.findall(r'href="/customers/([A-Za-z0-9_-]+)"', listing.text)
    assert ids
    page = me.client.get(f"/customers/{ids[0]}")
    assert page.status_code == 200, page.text[:3000]
    assert 'data-chart="chart-curve"' in page.text and "why-link" in page.text
    charts = me.client.get(f"/customers/{ids[0]}/charts", headers={"HX-Request": "true"})
    assert charts.status_code == 200 and 'data-chart="chart-curve"' in charts.text
    why = me.client.get(
        f"/customers/{ids[0]}/why?classification=service_level", headers={"HX-Request": "true"}
    )
    assert why.status_code == 200 and 'class="why"' in why.text
    api = me.client.get(f"/api/customers/{ids[0]}/why", params={"classification": "service_level"})
    assert api.status_code == 200 and api.json()[0]["classification_id"] == "service_level"
    assert me.client.get(f"/api/catalog/why/{ids[0]}").status_code == 200
    assets = me.client.get(f"/api/customers/{ids[0]}/assets")
    assert assets.status_code == 200 and assets.json()["points"]


def test_list_filters_sort_and_partial(sign_in: Callable[[str], SignedIn]) -> None:
    me = sign_in("hq_marketing")
    params = [("f", "total_assets_t:ge:100000"), ("sort", "total_assets_t"), ("desc", "true")]
    body = me.client.get("/api/customers", params=params).json()
    values = [r["total_assets_t"] for r in body["data"]]
    assert values == sorted(values, reverse=True) and min(values) >= 100000
    assert body["count"] >= len(values)
    partial = me.client.get(
        "/customers",
        params=[*params, ("page", "2")],
        headers={"HX-Request": "true", "HX-Target": "customer-table"},
    )
    assert partial.status_code == 200 and "<html" not in partial.text
    bad = me.client.get("/api/customers", params={"f": "nope:eq:1"})
    assert bad.status_code == 422 and "nope" in bad.json()["error"]
    ranged = me.client.get("/customers", params={"min_total_assets_t": "1000000"})
    assert ranged.status_code == 200


def test_segment_builder_save_count_members_export(
    sign_in: Callable[[str], SignedIn], published: Published
) -> None:
    me = sign_in("team_lead")
    page = me.client.get("/segments/new", params={"f": "total_assets_t:ge:0"})
    assert page.status_code == 200 and 'name="field"' in page.text
    form = {
        "csrf_token": me.csrf,
        "name": "测试客户群",
        "visibility": "private",
        "field": "total_assets_t",
        "op": "ge",
        "value": "0",
    }
    live = me.client.post("/segments/count", data=form, headers={"HX-Request": "true"})
    assert live.status_code == 200 and "live-count" in live.text
    created = me.client.post("/segments", data=form)
    assert created.status_code == 303
    segment_id = int(created.headers["location"].rsplit("/", 1)[1])
    assert me.client.get(f"/segments/{segment_id}").status_code == 200
    count = me.client.get(f"/api/segments/{segment_id}/count").json()["count"]
    members = me.client.get(f"/api/segments/{segment_id}/members").json()
    assert members["count"] == count > 0
    export = me.client.get(f"/api/segments/{segment_id}/export.csv")
    assert export.status_code == 200 and export.headers["content-type"].startswith("text/csv")
    listed = me.client.get("/api/segments").json()
    assert any(s["segment_id"] == segment_id for s in listed["data"])
    other = sign_in("broker")
    assert other.client.get(f"/api/segments/{segment_id}").status_code == 404


def test_catalog_list_and_preview_hq_only(sign_in: Callable[[str], SignedIn]) -> None:
    from brokerlens.classify.loader import default_catalog_text

    broker = sign_in("broker")
    assert broker.client.get("/api/catalog").json()["count"] > 0
    text = default_catalog_text().replace("1000000", "900000", 1)
    refused = broker.client.post(
        "/api/catalog/preview", content=text.encode(), headers=broker.headers()
    )
    assert refused.status_code == 403
    hq = sign_in("hq_marketing")
    response = hq.client.post(
        "/api/catalog/preview",
        content=text.encode(),
        headers={**hq.headers(), "content-type": "application/yaml"},
    )
    assert response.status_code == 200, response.text
    assert any(c["id"] == "service_level" for c in response.json()["changes"])
    page = hq.client.post(
        "/catalog/preview",
        data={"csrf_token": hq.csrf, "catalog_yaml": text},
        headers={"HX-Request": "true"},
    )
    assert page.status_code == 200 and "preview-result" in page.text, page.text[-600:]
    broken = hq.client.post(
        "/api/catalog/preview", content=b"classifications: [", headers=hq.headers()
    )
    assert broken.status_code == 422


def test_org_and_audit(sign_in: Callable[[str], SignedIn]) -> None:
    me = sign_in("region_manager")
    assert me.client.get("/api/org/tree").json()
    assert me.client.get("/api/org/staff").json()["count"] > 0
    assert me.client.get("/api/audit").status_code == 403
    assert me.client.get("/audit").status_code == 403
    compliance = sign_in("compliance")
    assert compliance.client.get("/audit").status_code == 200
    assert compliance.client.get("/api/audit", params={"action": "view_360"}).status_code == 200


def test_users_page_for_admin_only(sign_in: Callable[[str], SignedIn]) -> None:
    admin = sign_in("admin")
    assert admin.client.get("/users").status_code == 200
    data = admin.client.get("/api/users").json()
    assert data["count"] >= 8
    added = admin.client.post(
        "/api/users",
        json={
            "username": "hq_two",
            "display_name": "HQ 2",
            "role": "hq_marketing",
            "password": "Another-Pass-2025",
        },
        headers=admin.headers(),
    )
    assert added.status_code == 201, added.text
    reset = admin.client.post("/api/users/hq_two/reset", json={}, headers=admin.headers())
    assert reset.status_code == 200 and reset.json()["temporary_password"]
    weak = admin.client.post(
        "/api/users",
        json={"username": "weak", "display_name": "w", "role": "broker", "password": "short"},
        headers=admin.headers(),
    )
    assert weak.status_code == 422
    broker = sign_in("broker")
    assert broker.client.get("/users").status_code == 403
    assert broker.client.get("/api/users").status_code == 403
