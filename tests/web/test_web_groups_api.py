"""The groups API (issue 25): the live count of a tree per node, bad nodes named (400/422, never
500), and a saved nested group's history after a refresh."""

from __future__ import annotations

from collections.abc import Callable

from brokerlens.access import refresh_group_members
from brokerlens.store import open_store
from web.conftest import Published, SignedIn

RICH = {"field": "total_assets_t", "op": "ge", "value": 100000}


def test_preview_counts_each_node_and_names_a_bad_one(
    sign_in: Callable[[str], SignedIn], published: Published
) -> None:
    hq = sign_in("hq_marketing")
    tree = {"any": [RICH, {"not": {"field": "total_assets_t", "op": "ge", "value": 1000}}]}
    response = hq.client.post(
        "/api/segments/preview", json={"conditions": tree}, headers=hq.headers()
    )
    assert response.status_code == 200, response.text
    body = response.json()
    counts = {n["path"]: n["count"] for n in body["nodes"]}
    assert counts["conditions"] == body["total"] >= counts["conditions.any[0]"]
    for bad, where in (
        ({"any": [RICH, {"field": "total_assets_t", "op": "ge", "value": "x"}]}, "any[1].value"),
        ({"any": [RICH, {"not": {"alert": []}}]}, "any[1].not.alert"),
        ({"all": "x"}, "conditions.all"),
        ([{"in_group": 0}], "conditions[0].in_group"),
    ):
        answer = hq.client.post(
            "/api/segments/preview", json={"conditions": bad}, headers=hq.headers()
        )
        assert answer.status_code in (400, 422), answer.text
        assert where in answer.text


def test_a_nested_group_is_saved_and_its_history_read(
    sign_in: Callable[[str], SignedIn], published: Published
) -> None:
    hq = sign_in("hq_marketing")
    made = hq.client.post(
        "/api/segments",
        json={"name": "nested", "conditions": [{"any": [RICH, {"no_contact_days": 30}]}]},
        headers=hq.headers(),
    )
    assert made.status_code == 201, made.text
    gid = made.json()["segment_id"]
    assert made.json()["conditions"][0]["any"][1] == {"no_contact_days": 30}
    refresh_group_members(open_store(published.settings), published.settings)
    history = hq.client.get(f"/api/segments/{gid}/history").json()
    assert len(history) == 1 and history[0]["entered"] == history[0]["members"] > 0
    day = history[0]["as_of_date"]
    changes = hq.client.get(f"/api/segments/{gid}/changes", params={"date": day}).json()
    assert changes["total"] == history[0]["entered"]
    members = hq.client.get(f"/api/segments/{gid}/members-as-of", params={"date": day}).json()
    assert members["count"] == history[0]["members"]
    bad = hq.client.get(f"/api/segments/{gid}/changes", params={"date": "nope"})
    assert bad.status_code == 422
