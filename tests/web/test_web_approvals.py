"""待审批 through the API and the pages, as the demo users: a branch manager asks for a
threshold change, head office sees it waiting (the home page's count, the list, the request in
words), rejects without a comment (said beside the field), approves; the requester cannot decide
their own; a broker sees none of it. (An investor class request in compliance's 待审批:
test_web_suitability.)"""

from __future__ import annotations

from collections.abc import Callable

from web.conftest import SignedIn


def _ask(me: SignedIn, branch: str, extra: int) -> dict:
    body = {
        "alert_id": "fund_movement",
        "branch_id": branch,
        "params": {"min_amount": 70_000.0 + extra},
        "reason": "旺季",
    }
    asked = me.client.post("/api/alerts/thresholds", json=body, headers=me.headers())
    assert asked.status_code == 202, asked.text
    return asked.json()


def test_a_request_waits_for_head_office_and_is_decided_on_the_page(
    sign_in: Callable[[str], SignedIn],
) -> None:
    me = sign_in("branch_manager")
    branch = me.client.get("/api/me").json()["user"]["unit_id"]
    asked = _ask(me, branch, 7)
    rid = asked["request_id"]
    assert asked["status"] == "pending" and asked["kind"] == "alert_thresholds"
    assert dict(asked["described"])["适用范围"] == branch
    mine = me.client.get("/api/approvals", params={"view": "mine"}).json()["data"]
    assert rid in [a["request_id"] for a in mine]
    refused = me.client.post(f"/api/approvals/{rid}/approve", json={}, headers=me.headers())
    assert refused.status_code == 403 and "someone else" in refused.json()["error"]

    broker = sign_in("broker")
    assert broker.client.get(f"/api/approvals/{rid}").status_code == 404
    assert broker.client.get("/api/approvals").json()["count"] == 0

    hq = sign_in("hq_marketing")
    home = hq.client.get("/")
    assert 'id="home-approvals"' in home.text and "项申请待您审批" in home.text
    listed = hq.client.get("/approvals")
    assert listed.status_code == 200 and f'data-request="{rid}"' in listed.text
    shown = hq.client.get(f"/approvals/{rid}")
    assert shown.status_code == 200 and 'id="approve"' in shown.text
    assert "旺季" in shown.text and branch in shown.text
    empty = hq.client.post(f"/approvals/{rid}/reject", data={"csrf_token": hq.csrf, "comment": " "})
    assert empty.status_code == 422 and "驳回须填写意见" in empty.text
    done = hq.client.post(f"/approvals/{rid}/approve", data={"csrf_token": hq.csrf})
    assert done.status_code == 303 and done.headers["location"] == f"/approvals/{rid}"
    after = hq.client.get(f"/approvals/{rid}")
    assert 'data-status="approved"' in after.text and 'id="approval-effect"' in after.text
    history = hq.client.get("/api/approvals", params={"view": "history"}).json()["data"]
    assert rid in [a["request_id"] for a in history]
    again = hq.client.post(
        f"/api/approvals/{rid}/reject", json={"comment": "x"}, headers=hq.headers()
    )
    assert again.status_code == 409


def test_withdraw_by_the_requester_and_a_rejection_read_back(
    sign_in: Callable[[str], SignedIn],
) -> None:
    me = sign_in("branch_manager")
    branch = me.client.get("/api/me").json()["user"]["unit_id"]
    first = _ask(me, branch, 11)["request_id"]
    gone = me.client.post(f"/api/approvals/{first}/withdraw", json={}, headers=me.headers())
    assert gone.status_code == 200 and gone.json()["status"] == "withdrawn"
    second = _ask(me, branch, 13)["request_id"]
    hq = sign_in("hq_marketing")
    no = hq.client.post(
        f"/api/approvals/{second}/reject", json={"comment": "过高"}, headers=hq.headers()
    )
    assert no.status_code == 200 and no.json()["comment"] == "过高"
    me = sign_in("branch_manager")
    page = me.client.get("/approvals?view=mine")
    assert f'data-request="{second}" data-status="rejected"' in page.text
    assert f'data-request="{first}" data-status="withdrawn"' in page.text
    assert me.client.get("/approvals/999999").status_code == 404
    bad = me.client.get("/api/approvals", params={"view": "everything"})
    assert bad.status_code == 422
