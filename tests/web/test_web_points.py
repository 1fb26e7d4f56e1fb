"""积分 through the API and the pages, on the published small brokerage: a broker sees the
points of their own customers only (another's answers 404 like an unknown one), redeems from
the catalogue head office keeps (the balance drops, the stock too; too much is refused),
cancels (the points come back); a manual adjustment needs a reason and head office's approval;
the report by branch adds up and is cut to a manager's branches; every read and change is
audited; the pages read in Chinese; and `points_ledger` shows the store's entries."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa

from brokerlens.store import dispose_engines, open_store
from brokerlens.store.schema import audit_log
from brokerlens.warehouse import run_query
from support.page_text import problems
from web.conftest import Published, SignedIn


def _customers(me: SignedIn) -> list[str]:
    rows = me.client.get("/api/customers", params={"page_size": 200}).json()["data"]
    return [str(r["customer_id"]) for r in rows]


def _points(me: SignedIn, customer_id: str) -> dict[str, Any]:
    answer = me.client.get(f"/api/customers/{customer_id}/points")
    assert answer.status_code == 200, answer.text
    found: dict[str, Any] = answer.json()
    return found


def rich_customer(me: SignedIn, minimum: int) -> tuple[str, int]:
    """A customer of `me` with at least `minimum` points, and their balance."""
    for customer_id in _customers(me):
        balance = int(_points(me, customer_id)["balance"])
        if balance >= minimum:
            return customer_id, balance
    raise AssertionError(f"no customer of {me.username} holds {minimum} points")


def _audited(published: Published, username: str, action: str) -> list[dict[str, Any]]:
    db = open_store(published.settings)
    with db.connect() as connection:
        rows = connection.execute(
            sa.select(audit_log)
            .where(audit_log.c.username == username, audit_log.c.action == action)
            .order_by(audit_log.c.audit_id)
        ).mappings()
        return [dict(r) for r in rows]


def _redeemed(published: Published, customer: str) -> int:
    """The customer's redemptions in `points_ledger` (net of returned points)."""
    rows = run_query(
        published.settings,
        "SELECT coalesce(sum(points), 0) FROM points_ledger WHERE customer_id = "
        f"'{customer}' AND source = 'redemption'",
    ).rows
    dispose_engines()
    return int(rows[0][0])


def _item(hq: SignedIn, price: int, stock: int | None, name: str) -> int:
    made = hq.client.post(
        "/api/points/items",
        json={"name_zh": name, "points_price": price, "stock": stock},
        headers=hq.headers(),
    )
    assert made.status_code == 201, made.text
    return int(made.json()["item_id"])


def test_a_broker_sees_their_own_customers_points_only(
    published: Published, other_client: Callable[[str], SignedIn]
) -> None:
    broker, hq = other_client("broker"), other_client("hq_marketing")
    mine = _customers(broker)
    customer, balance = rich_customer(broker, 1)
    found = _points(broker, customer)
    assert found["balance"] == balance == found["earned"] - found["used"] - found["expired"]
    # newest first; another test may have redeemed since the awards
    assert any(e["kind"] == "award" for e in found["entries"])
    seen = _audited(published, broker.username, "points_view")
    assert seen and seen[-1]["customer_ids"] == customer
    stranger = next(c for c in _customers(hq) if c not in mine)
    hidden = broker.client.get(f"/api/customers/{stranger}/points")
    unknown = broker.client.get("/api/customers/NOBODY/points")
    assert hidden.status_code == unknown.status_code == 404
    assert hidden.json()["error"].replace(stranger, "X") == unknown.json()["error"].replace(
        "NOBODY", "X"
    )


