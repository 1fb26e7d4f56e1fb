"""经纪人树 on the published small brokerage, as the demo users: the tree page and its API (levels,
team sizes, a branch manager's own branch only), a skip-level move refused with the reason in
Chinese beside its field, a removal asked for and waiting for approval, the unit tree as of a
date, and a staff member's history slot (404 out of reach)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from web.conftest import SignedIn


def _flat(roots: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    for member in roots:
        yield member
        yield from _flat(member["children"])


def _tree(me: SignedIn, **params: str) -> dict[str, Any]:
    answer = me.client.get("/api/org/broker-tree", params=params)
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


def test_the_tree_has_levels_team_sizes_and_stays_in_the_reader_s_units(
    sign_in: Callable[[str], SignedIn],
) -> None:
    hq = sign_in("hq_marketing")
    everyone = list(_flat(_tree(hq)["roots"]))
    assert everyone, "the small brokerage has a broker tree"
    for m in everyone:
        assert m["total"] == sum(1 + c["total"] for c in m["children"])
        assert m["direct"] == len(m["children"])
        for c in m["children"]:
            assert c["depth"] == m["depth"] + 1
            assert c["skips_level"] == (c["level"] != m["level"] - 1)
    levels = {m["position"]: m["level"] for m in everyone}
    assert levels.get("broker") == 1 and levels.get("team_lead") == 2
    assert levels.get("branch_manager") == 3
    page = hq.client.get("/org/tree")
    assert page.status_code == 200 and 'id="broker-tree"' in page.text
    assert "经纪人树" in page.text and 'id="tree-change-form"' in page.text

    manager = sign_in("branch_manager")
    mine = list(_flat(_tree(manager)["roots"]))
    assert mine and len(mine) < len(everyone)
    assert len({m["staff_id"] for m in mine if m["position"] == "branch_manager"}) == 1
    broker = sign_in("broker")
    assert 'id="tree-change-form"' not in broker.client.get("/org/tree").text


def test_a_skip_level_move_is_refused_beside_its_field_and_a_removal_waits(
    sign_in: Callable[[str], SignedIn],
) -> None:
    manager = sign_in("branch_manager")
    mine = list(_flat(_tree(manager)["roots"]))
    top = next(m for m in mine if m["position"] == "branch_manager")
    broker = next(m for m in mine if m["position"] == "broker" and not m["skips_level"])
    refused = manager.client.post(
        "/org/tree/changes",
        data={
            "csrf_token": manager.csrf,
            "op": "move",
            "staff_id": broker["staff_id"],
            "manager_id": top["staff_id"],
        },
    )
    assert refused.status_code == 422
    assert 'data-field="manager_id"' in refused.text and "不得越级" in refused.text
    api = manager.client.post(
        "/api/org/tree-changes",
        json={"op": "move", "staff_id": broker["staff_id"], "manager_id": top["staff_id"]},
        headers=manager.headers(),
    )
    assert api.status_code == 422 and "level 3" in api.json()["error"]
    asked = manager.client.post(
        "/org/tree/changes",
        data={"csrf_token": manager.csrf, "op": "remove", "staff_id": broker["staff_id"]},
        follow_redirects=False,
    )
    assert asked.status_code == 303, asked.text
    request_path = asked.headers["location"]
    shown = manager.client.get(request_path)
    assert shown.status_code == 200 and "经纪人树调整" in shown.text
    withdrawn = manager.client.post(
        "/api" + request_path + "/withdraw", json={}, headers=manager.headers()
    )
    assert withdrawn.status_code == 200, withdrawn.text


def test_the_unit_tree_as_of_a_date_and_the_history_slot(
    sign_in: Callable[[str], SignedIn],
) -> None:
    hq = sign_in("hq_marketing")
    day = _tree(hq)["as_of"]
    page = hq.client.get("/org", params={"as_of": day})
    assert page.status_code == 200 and 'id="org-asof"' in page.text
    assert hq.client.get("/org", params={"as_of": "not-a-date"}).status_code == 422
    units = hq.client.get("/api/org/tree", params={"as_of": day}).json()
    assert units == hq.client.get("/api/org/tree").json()  # the served date: the store's tree
    broker = sign_in("broker")
    own = broker.client.get("/api/me").json()["user"]["staff_id"]
    slot = broker.client.get(f"/staff/{own}/history")
    assert slot.status_code == 200 and 'id="staff-history"' in slot.text and "入职" in slot.text
    events = broker.client.get(f"/api/staff/{own}/history").json()["events"]
    assert events[0]["kind"] == "hire"
    other = next(m["staff_id"] for m in _flat(_tree(hq)["roots"]) if m["staff_id"] != own)
    assert broker.client.get(f"/staff/{other}/history").status_code == 404
    assert broker.client.get(f"/api/staff/{other}/history").status_code == 404


def test_a_large_tree_shows_managers_and_opens_a_branch(
    sign_in: Callable[[str], SignedIn], monkeypatch: pytest.MonkeyPatch
) -> None:
    from brokerlens.web.pages import broker_tree

    monkeypatch.setattr(broker_tree, "PAGE_MEMBERS", 1)
    hq = sign_in("hq_marketing")
    everyone = list(_flat(_tree(hq)["roots"]))
    top = next(m for m in everyone if m["position"] == "branch_manager" and m["total"])
    brokers = {m["staff_id"] for m in everyone if m["level"] == 1}
    page = hq.client.get("/org/tree")
    assert page.status_code == 200 and 'id="tree-managers-only"' in page.text
    assert not any(f'data-staff="{b}"' in page.text for b in brokers)
    assert f"/org/tree?unit_id={top['unit_id']}" in page.text
    branch = _tree(hq, unit_id=top["unit_id"])
    below = {m["staff_id"] for m in _flat(branch["roots"])}
    assert top["staff_id"] in below and len(below) == top["total"] + 1
    assert hq.client.get("/org/tree", params={"unit_id": "nope"}).status_code == 404
