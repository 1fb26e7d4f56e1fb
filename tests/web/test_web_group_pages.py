"""Customer groups' pages (issue 25): the builder of nested conditions (add and remove nodes, a
count per node, an error beside the node it names, a nested tree saved from the form), the
group's history page after a refresh, and the group profile (page and API) against the book."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from brokerlens.access import refresh_group_members
from brokerlens.store import open_store
from web.conftest import Published, SignedIn

HX = {"HX-Request": "true"}


def _form(me: SignedIn, **extra: Any) -> dict[str, Any]:
    return {"csrf_token": me.csrf, "name": "嵌套分组", "visibility": "private", **extra}


# an OR of two conditions and a NOT of one, as the builder's form posts it
NESTED = {
    "node": ["0|any", "0.0|leaf", "0.1|leaf", "1|not", "1.0|leaf"],
    "field": ["total_assets_t", "total_assets_t", "total_assets_t"],
    "op": ["ge", "lt", "lt"],
    "value": ["1000000", "10000", "100"],
}


def _counts(html: str) -> dict[str, str]:
    return dict(re.findall(r'id="nc-([\w-]+)"[^>]*>([^<]*)<', html))


def test_the_builder_adds_groups_counts_each_node_and_saves_the_tree(
    sign_in: Callable[[str], SignedIn], published: Published
) -> None:
    me = sign_in("hq_marketing")
    page = me.client.get("/segments/new")
    assert page.status_code == 200
    assert 'data-add="any"' in page.text and "满足任一" in page.text and "不满足" in page.text
    # add an OR group at the top: it comes with one empty condition
    added = me.client.post(
        "/segments/builder",
        params={"do": "add", "at": "", "kind": "any"},
        data=_form(me, node=["0|leaf"], field=[""], op=["eq"], value=[""]),
        headers=HX,
    )
    assert added.status_code == 200, added.text
    assert 'value="1|any"' in added.text and 'value="1.0|leaf"' in added.text
    removed = me.client.post(
        "/segments/builder",
        params={"do": "remove", "at": "0"},
        data=_form(me, node=["0|leaf", "1|any", "1.0|leaf"], field=["", ""], op=["eq", "eq"]),
        headers=HX,
    )
    assert 'value="0|any"' in removed.text and 'value="1|any"' not in removed.text
    # each node's count: the OR at least each of its conditions, the whole at most the OR
    counted = me.client.post("/segments/builder/counts", data=_form(me, **NESTED), headers=HX)
    assert counted.status_code == 200, counted.text
    counts = {k: int(v.replace(",", "")) for k, v in _counts(counted.text).items()}
    assert counts["0"] >= max(counts["0-0"], counts["0-1"]) > 0
    everyone = me.client.get("/api/customers").json()["count"]
    assert counts["1"] == everyone - counts["1-0"]
    total = int(re.search(r'id="live-count-value">([\d,]+)<', counted.text)[1].replace(",", ""))
    assert total <= counts["0"]
    # saved: the tree as the form held it
    saved = me.client.post("/segments", data=_form(me, **NESTED))
    assert saved.status_code == 303, saved.text
    gid = int(saved.headers["location"].rsplit("/", 1)[1])
    stored = me.client.get(f"/api/segments/{gid}").json()["conditions"]
    assert set(stored[0]) == {"any"} and len(stored[0]["any"]) == 2
    assert stored[1]["not"]["op"] == "lt"
    assert me.client.get(f"/api/segments/{gid}/count").json()["count"] == total
    shown = me.client.get(f"/segments/{gid}")
    assert shown.status_code == 200 and 'value="1.0|leaf"' in shown.text


def test_the_new_leaf_kinds_and_an_error_beside_its_node(
    sign_in: Callable[[str], SignedIn],
) -> None:
    me = sign_in("hq_marketing")
    form = _form(
        me,
        node=["0|any", "0.0|no_contact", "0.1|leaf", "1|alert"],
        field=["total_assets_t"],
        op=["ge"],
        value=["lots"],
        **{"number.0.0": "90", "alert.1": ["big_out"], "days.1": "30"},
    )
    counted = me.client.post("/segments/builder/counts", data=form, headers=HX)
    assert counted.status_code == 200
    error = re.search(r'id="ne-0-1"[^>]*>(.*?)</div>', counted.text, re.S)
    assert error and "value" in error[1] and "此项有误" in error[1]
    saved = me.client.post("/segments", data=form)
    assert saved.status_code == 400
    assert re.search(r'id="ne-0-1"[^>]*>[^<]*此项有误', saved.text)
    form["value"] = ["100000"]
    saved = me.client.post("/segments", data=form)
    assert saved.status_code == 303, saved.text[:2000]
    gid = int(saved.headers["location"].rsplit("/", 1)[1])
    stored = me.client.get(f"/api/segments/{gid}").json()["conditions"]
    assert stored[0]["any"][0] == {"no_contact_days": 90}
    assert stored[1] == {"alert": ["big_out"], "days": 30}
    # an empty group is named when saving
    empty = me.client.post("/segments", data=_form(me, node=["0|not"]))
    assert empty.status_code == 400 and re.search(r'id="ne-0"[^>]*>[^<]*此项有误', empty.text)


def test_bad_builder_input_is_refused_never_a_500(sign_in: Callable[[str], SignedIn]) -> None:
    me = sign_in("team_lead")
    for params, data in (
        ({"do": "add", "at": "9", "kind": "any"}, {}),
        ({"do": "add", "at": "", "kind": "nope"}, {}),
        ({"do": "explode"}, {}),
        ({"do": "remove", "at": "3"}, {}),
        ({"do": "add", "at": ""}, {"node": ["x|leaf"]}),
        ({"do": "add", "at": ""}, {"node": ["0|any"] * 200}),
    ):
        answer = me.client.post(
            "/segments/builder", params=params, data=_form(me, **data), headers=HX
        )
        assert answer.status_code in (400, 422), (params, answer.text[:300])
    weird = me.client.post(
        "/segments/builder/counts",
        data=_form(me, node=["0|in_group"], **{"number.0": "abc"}),
        headers=HX,
    )
    assert weird.status_code == 200 and "此项有误" in weird.text


def test_the_history_page_after_a_refresh(
    sign_in: Callable[[str], SignedIn], published: Published
) -> None:
    me = sign_in("hq_marketing")
    made = me.client.post(
        "/api/segments",
        json={
            "name": "历史页",
            "conditions": [{"any": [{"field": "total_assets_t", "op": "ge", "value": 100000}]}],
        },
        headers=me.headers(),
    )
    gid = made.json()["segment_id"]
    empty = me.client.get(f"/segments/{gid}/history")
    assert empty.status_code == 200 and 'id="history-empty"' in empty.text
    refresh_group_members(open_store(published.settings), published.settings)
    history = me.client.get(f"/api/segments/{gid}/history").json()
    page = me.client.get(f"/segments/{gid}/history")
    assert page.status_code == 200, page.text[:500]
    day = history[-1]["as_of_date"]
    assert f'data-date="{day}"' in page.text and "group-trend-data" in page.text
    entered = re.search(rf'data-date="{day}".*?data-entered="(\d+)"', page.text, re.S)
    assert entered and int(entered[1]) == history[-1]["entered"] > 0
    rows = re.findall(r'data-change="(entered|left)"', page.text)
    assert rows and set(rows) == {"entered"}
    assert "进入" in page.text and "满足" in page.text  # why, in words
    second = me.client.get(f"/segments/{gid}/changes", params={"date": day, "page": 2}, headers=HX)
    assert second.status_code == 200
    as_of = me.client.get(f"/segments/{gid}/history", params={"as_of": day})
    count = re.search(r'id="as-of-total" data-count="(\d+)"', as_of.text)
    assert count and int(count[1]) == history[-1]["members"]
    for bad in ({"date": "nope"}, {"as_of": "2025-13-01"}, {"page": "0"}):
        assert me.client.get(f"/segments/{gid}/history", params=bad).status_code == 422
    assert me.client.get("/segments/999999999/history").status_code == 404


def test_the_group_profile_against_the_book(
    sign_in: Callable[[str], SignedIn], published: Published
) -> None:
    me = sign_in("branch_manager")
    made = me.client.post(
        "/api/segments",
        json={
            "name": "画像",
            "conditions": [{"field": "total_assets_t", "op": "ge", "value": 100000}],
        },
        headers=me.headers(),
    )
    gid = made.json()["segment_id"]
    found = me.client.get(f"/api/segments/{gid}/profile")
    assert found.status_code == 200, found.text
    body = found.json()
    assert body["book_total"] == me.client.get("/api/customers").json()["count"]
    assert body["group_total"] == me.client.get(f"/api/segments/{gid}/count").json()["count"]
    names = [d["name"] for d in body["dimensions"]]
    assert "customer_tier" in names and "branch_id" in names
    for dim in body["dimensions"]:
        assert sum(b["book"] for b in dim["buckets"]) == body["book_total"]
        assert sum(b["group"] for b in dim["buckets"]) == body["group_total"]
        assert all(b["group"] <= b["book"] for b in dim["buckets"])
    page = me.client.get(f"/segments/{gid}/profile")
    assert page.status_code == 200 and 'id="dim-customer_tier"' in page.text
    assert "本群占比" in page.text and "全部客户占比" in page.text
    audit = me.client.get("/api/segments/999999999/profile")
    assert audit.status_code == 404
    assert me.client.get("/api/segments/abc/profile").status_code == 422
