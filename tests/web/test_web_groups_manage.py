"""Customer groups over the API (issue 25): a static group filled by id, by "all matching" and
by an uploaded list; shared read-only then editable with a colleague who sees only their own
customers in it; revoked; bad input refused naming the parameter, never a 500."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from web.conftest import SignedIn


def _ids(me: SignedIn, **params: Any) -> list[str]:
    rows = me.client.get("/api/customers", params={"page_size": 200, **params}).json()["data"]
    return [str(r["customer_id"]) for r in rows]


def _members(me: SignedIn, segment_id: int) -> set[str]:
    answer = me.client.get(f"/api/segments/{segment_id}/members", params={"page_size": 200})
    assert answer.status_code == 200, answer.text
    return {str(r["customer_id"]) for r in answer.json()["data"]}


def _static(me: SignedIn, name: str) -> int:
    made = me.client.post(
        "/api/segments", json={"name": name, "kind": "static"}, headers=me.headers()
    )
    assert made.status_code == 201, made.text
    body = made.json()
    assert body["kind"] == "static" and body["conditions"] == [] and body["owned"]
    return int(body["segment_id"])


def test_a_static_group_shared_with_a_colleague(
    other_client: Callable[[str], SignedIn],
) -> None:
    manager, broker = other_client("branch_manager"), other_client("broker")
    everyone = set(_ids(other_client("compliance")))
    branch = _ids(manager)
    mine = set(_ids(broker))
    outside = sorted(everyone - set(_ids(manager)))[0]
    picked = [*[c for c in branch if c in mine][:2], *[c for c in branch if c not in mine][:2]]
    sid = _static(manager, "重点跟进")
    url = f"/api/segments/{sid}"
    added = manager.client.post(
        f"{url}/members",
        json={"customer_ids": [*picked, outside, "NO-SUCH-ID"]},
        headers=manager.headers(),
    )
    assert added.status_code == 200, added.text
    report = added.json()
    assert report["changed"] == len(picked)
    assert report["not_found"] == ["NO-SUCH-ID"] and report["out_of_scope"] == [outside]
    assert _members(manager, sid) == set(picked)
    assert manager.client.get(f"{url}/count").json()["count"] == len(picked)

    # not shared: the broker cannot see it
    assert broker.client.get(url).status_code == 404
    shared = manager.client.post(
        f"{url}/shares", json={"user": broker.username}, headers=manager.headers()
    )
    assert shared.status_code == 200, shared.text
    seen = broker.client.get(url).json()
    assert (seen["shared"], seen["editable"], seen["owned"]) == ("read", False, False)
    assert _members(broker, sid) == set(picked) & mine  # only the broker's own customers
    refused = broker.client.patch(url, json={"name": "x"}, headers=broker.headers())
    assert refused.status_code == 403
    refused = broker.client.post(
        f"{url}/members", json={"customer_ids": picked[:1]}, headers=broker.headers()
    )
    assert refused.status_code == 403
    # editable: may rename and change members, never delete nor share
    manager.client.post(
        f"{url}/shares", json={"user": broker.username, "can_edit": True}, headers=manager.headers()
    )
    renamed = broker.client.patch(url, json={"name": "改名"}, headers=broker.headers())
    assert renamed.status_code == 200 and renamed.json()["name"] == "改名"
    assert broker.client.delete(url, headers=broker.headers()).status_code == 403
    reshare = broker.client.post(f"{url}/shares", json={"user": "x"}, headers=broker.headers())
    assert reshare.status_code == 403
    listed = manager.client.get(f"{url}/shares").json()["data"]
    assert [(s["username"], s["can_edit"]) for s in listed] == [(broker.username, True)]
    # revoked: gone from the broker's groups
    gone = manager.client.delete(f"{url}/shares/{broker.username}", headers=manager.headers())
    assert gone.status_code == 204
    assert broker.client.get(url).status_code == 404
    assert sid not in {s["segment_id"] for s in broker.client.get("/api/segments").json()["data"]}


def test_all_matching_and_upload(other_client: Callable[[str], SignedIn]) -> None:
    broker = other_client("broker")
    mine = _ids(broker)
    sid = _static(broker, "全部匹配")
    query = {"search": mine[0]}
    added = broker.client.post(
        f"/api/segments/{sid}/members", json={"match": query}, headers=broker.headers()
    )
    assert added.status_code == 200, added.text
    assert _members(broker, sid) == set(_ids(broker, **query))
    upload = "客户号\n" + "\n".join(mine[:3]) + "\nNOPE\n"
    loaded = broker.client.post(
        f"/api/segments/{sid}/members/upload",
        content=upload.encode("utf-8"),
        headers={**broker.headers(), "content-type": "text/csv"},
    )
    assert loaded.status_code == 200, loaded.text
    assert loaded.json()["not_found"] == ["NOPE"]
    assert _members(broker, sid) == set(mine[:3]) | set(_ids(broker, **query))
    removed = broker.client.post(
        f"/api/segments/{sid}/members/remove",
        json={"customer_ids": mine[:1]},
        headers=broker.headers(),
    )
    assert removed.json()["changed"] == 1 and mine[0] not in _members(broker, sid)


def test_bad_input_names_the_parameter(sign_in: Callable[[str], SignedIn]) -> None:
    me = sign_in("branch_manager")
    h = me.headers()
    sid = _static(me, "坏输入")
    dynamic = me.client.post(
        "/api/segments",
        json={"name": "d", "conditions": [{"field": "total_assets_t", "op": "ge", "value": 0}]},
        headers=h,
    ).json()["segment_id"]
    cases: list[tuple[str, str, dict[str, Any], int, str]] = [
        ("POST", "/api/segments", {"json": {"name": "d"}}, 422, "conditions"),
        (
            "POST",
            "/api/segments",
            {
                "json": {
                    "name": "s",
                    "kind": "static",
                    "conditions": [{"field": "total_assets_t", "op": "ge", "value": 0}],
                }
            },
            422,
            "conditions",
        ),
        ("POST", f"/api/segments/{sid}/members", {"json": {}}, 422, "customer_ids"),
        (
            "POST",
            f"/api/segments/{sid}/members",
            {"json": {"customer_ids": ["a"], "match": {}}},
            422,
            "customer_ids",
        ),
        (
            "POST",
            f"/api/segments/{sid}/members",
            {"json": {"customer_ids": ["a\u0000"]}},
            422,
            "customer_ids",
        ),
        (
            "POST",
            f"/api/segments/{dynamic}/members",
            {"json": {"customer_ids": ["a"]}},
            422,
            "segment_id",
        ),
        (
            "POST",
            f"/api/segments/{sid}/members",
            {"json": {"match": {"f": ["bogus:eq:1"]}}},
            422,
            "bogus",
        ),
        ("POST", f"/api/segments/{sid}/members/upload", {"content": b""}, 422, "file"),
        ("POST", f"/api/segments/{sid}/members/upload", {"content": b"\xff\x00"}, 422, "file"),
        ("POST", f"/api/segments/{sid}/shares", {"json": {"user": "nobody-here"}}, 422, "user"),
        ("POST", f"/api/segments/{sid}/shares", {"json": {"user": me.username}}, 422, "user"),
        ("DELETE", f"/api/segments/{sid}/shares/nobody-here", {}, 422, "user"),
        ("POST", "/api/segments/999999/members", {"json": {"customer_ids": ["a"]}}, 404, ""),
        ("GET", "/api/segments/999999/shares", {}, 404, ""),
    ]
    for method, url, kwargs, status, named in cases:
        answer = me.client.request(method, url, headers=h, **kwargs)
        assert answer.status_code == status, (method, url, answer.text)
        assert named in answer.text, (method, url, answer.text)
