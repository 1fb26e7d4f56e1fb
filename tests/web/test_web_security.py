"""Scope, masking, reveal, audited export, language, offline assets and /docs."""

from __future__ import annotations

import re
from collections.abc import Callable

from fastapi.testclient import TestClient

from web.conftest import SignedIn

CUSTOMER_GETS = [
    "/api/customers/{id}",
    "/api/customers/{id}/assets",
    "/api/customers/{id}/why",
    "/api/catalog/why/{id}",
    "/customers/{id}",
    "/customers/{id}/why",
    "/api/customers/{id}/suitability",
    "/api/customers/{id}/eligibility",
    "/customers/{id}/suitability",
    "/api/customers/{id}/investor-class/requests",
    "/api/customers/{id}/alerts",
    "/customers/{id}/alerts",
    "/customers/{id}/charts",
]
# The 360's fragments (htmx asks them; opened on their own they redirect to the 360).
HX = {"HX-Request": "true"}


def test_idor_out_of_scope_answers_like_nonexistent(
    reader: str, other_client: Callable[[str], SignedIn]
) -> None:
    broker = other_client("broker")
    hq = other_client("hq_marketing")
    mine: set[str] = set()
    page = 1
    while True:
        body = broker.client.get("/api/customers", params={"page_size": 200, "page": page}).json()
        mine |= {r["customer_id"] for r in body["data"]}
        if page * 200 >= body["count"]:
            break
        page += 1
    everyone = hq.client.get("/api/customers", params={"page_size": 200}).json()["data"]
    theirs = next(r["customer_id"] for r in everyone if r["customer_id"] not in mine)
    ghost = "C9999999999"
    for template in CUSTOMER_GETS:
        outside = broker.client.get(template.format(id=theirs), headers=HX)
        missing = broker.client.get(template.format(id=ghost), headers=HX)
        assert outside.status_code == missing.status_code == 404, template
        assert outside.text.replace(theirs, "X") == missing.text.replace(ghost, "X"), template
    for client_id in (theirs, ghost):
        reveal = broker.client.post(
            f"/api/customers/{client_id}/reveal",
            json={"field": "phone", "reason": "x"},
            headers=broker.headers(),
        )
        assert reveal.status_code == 403  # no permission: refused before any lookup
    compliance = other_client("compliance")
    assert compliance.client.get(f"/api/customers/{theirs}").status_code == 200
    # The broker's list never holds the outsider, whatever the search.
    found = broker.client.get("/api/customers", params={"search": theirs}).json()
    assert found["count"] == 0
    # Nor a filter on its id, nor a segment count of one.
    found = broker.client.get("/api/customers", params={"f": f"customer_id:eq:{theirs}"}).json()
    assert found["count"] == 0
    counted = broker.client.post(
        "/api/segments/count",
        json={"conditions": [{"field": "customer_id", "op": "in", "value": [theirs]}]},
        headers=broker.headers(),
    )
    assert counted.status_code == 200 and counted.json()["count"] == 0


def test_admin_gets_no_customer_data(sign_in: Callable[[str], SignedIn]) -> None:
    admin = sign_in("admin")
    for path in (
        "/api/customers",
        "/api/customers/C0000001",
        "/api/segments",
        "/api/home",
        "/api/org/tree",
        "/customers",
        "/segments",
    ):
        response = admin.client.get(path)
        assert response.status_code == 403, path
    home = admin.client.get("/")
    assert home.status_code == 200 and 'id="admin-home"' in home.text


def test_pii_masked_in_api_and_pages(sign_in: Callable[[str], SignedIn]) -> None:
    me = sign_in("hq_marketing")
    rows = me.client.get("/api/customers", params={"page_size": 50}).json()["data"]
    with_phone = [r for r in rows if r.get("phone")]
    assert with_phone and all("*" in r["phone"] for r in with_phone)
    assert all("*" in r["id_no"] for r in rows if r.get("id_no"))
    # At most 2 characters of an ID number show, and its birth date only as an age band.
    assert all(len(r["id_no"].replace("*", "")) <= 2 for r in rows if r.get("id_no"))
    bands = {r["birth_date"] for r in rows if r.get("birth_date")}
    assert bands and all(re.fullmatch(r"<18|\d\d-\d\d|70\+", b) for b in bands), bands
    cid = with_phone[0]["customer_id"]
    detail = me.client.get(f"/api/customers/{cid}").json()
    assert "*" in detail["customer"]["phone"]
    page = me.client.get(f"/customers/{cid}")
    assert detail["customer"]["phone"] in page.text
    assert "年龄段" in page.text and detail["customer"]["birth_date"] in page.text
    assert "reveal-form" not in page.text  # HQ lacks reveal_pii
    csv = me.client.get("/api/customers/export.csv", params={"f": f"customer_id:eq:{cid}"})
    assert csv.status_code == 200 and detail["customer"]["phone"] in csv.text


