"""工单 through the API and the pages, as the demo users: a branch manager gives the broker a
work order about one of the broker's customers; the broker starts and finishes it on the page;
a cancel without a note is said beside the field; another broker sees none of it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from web.conftest import SignedIn


def test_a_work_order_from_the_manager_to_the_broker(
    sign_in: Callable[[str], SignedIn],
) -> None:
    broker = sign_in("broker")
    customer = broker.client.get("/api/customers", params={"page_size": 1}).json()["data"][0]
    broker_name = broker.username
    manager = sign_in("branch_manager")
    body = {
        "title": "核实客户联系方式",
        "assignee": broker_name,
        "customer_id": customer["customer_id"],
        "due_date": str(dt.date.today() + dt.timedelta(days=3)),
    }
    made = manager.client.post("/api/work-orders", json=body, headers=manager.headers())
    assert made.status_code == 201, made.text
    oid = made.json()["order_id"]
    assert made.json()["status"] == "open" and made.json()["may_manage"]
    unit = manager.client.get("/api/work-orders", params={"view": "unit"}).json()["data"]
    assert oid in [o["order_id"] for o in unit]
    bad = manager.client.post(
        "/work-orders", data={"csrf_token": manager.csrf, "title": "x", "assignee": "nobody"}
    )
    assert bad.status_code == 422 and 'data-field="assignee"' in bad.text

    broker = sign_in("broker")
    page = broker.client.get("/work-orders")
    assert page.status_code == 200 and f'data-order="{oid}"' in page.text
    shown = broker.client.get(f"/work-orders/{oid}")
    assert 'id="start-order"' in shown.text and 'id="reassign-order"' not in shown.text
    started = broker.client.post(
        f"/work-orders/{oid}/status", data={"csrf_token": broker.csrf, "status": "in_progress"}
    )
    assert started.status_code == 303
    empty = broker.client.post(
        f"/work-orders/{oid}/status",
        data={"csrf_token": broker.csrf, "status": "cancelled", "note": ""},
    )
    assert empty.status_code == 422 and "取消须填写原因" in empty.text
    done = broker.client.post(
        f"/work-orders/{oid}/status",
        data={"csrf_token": broker.csrf, "status": "done", "note": "已核实"},
    )
    assert done.status_code == 303
    final = broker.client.get(f"/api/work-orders/{oid}").json()
    assert final["status"] == "done" and final["note"] == "已核实"
    again = broker.client.post(
        f"/api/work-orders/{oid}/status", json={"status": "in_progress"}, headers=broker.headers()
    )
    assert again.status_code == 409

    advisor = sign_in("advisor")
    assert advisor.client.get(f"/api/work-orders/{oid}").status_code == 404
