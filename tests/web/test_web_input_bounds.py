"""Bad input is answered 4xx with a message, never 500 (issue 14 F6): each input the probe
found answering 500, on the API and on the pages. test_web_fuzz.py drives every endpoint."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from brokerlens.classify.loader import default_catalog_text
from web.conftest import SignedIn

HUGE = 10**30  # past 64 bits
LONG_FIELD = "x" * 101


def _nested_rule(depth: int) -> str:
    rule = "total_assets_t >= 1000000"
    assert rule in default_catalog_text()
    return default_catalog_text().replace(rule, "(" * depth + rule + ")" * depth, 1)


PAGES = [
    "/api/customers",
    "/api/customers/export.csv",
    "/api/audit",
    "/api/alerts",
    "/api/activation",
    "/customers",
    "/audit",
    "/alerts",
]


def _check(response: Any, what: object) -> None:
    assert 400 <= response.status_code < 500, (what, response.status_code, response.text[:300])
    if response.headers.get("content-type", "").startswith("application/json"):
        assert response.json()["error"], what
    assert "Traceback" not in response.text, what


@pytest.mark.parametrize("path", PAGES)
def test_huge_page_numbers_are_refused(sign_in: Callable[[str], SignedIn], path: str) -> None:
    me = sign_in("compliance")
    for page in (HUGE, 2**63, 10**12):
        _check(me.client.get(path, params={"page": page}), (path, page))
    _check(me.client.get("/activation", params={"p": HUGE}), "/activation p")


def test_far_dates_are_refused_or_answered(sign_in: Callable[[str], SignedIn]) -> None:
    me = sign_in("compliance")
    for path in ("/api/audit", "/audit", "/api/alerts", "/alerts"):
        for name in ("date_to", "date_from"):
            for value in ("9999-12-31", "0001-01-01"):
                response = me.client.get(path, params={name: value})
                assert response.status_code < 500, (path, name, value, response.text[:300])


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", "/api/segments/{id}", None),
        ("GET", "/api/segments/{id}/count", None),
        ("GET", "/api/segments/{id}/members", None),
        ("GET", "/api/segments/{id}/export.csv", None),
        ("PATCH", "/api/segments/{id}", {"name": "x"}),
        ("DELETE", "/api/segments/{id}", None),
        ("GET", "/segments/{id}", None),
        ("GET", "/segments/{id}/members", None),
        ("GET", "/api/alerts/{id}", None),
        ("POST", "/api/alerts/{id}/status", {"status": "acknowledged"}),
        ("POST", "/api/suitability/checks/{id}/warning", {"note": "x"}),
        ("POST", "/api/suitability/checks/{id}/confirmation", {"note": "x"}),
        ("POST", "/api/suitability/checks/{id}/sale", None),
        ("POST", "/api/suitability/class-requests/{id}/decision", {"approve": True}),
    ],
)
def test_ids_past_the_id_range_are_refused(
    sign_in: Callable[[str], SignedIn], method: str, path: str, body: dict[str, Any] | None
) -> None:
    me = sign_in("compliance")
    for value in (HUGE, 2**64, 2**63, 2**31):
        url = path.format(id=value)
        response = me.client.request(method, url, json=body, headers=me.headers())
        _check(response, (method, url))


def test_long_filter_field_names_are_refused(sign_in: Callable[[str], SignedIn]) -> None:
    me = sign_in("hq_marketing")
    for path in ("/api/customers", "/api/customers/export.csv", "/customers", "/segments/new"):
        response = me.client.get(path, params={"f": f"{LONG_FIELD}:eq:1"})
        _check(response, path)
    for path in ("/api/segments/count", "/api/segments"):
        body = {"name": "n", "conditions": [{"field": LONG_FIELD, "op": "eq", "value": 1}]}
        _check(me.client.post(path, json=body, headers=me.headers()), path)


@pytest.mark.parametrize(
    ("op", "value"),
    [
        ("in", 1),
        ("in", "1"),
        ("in", []),
        ("between", 1),
        ("between", [1]),
        ("between", [1, 2, 3]),
        ("between", "1"),
        ("between", None),
        ("eq", [1, 2]),
        ("gt", {"a": 1}),
    ],
)
def test_condition_values_of_the_wrong_arity_are_refused(
    sign_in: Callable[[str], SignedIn], op: str, value: object
) -> None:
    me = sign_in("hq_marketing")
    condition = {"field": "total_assets_t", "op": op, "value": value}
    count = me.client.post(
        "/api/segments/count", json={"conditions": [condition]}, headers=me.headers()
    )
    _check(count, (op, value))
    assert "total_assets_t" in count.json()["error"] or op in count.json()["error"]
    saved = me.client.post(
        "/api/segments", json={"name": "n", "conditions": [condition]}, headers=me.headers()
    )
    _check(saved, (op, value))


@pytest.mark.parametrize("f", ["total_assets_t:between:1", "total_assets_t:in:"])
def test_list_filters_of_the_wrong_arity_are_refused(
    sign_in: Callable[[str], SignedIn], f: str
) -> None:
    me = sign_in("hq_marketing")
    for path in ("/api/customers", "/customers"):
        _check(me.client.get(path, params={"f": f}), (path, f))


def test_deeply_nested_catalog_rules_are_refused(sign_in: Callable[[str], SignedIn]) -> None:
    me = sign_in("hq_marketing")
    for depth in (400, 5000):
        response = me.client.post(
            "/api/catalog/preview",
            content=_nested_rule(depth).encode(),
            headers={**me.headers(), "content-type": "application/yaml"},
        )
        _check(response, depth)
        assert "nest" in response.json()["error"], response.json()
    deep_yaml = me.client.post(
        "/api/catalog/preview",
        content=("[" * 5000 + "]" * 5000).encode(),
        headers={**me.headers(), "content-type": "application/yaml"},
    )
    _check(deep_yaml, "yaml")
    page = me.client.post(
        "/catalog/preview",
        data={"csrf_token": me.csrf, "catalog_yaml": _nested_rule(400)},
        headers={"HX-Request": "true"},
    )
    _check(page, "page")