def test_redeem_cancel_and_fulfil_move_the_balance_and_the_stock(
    published: Published, other_client: Callable[[str], SignedIn]
) -> None:
    broker, hq = other_client("broker"), other_client("hq_marketing")
    customer, balance = rich_customer(broker, 4)
    redeemed_before = _redeemed(published, customer)
    refused = broker.client.post(
        "/api/points/items", json={"name_zh": "茶杯", "points_price": 1}, headers=broker.headers()
    )
    assert refused.status_code == 403  # the catalogue is head office's
    item = _item(hq, 2, 5, "积分测试茶杯")
    body = {"customer_id": customer, "item_id": item, "quantity": 2, "note": "寄到营业部"}
    placed = broker.client.post("/api/points/orders", json=body, headers=broker.headers())
    assert placed.status_code == 201, placed.text
    order = placed.json()
    assert order["points"] == 4 and order["status"] == "placed" and order["may_cancel"]
    assert _points(broker, customer)["balance"] == balance - 4
    items = {i["item_id"]: i for i in broker.client.get("/api/points/items").json()["data"]}
    assert items[item]["stock"] == 3
    too_much = {**body, "quantity": 3, "item_id": _item(hq, balance, None, "积分测试大礼包")}
    short = broker.client.post("/api/points/orders", json=too_much, headers=broker.headers())
    assert short.status_code == 409 and "积分不足" in short.json()["error"]
    out = broker.client.post(
        "/api/points/orders", json={**body, "quantity": 4}, headers=broker.headers()
    )
    assert out.status_code == 409 and "库存不足" in out.json()["error"]
    assert (
        broker.client.post(
            f"/api/points/orders/{order['order_id']}/fulfil", headers=broker.headers()
        ).status_code
        == 403
    )
    cancelled = broker.client.post(
        f"/api/points/orders/{order['order_id']}/cancel",
        json={"reason": "客户改选其他礼品"},
        headers=broker.headers(),
    )
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    assert _points(broker, customer)["balance"] == balance
    again = broker.client.post(
        f"/api/points/orders/{order['order_id']}/cancel",
        json={"reason": "再次取消"},
        headers=broker.headers(),
    )
    assert again.status_code == 409
    second = broker.client.post(
        "/api/points/orders", json={**body, "quantity": 1}, headers=broker.headers()
    ).json()
    done = hq.client.post(f"/api/points/orders/{second['order_id']}/fulfil", headers=hq.headers())
    assert done.status_code == 200 and done.json()["status"] == "fulfilled"
    assert _points(broker, customer)["balance"] == balance - 2
    listed = broker.client.get("/api/points/orders", params={"customer_id": customer}).json()
    assert {o["status"] for o in listed["data"]} >= {"cancelled", "fulfilled"}
    for action in ("points_redeem", "points_order_cancel", "points_orders_view"):
        assert _audited(published, broker.username, action), action
    assert _audited(published, hq.username, "points_order_fulfil")
    assert _audited(published, hq.username, "points_item_add")
    # placed -4, +4 back, placed -2 (another test may have redeemed before: the difference)
    assert _redeemed(published, customer) - redeemed_before == -2


def test_an_adjustment_needs_a_reason_and_head_office_approval(
    published: Published, other_client: Callable[[str], SignedIn]
) -> None:
    manager, hq, broker = (
        other_client("branch_manager"),
        other_client("hq_marketing"),
        other_client("broker"),
    )
    customer, balance = rich_customer(manager, 1)
    body = {"customer_id": customer, "points": 25, "reason": ""}
    blank = manager.client.post("/api/points/adjustments", json=body, headers=manager.headers())
    assert blank.status_code == 422
    body["reason"] = "   "
    spaces = manager.client.post("/api/points/adjustments", json=body, headers=manager.headers())
    assert spaces.status_code == 422 and "reason" in spaces.json()["error"]
    beyond = {**body, "points": -(balance + 1), "reason": "冲销"}
    over = manager.client.post("/api/points/adjustments", json=beyond, headers=manager.headers())
    assert over.status_code == 422 and "points" in over.json()["error"]
    denied = broker.client.post(
        "/api/points/adjustments", json={**body, "reason": "补发"}, headers=broker.headers()
    )
    assert denied.status_code == 403  # a broker has no adjust_points
    asked = manager.client.post(
        "/api/points/adjustments",
        json={**body, "reason": "活动奖励补发"},
        headers=manager.headers(),
    )
    assert asked.status_code == 201, asked.text
    request_id = asked.json()["request_id"]
    assert _points(manager, customer)["balance"] == balance  # nothing before the approval
    own = manager.client.post(
        f"/api/approvals/{request_id}/approve", json={"comment": "自批"}, headers=manager.headers()
    )
    assert own.status_code == 403
    approved = hq.client.post(
        f"/api/approvals/{request_id}/approve", json={"comment": "同意"}, headers=hq.headers()
    )
    assert approved.status_code == 200 and approved.json()["status"] == "approved", approved.text
    after = _points(manager, customer)
    assert after["balance"] == balance + 25
    top = after["entries"][0]
    assert top["kind"] == "adjustment" and top["points"] == 25 and top["note"] == "活动奖励补发"
    assert top["expires_on"] is not None
    assert _audited(published, manager.username, "approval_request")[-1]["customer_ids"] == customer
    assert _audited(published, hq.username, "points_adjust")[-1]["customer_ids"] == customer


