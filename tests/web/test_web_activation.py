"""Dormant-account activation over the web: the list in scope, filters, the page with rows
linking to the 360 and the nav link, the audited export, the administrator kept out."""

from __future__ import annotations

import re
from collections.abc import Callable

from web.conftest import SignedIn


def _all(me: SignedIn, **params: object) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    page = 1
    while True:
        body = me.client.get(
            "/api/activation", params={"page_size": 500, "page": page, **params}
        ).json()
        rows += body["rows"]
        if page * 500 >= body["total"]:
            return rows
        page += 1


def test_each_user_sees_only_their_own_candidates(sign_in: Callable[[str], SignedIn]) -> None:
    hq = sign_in("hq_marketing")
    everyone = _all(hq)
    assert everyone, "the small brokerage has dormant or empty accounts"
    ranks = [int(str(r["rank"])) for r in everyone]
    assert ranks == sorted(ranks)
    assert {r["kind"] for r in everyone} <= {"dormant", "empty"}
    manager = sign_in("branch_manager")
    mine = _all(manager)
    branches = {r["branch_id"] for r in mine}
    assert len(branches) == 1  # the manager's own branch, every candidate of it
    branch = branches.pop()
    assert {r["customer_id"] for r in mine} == {
        r["customer_id"] for r in everyone if r["branch_id"] == branch
    }
    broker = sign_in("broker")
    book = set()
    page = 1
    while True:
        body = broker.client.get("/api/customers", params={"page_size": 200, "page": page}).json()
        book |= {r["customer_id"] for r in body["data"]}
        if page * 200 >= body["count"]:
            break
        page += 1
    assert {r["customer_id"] for r in _all(broker)} <= book


def test_filters_by_kind_and_branch(sign_in: Callable[[str], SignedIn]) -> None:
    hq = sign_in("hq_marketing")
    body = hq.client.get("/api/activation", params={"kind": "empty", "page_size": 500}).json()
    assert all(r["kind"] == "empty" for r in body["rows"])
    assert body["total"] == body["counts"]["empty"]
    branch = body["rows"][0]["branch_id"] if body["rows"] else "none"
    narrowed = _all(hq, branch_id=branch)
    assert narrowed and all(r["branch_id"] == branch for r in narrowed)
    bad = hq.client.get("/api/activation", params={"kind": "sleepy"})
    assert bad.status_code == 422


def test_the_page_lists_rows_linking_to_the_360(sign_in: Callable[[str], SignedIn]) -> None:
    hq = sign_in("hq_marketing")
    first = hq.client.get("/api/activation", params={"page_size": 1}).json()["rows"][0]
    response = hq.client.get("/activation")
    assert response.status_code == 200
    html = response.text
    assert 'id="nav-activation"' in html and "休眠户及空户激活" in html
    assert f'href="/customers/{first["customer_id"]}"' in html
    assert first["reasons"][0]["text"] in html
    assert 'id="activation-export"' in html
    assert hq.client.get(f"/customers/{first['customer_id']}").status_code == 200
    kind = first["kind"]
    tab = hq.client.get("/activation", params={"kind": kind})
    assert tab.status_code == 200 and f'href="/customers/{first["customer_id"]}"' in tab.text
    assert hq.client.get("/activation", params={"kind": "sleepy"}).status_code == 422


def test_export_is_audited_and_the_administrator_is_kept_out(
    sign_in: Callable[[str], SignedIn],
) -> None:
    me = sign_in("branch_manager")
    expected = [r["customer_id"] for r in _all(me, kind="dormant")]
    response = me.client.get("/api/activation/export.csv", params={"kind": "dormant", "codes": "1"})
    assert response.status_code == 200
    assert response.headers["content-disposition"].startswith("attachment;")
    lines = response.text.lstrip("\ufeff").splitlines()
    assert lines[0].startswith("rank,customer_id,name,kind,basis,score")
    exported = [line.split(",")[1] for line in lines[1:]]
    assert exported == expected
    assert all(re.fullmatch(r"\d{3}\*+\d{4}|", line.split(",")[8]) for line in lines[1:])
    compliance = sign_in("compliance")
    audit = compliance.client.get(
        "/api/audit", params={"action": "export", "username": me.username}
    ).json()
    assert audit["data"][0]["detail"]["kind"] == "activation"
    assert audit["data"][0]["customer_count"] == len(expected)
    admin = sign_in("admin")
    for path in ("/api/activation", "/api/activation/export.csv", "/activation"):
        assert admin.client.get(path).status_code == 403, path