def test_reveal_needs_reason_and_permission_and_is_audited(
    sign_in: Callable[[str], SignedIn],
) -> None:
    me = sign_in("compliance")
    rows = me.client.get("/api/customers", params={"page_size": 50}).json()["data"]
    cid = next(r["customer_id"] for r in rows if r.get("phone"))
    page = me.client.get(f"/customers/{cid}")
    assert "reveal-form" in page.text
    no_reason = me.client.post(
        f"/api/customers/{cid}/reveal",
        json={"field": "phone", "reason": "  "},
        headers=me.headers(),
    )
    assert no_reason.status_code == 422
    form_no_reason = me.client.post(
        f"/customers/{cid}/reveal",
        data={"csrf_token": me.csrf, "field": "phone", "reason": ""},
        headers={"HX-Request": "true"},
    )
    assert form_no_reason.status_code == 422
    shown = me.client.post(
        f"/api/customers/{cid}/reveal",
        json={"field": "phone", "reason": "客户来电核实身份"},
        headers=me.headers(),
    )
    assert shown.status_code == 200 and "*" not in shown.json()["value"]
    audit = me.client.get("/api/audit", params={"action": "reveal", "customer_id": cid}).json()
    assert audit["count"] >= 1
    via_page = me.client.post(
        f"/customers/{cid}/reveal",
        data={"csrf_token": me.csrf, "field": "phone", "reason": "回访"},
        headers={"HX-Request": "true"},
    )
    assert via_page.status_code == 200 and shown.json()["value"] in via_page.text


def test_export_is_audited(sign_in: Callable[[str], SignedIn]) -> None:
    me = sign_in("broker")
    response = me.client.get("/api/customers/export.csv")
    assert response.status_code == 200
    assert response.headers["content-disposition"].startswith("attachment;")
    exported = response.text.lstrip("\ufeff").splitlines()
    compliance = sign_in("compliance")
    audit = compliance.client.get(
        "/api/audit", params={"action": "export", "username": me.username}
    ).json()
    assert audit["count"] >= 1
    assert audit["data"][0]["customer_count"] == len(exported) - 1


def test_english_switch(sign_in: Callable[[str], SignedIn]) -> None:
    me = sign_in("broker")
    zh = me.client.get("/customers")
    assert "客户列表" in zh.text and 'lang="zh-CN"' in zh.text
    switch = me.client.get("/lang/en", params={"next": "/customers"})
    assert switch.status_code == 303 and switch.headers["location"] == "/customers"
    assert "lang=en" in switch.headers["set-cookie"]
    en = me.client.get("/customers")
    assert "Customers" in en.text and 'lang="en"' in en.text and "客户列表" not in en.text
    evil = me.client.get("/lang/zh", params={"next": "https://evil.example/"})
    assert evil.headers["location"] == "/"
    me.client.cookies.delete("lang")


def test_no_external_asset_urls_in_any_page(
    sign_in: Callable[[str], SignedIn], app_client: TestClient
) -> None:
    pages = {"/login": app_client.get("/login").text}
    me = sign_in("compliance")
    cid = me.client.get("/api/customers", params={"page_size": 1}).json()["data"][0]["customer_id"]
    for path in (
        "/",
        "/customers",
        f"/customers/{cid}",
        "/segments",
        "/segments/new",
        "/catalog",
        "/audit",
        "/org",
    ):
        response = me.client.get(path)
        assert response.status_code == 200, path
        pages[path] = response.text
    pattern = re.compile(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//""", re.I)
    for path, html in pages.items():
        assert not pattern.search(html), path
        assert "url(http" not in html, path
    for asset in (
        "/static/app.css",
        "/static/app.js",
        "/static/vendor/htmx.min.js",
        "/static/vendor/echarts.min.js",
    ):
        assert app_client.get(asset).status_code == 200, asset


def test_docs_load_offline(app_client: TestClient) -> None:
    docs = app_client.get("/docs")
    assert docs.status_code == 200
    urls = re.findall(r"""(?:src|href)=["']([^"']+)""", docs.text)
    assert urls and all(u.startswith("/") for u in urls), urls
    for url in urls:
        assert app_client.get(url).status_code == 200, url
    spec = app_client.get("/openapi.json").json()
    assert "/api/customers" in spec["paths"] and "/api/segments/count" in spec["paths"]
    tags = {t for p in spec["paths"].values() for op in p.values() for t in op.get("tags", [])}
    assert {"auth", "customers", "catalog", "segments", "org", "audit"} <= tags