def test_the_report_by_branch_adds_up_and_is_cut_to_a_managers_branches(
    published: Published, other_client: Callable[[str], SignedIn]
) -> None:
    hq, manager, broker = (
        other_client("hq_marketing"),
        other_client("branch_manager"),
        other_client("broker"),
    )
    whole = hq.client.get("/api/points/report").json()
    assert whole["whole"] and len(whole["data"]) >= 2
    for row in [*whole["data"], whole["total"]]:
        assert row["outstanding"] == (
            row["issued"] + row["adjusted"] - row["redeemed"] - row["expired"]
        )
    issued = run_query(
        published.settings,
        "SELECT sum(points) FROM points_ledger WHERE source NOT IN ('adjustment', 'redemption')",
    ).rows[0][0]
    dispose_engines()
    assert whole["total"]["issued"] == issued
    own = manager.client.get("/api/points/report").json()
    unit = manager.client.get("/api/me").json()["user"]["unit_id"]
    assert not own["whole"] and [r["branch_id"] for r in own["data"]] == [unit]
    assert broker.client.get("/api/points/report").status_code == 403
    exported = hq.client.get("/api/points/report/export.csv")
    assert exported.status_code == 200
    table = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig"))))
    assert table[0][:3] == ["数据日期", "营业部", "累计发放积分"]
    assert len(table) == len(whole["data"]) + 2  # the header, each branch, the total
    assert _audited(published, hq.username, "points_report_export")


def test_the_points_pages_read_in_chinese(
    published: Published, other_client: Callable[[str], SignedIn]
) -> None:
    broker, hq = other_client("broker"), other_client("hq_marketing")
    customer, _ = rich_customer(broker, 1)
    hx = {"HX-Request": "true"}
    panel = broker.client.get(f"/customers/{customer}/points", headers=hx)
    assert panel.status_code == 200 and 'id="points-balance"' in panel.text
    assert problems(panel.text) == []
    moved = broker.client.get(f"/customers/{customer}/points")
    assert moved.status_code == 303 and moved.headers["location"].endswith("#points-panel")
    for me, url in (
        (broker, "/points/catalogue"),
        (broker, "/points/orders"),
        (hq, "/points/catalogue"),
        (hq, "/points/orders?status=placed"),
        (hq, "/points/report"),
    ):
        page = me.client.get(url)
        assert page.status_code == 200, url
        assert problems(page.text) == [], url
    assert 'id="points-panel"' in broker.client.get(f"/customers/{customer}").text
    refused = broker.client.post(
        f"/customers/{customer}/points/redeem",
        data={"item_id": "x", "csrf_token": broker.csrf},
        headers=hx,
    )
    assert refused.status_code == 422 and 'data-field="item_id"' in refused.text


def test_head_office_keeps_the_catalogue_on_its_page(
    other_client: Callable[[str], SignedIn],
) -> None:
    hq, broker = other_client("hq_marketing"), other_client("broker")
    form = {"name_zh": "积分测试雨伞", "kind": "goods", "points_price": "十", "csrf_token": hq.csrf}
    bad = hq.client.post("/points/catalogue", data=form)
    assert bad.status_code == 422 and 'data-field="points_price"' in bad.text
    assert 'value="积分测试雨伞"' in bad.text  # what was typed stays
    made = hq.client.post("/points/catalogue", data={**form, "points_price": "1,200", "stock": "5"})
    assert made.status_code == 303
    page = hq.client.get("/points/catalogue").text
    row = page[page.index("积分测试雨伞") :]
    assert "1,200" in row[:400] and problems(page) == []
    item = int(page[: page.index("积分测试雨伞")].rsplit('data-item="', 1)[1].split('"')[0])
    off = {"name_zh": "积分测试雨伞", "kind": "goods", "points_price": "1200", "stock": "5"}
    hq.client.post(
        f"/points/catalogue/{item}", data={**off, "active": "off", "csrf_token": hq.csrf}
    )
    offered = [i["item_id"] for i in broker.client.get("/api/points/items").json()["data"]]
    assert item not in offered  # taken off: no longer offered to redeem
    denied = broker.client.post("/points/catalogue", data={**form, "csrf_token": broker.csrf})
    assert denied.status_code == 403
