"""The workbench end to end over a published brokerage: sign-in, pages, API, scope, PII, audit."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from brokerlens.web.i18n import translate
from web.conftest import Published, SignedIn

# Each page: its heading (an i18n key) and what only that page shows.
PAGES = {
    "/": ("home.title", 'id="home-kpis"', 'id="by-tier"'),
    "/customers": ("cust.title", 'id="filter-form"', 'id="customers"'),
    "/segments": ("seg.title", 'id="segments"', "页面内容检查"),
    "/segments/new": ("seg.new", 'id="live-count"', 'name="field"'),
    "/catalog": ("cat.title", 'id="classifications"'),
    "/org": ("org.title", 'id="org-tree"', 'id="org-staff"'),
}


def _number(text: str) -> int:
    return int(text.replace(",", ""))


def _total(html: str) -> int:
    """The customer list's count, as its foot shows it (共 N 位客户)."""
    found = re.findall(r"共 ([\d,]+) 位客户", html)
    assert len(found) == 1, found
    return _number(found[0])


def _kpi(html: str, label: str) -> int:
    found = re.search(
        rf'<div class="label">{re.escape(label)}</div><div class="value num">([\d,]+)</div>', html
    )
    assert found, label
    return _number(found.group(1))


def _nodes(tree: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every unit of an org tree, depth first."""
    return [n for node in tree for n in [node, *_nodes(node["children"])]]


def _pages(me: SignedIn, url: str) -> dict[str, float]:
    """Every customer of a paged customer list (the API's pages), with today's total assets."""
    found: dict[str, float] = {}
    page = 1
    while True:
        body = me.client.get(url, params={"page_size": 200, "page": page}).json()
        found.update((r["customer_id"], r["total_assets_t"]) for r in body["data"])
        if page * 200 >= body["count"]:
            assert len(found) == body["count"]
            return found
        page += 1


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
    """Each page shows its own heading and the part only it has, with the user's data."""
    me = sign_in("branch_manager")
    if path == "/segments":  # one of the user's own, listed by name
        made = me.client.post(
            "/api/segments",
            json={
                "name": "页面内容检查",
                "conditions": [{"field": "total_assets_t", "op": "ge", "value": 0}],
            },
            headers=me.headers(),
        )
        assert made.status_code == 201, made.text
    response = me.client.get(path)
    assert response.status_code == 200, response.text[:3000]
    title, *markers = PAGES[path]
    assert f"<h1>{translate(title, 'zh')}</h1>" in response.text
    for marker in markers:
        assert marker in response.text, marker
    text = response.text
    if path in ("/", "/customers"):  # the branch's customers, counted as the API counts them
        count = me.client.get("/api/customers", params={"page_size": 1}).json()["count"]
        shown = _kpi(text, translate("home.my_customers", "zh")) if path == "/" else _total(text)
        assert shown == count > 0
    if path == "/org":
        names = [n["name"] for n in _nodes(me.client.get("/api/org/tree").json())]
        tree = text.split('id="org-tree"', 1)[1].split("</section>", 1)[0]
        assert names and all(f">{name}</a>" in tree for name in names)
    if path == "/catalog":
        for item in me.client.get("/api/catalog").json()["data"]:
            assert item["id"] in text and item["zh"] in text


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
    everyone = _pages(me, "/api/customers")
    ranged = me.client.get("/customers", params={"min_total_assets_t": "1000000", "page_size": 200})
    assert ranged.status_code == 200
    listed = re.findall(r'href="/customers/([A-Za-z0-9_-]+)"', ranged.text)
    assert listed and all(everyone[cid] >= 1_000_000 for cid in listed)
    above = sum(v >= 1_000_000 for v in everyone.values())
    assert _total(ranged.text) == above < len(everyone) == _total(me.client.get("/customers").text)


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
    rows = list(csv.reader(io.StringIO(export.content.decode("utf-8-sig"))))
    assert rows[0][0] == "客户号"
    everyone = _pages(me, f"/api/segments/{segment_id}/members")
    assert len(everyone) == count
    assert sorted(r[0] for r in rows[1:]) == sorted(everyone)
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
    region = me.client.get("/api/me").json()["user"]["unit_id"]
    tree = me.client.get("/api/org/tree").json()
    assert [n["unit_id"] for n in tree] == [region]  # the region's own subtree, nothing else
    nodes = _nodes(tree)
    assert {n["unit_type"] for n in nodes} >= {"region", "branch", "team"}
    for node in nodes:
        assert all(c["parent_id"] == node["unit_id"] for c in node["children"])
    staff = me.client.get("/api/org/staff").json()
    assert staff["count"] == len(staff["data"]) > 0
    for node in nodes:  # each unit counts its own staff, as listed
        assert node["staff_count"] == sum(s["unit_id"] == node["unit_id"] for s in staff["data"])
    assert me.client.get("/api/audit").status_code == 403
    assert me.client.get("/audit").status_code == 403

    broker = sign_in("broker")
    viewed = _first_customer(broker)
    assert broker.client.get(f"/customers/{viewed}").status_code == 200  # the view audited
    compliance = sign_in("compliance")
    wanted = {"action": "view_360", "customer_id": viewed, "username": broker.username}
    found = compliance.client.get("/api/audit", params=wanted).json()
    assert found["count"] >= 1
    newest = found["data"][0]
    assert newest["username"] == broker.username and newest["customer_ids"] == [viewed]
    page = compliance.client.get("/audit", params=wanted)
    assert page.status_code == 200
    table = page.text.split('id="audit"', 1)[1]
    assert f'translate="no">{broker.username}</td>' in table and viewed in table
    assert translate("cust.none", "zh") not in table


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


def test_a_segment_edited_counts_anew_and_a_deleted_one_is_gone(
    sign_in: Callable[[str], SignedIn],
) -> None:
    """Through the builder's forms, as the pages post them: an edit of the conditions changes
    the count to what the new conditions count; a delete removes it for good."""
    me = sign_in("team_lead")
    form = {"csrf_token": me.csrf, "name": "编辑删除", "visibility": "private"}
    condition = {"field": "total_assets_t", "op": "ge"}
    created = me.client.post("/segments", data={**form, **condition, "value": "0"})
    assert created.status_code == 303
    segment_id = int(created.headers["location"].rsplit("/", 1)[1])
    everyone = me.client.get(f"/api/segments/{segment_id}/count").json()["count"]
    assert everyone == me.client.get("/api/customers").json()["count"] > 0

    edited = me.client.post(
        f"/segments/{segment_id}", data={**form, **condition, "value": "1000000"}
    )
    assert edited.status_code == 303 and edited.headers["location"] == f"/segments/{segment_id}"
    rich = me.client.get(f"/api/segments/{segment_id}/count").json()["count"]
    expected = me.client.get(
        "/api/customers", params={"f": "total_assets_t:ge:1000000", "page_size": 1}
    ).json()["count"]
    assert rich == expected < everyone
    members = _pages(me, f"/api/segments/{segment_id}/members")
    assert len(members) == rich and all(v >= 1_000_000 for v in members.values())
    renamed = me.client.patch(
        f"/api/segments/{segment_id}", json={"name": "改名了"}, headers=me.headers()
    )
    assert renamed.status_code == 200 and renamed.json()["name"] == "改名了"
    assert str(renamed.json()["conditions"][0]["value"]) == "1000000"  # the conditions kept
    assert "改名了" in me.client.get(f"/segments/{segment_id}").text

    other = sign_in("broker")  # not the owner's: neither changed nor deleted
    assert other.client.delete(
        f"/api/segments/{segment_id}", headers=other.headers()
    ).status_code in (403, 404)
    me = sign_in("team_lead")
    deleted = me.client.post(f"/segments/{segment_id}/delete", data={"csrf_token": me.csrf})
    assert deleted.status_code == 303 and deleted.headers["location"] == "/segments"
    assert me.client.get(f"/api/segments/{segment_id}").status_code == 404
    assert me.client.get(f"/segments/{segment_id}").status_code == 404
    listed = me.client.get("/api/segments").json()["data"]
    assert all(s["segment_id"] != segment_id for s in listed)
    again = me.client.delete(f"/api/segments/{segment_id}", headers=me.headers())
    assert again.status_code == 404

    compliance = sign_in("compliance")  # saved, changed (with what it was) and deleted: audited
    for action, wanted in (
        ("segment_create", "'0'"),
        ("segment_update", "1000000"),
        ("segment_delete", "改名了"),
    ):
        found = compliance.client.get("/api/audit", params={"action": action}).json()["data"]
        mine = [r for r in found if f"'segment_id': {segment_id}," in str(r["detail"])]
        assert mine and mine[0]["username"] == me.username and wanted in str(mine[0]["detail"])


def test_a_disabled_user_is_refused_and_signed_out_until_enabled(
    sign_in: Callable[[str], SignedIn], clients: Callable[[], TestClient]
) -> None:
    admin = sign_in("admin")
    username, password = "off_and_on", "Off-And-On-Pass-2025"
    added = admin.client.post(
        "/api/users",
        json={
            "username": username,
            "display_name": "停用再启用",
            "role": "hq_marketing",
            "password": password,
        },
        headers=admin.headers(),
    )
    assert added.status_code == 201, added.text
    user = clients()
    login = {"username": username, "password": password}
    assert user.post("/api/login", json=login).status_code == 200
    assert user.get("/api/customers", params={"page_size": 1}).status_code == 200

    disabled = admin.client.post(f"/users/{username}/disable", data={"csrf_token": admin.csrf})
    assert disabled.status_code == 303
    assert user.get("/api/customers", params={"page_size": 1}).status_code == 401  # signed out
    refused = user.post("/api/login", json=login)
    assert refused.status_code == 401 and "disabled" in refused.json()["error"]
    row = next(
        u for u in admin.client.get("/api/users").json()["data"] if u["username"] == username
    )
    assert row["active"] is False

    enabled = admin.client.post(f"/api/users/{username}/enable", headers=admin.headers())
    assert enabled.status_code == 204
    assert user.post("/api/login", json=login).status_code == 200
    assert user.get("/api/customers", params={"page_size": 1}).status_code == 200

    compliance = sign_in("compliance")
    for action in ("user_disable", "user_enable"):
        found = compliance.client.get("/api/audit", params={"action": action}).json()["data"]
        assert any(
            admin.username == r["username"] and username in str(r["detail"]) for r in found
        ), action
