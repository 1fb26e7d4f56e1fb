"""Customer groups' pages (issue 25): a static group made, filled from the customer list (ticked
rows, all matching), from the 360 and by an uploaded list with its report, members removed,
shared with a colleague and revoked; Chinese labels throughout."""

from __future__ import annotations

import re
from collections.abc import Callable

from web.conftest import SignedIn


def _ids(me: SignedIn, **params: str) -> list[str]:
    rows = me.client.get("/api/customers", params={"page_size": 200, **params}).json()["data"]
    return [str(r["customer_id"]) for r in rows]


def test_static_group_pages(other_client: Callable[[str], SignedIn]) -> None:
    me, broker = other_client("branch_manager"), other_client("broker")
    form = {"csrf_token": me.csrf}
    assert "新建静态分组" in me.client.get("/segments/new-static").text
    made = me.client.post("/segments/new-static", data={**form, "name": "页面静态分组"})
    assert made.status_code == 303, made.text
    url = made.headers["location"]
    sid = url.rsplit("/", 1)[-1]

    listing = me.client.get("/customers")
    assert 'id="add-to-group"' in listing.text and 'form="add-to-group"' in listing.text
    assert "页面静态分组" in listing.text
    mine = _ids(me)
    ticked = me.client.post(
        "/groups/add", data={**form, "segment_id": sid, "how": "selected", "customer_ids": mine[:2]}
    )
    assert ticked.status_code == 200, ticked.text
    assert "已添加 2 位客户" in ticked.text
    every = me.client.post(
        f"/groups/add?search={mine[2]}", data={**form, "segment_id": sid, "how": "all"}
    )
    assert "已添加 1 位客户" in every.text, every.text

    slot = me.client.get(f"/customers/{mine[3]}/groups")
    assert "加入客户分组" in slot.text and f'value="{sid}"' in slot.text
    from_360 = me.client.post(
        "/groups/add",
        data={**form, "segment_id": sid, "customer_ids": mine[3], "source": "360"},
    )
    assert "已添加 1 位客户" in from_360.text

    page = me.client.get(url)
    assert page.status_code == 200, page.text[:2000]
    for marker in ('id="group-kind"', "静态分组", 'id="remove-members"', 'id="group-upload"'):
        assert marker in page.text, marker
    assert 'id="builder"' not in page.text  # a static group has no conditions
    assert all(f'value="{c}" form="remove-members"' in page.text for c in mine[:4])

    uploaded = me.client.post(
        f"{url}/members/upload",
        data=form,
        files={"file": ("ids.csv", f"客户号\n{mine[4]}\nNOPE-1\n".encode(), "text/csv")},
    )
    assert uploaded.status_code == 200, uploaded.text
    assert "已添加 1 位客户" in uploaded.text and "1 个客户号不存在" in uploaded.text
    assert "NOPE-1" in uploaded.text
    removed = me.client.post(f"{url}/members/remove", data={**form, "customer_ids": mine[:1]})
    assert "已移除 1 位客户" in removed.text

    shared = me.client.post(
        f"{url}/shares", data={**form, "user": broker.username, "access": "read"}
    )
    assert shared.status_code == 303
    page = me.client.get(url).text
    assert re.search(r'id="share-list".*' + re.escape(broker.username), page, re.S)
    theirs = broker.client.get(url)
    assert theirs.status_code == 200 and "共享给我（只读）" in theirs.text
    assert 'id="remove-members"' not in theirs.text and 'id="share-form"' not in theirs.text
    assert "共享给我（只读）" in broker.client.get("/segments").text
    revoked = me.client.post(f"{url}/shares/{broker.username}/delete", data=form)
    assert revoked.status_code == 303
    assert broker.client.get(url).status_code == 404


def test_group_pages_refuse_bad_input(sign_in: Callable[[str], SignedIn]) -> None:
    me = sign_in("branch_manager")
    form = {"csrf_token": me.csrf}
    assert me.client.post("/segments/new-static", data={**form, "name": " "}).status_code == 422
    bad = me.client.post("/groups/add", data={**form, "segment_id": "x", "how": "selected"})
    assert bad.status_code == 422
    made = me.client.post("/segments/new-static", data={**form, "name": "坏输入页面"})
    url = made.headers["location"]
    empty = me.client.post(f"{url}/members/upload", data=form)
    assert empty.status_code == 422
    nobody = me.client.post(f"{url}/shares", data={**form, "user": "nobody-here"})
    assert nobody.status_code == 422
