"""投诉与建议 over the web: intake through the API and the page (a refused field named), the list
and a complaint in scope, who may handle it (403 for a broker), assign -> resolve (a call-back
scheduled) -> reopen, the annual summary with its .xlsx and .csv export, and the 360's panel."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from collections.abc import Callable

import pytest

from web.conftest import Published, SignedIn


def _mine(me: SignedIn) -> list[str]:
    body = me.client.get("/api/customers", params={"page_size": 50}).json()
    return [r["customer_id"] for r in body["data"]]


def _file(me: SignedIn, customer_id: str, **changes: str) -> dict[str, object]:
    body = {
        "customer_id": customer_id,
        "channel": "phone",
        "category": "服务态度",
        "content": "客户反映营业部柜台人员态度不佳",
        **changes,
    }
    response = me.client.post("/api/complaints", json=body, headers=me.headers())
    assert response.status_code == 201, response.text
    return dict(response.json())


def test_the_api_takes_lists_and_handles_a_complaint(
    published: Published,
    sign_in: Callable[[str], SignedIn],
    other_client: Callable[[str], SignedIn],
) -> None:
    broker = sign_in("broker")
    customer = _mine(broker)[0]
    made = _file(broker, customer)
    cid = str(made["complaint_id"])
    assert made["status"] == "open" and made["source"] == "workbench" and cid.startswith("W")
    bad = broker.client.post(
        "/api/complaints",
        json={"customer_id": customer, "channel": "phone", "category": "天气", "content": "x"},
        headers=broker.headers(),
    )
    assert bad.status_code == 422 and "category" in bad.text
    listed = broker.client.get("/api/complaints", params={"customer_id": customer}).json()
    assert cid in [r["complaint_id"] for r in listed["data"]]
    assert broker.client.get(f"/api/complaints/{cid}").json()["may_handle"] is False
    refused = broker.client.post(
        f"/api/complaints/{cid}/assign",
        json={"assigned_to": "demo_call_center"},
        headers=broker.headers(),
    )
    assert refused.status_code == 403
    compliance = other_client("compliance")
    assigned = compliance.client.post(
        f"/api/complaints/{cid}/assign",
        json={"assigned_to": "demo_call_center"},
        headers=compliance.headers(),
    )
    assert assigned.status_code == 200, assigned.text
    assert assigned.json()["status"] == "processing"
    center = other_client("call_center")
    done = center.client.post(
        f"/api/complaints/{cid}/resolve",
        json={"resolution": "已致歉并对柜员进行培训", "satisfaction": 4},
        headers=center.headers(),
    )
    assert done.status_code == 200, done.text
    assert done.json()["status"] == "closed" and done.json()["callback_id"] is not None
    again = center.client.post(
        f"/api/complaints/{cid}/resolve",
        json={"resolution": "again"},
        headers=center.headers(),
    )
    assert again.status_code == 409
    events = compliance.client.get(f"/api/complaints/{cid}").json()["events"]
    assert [e["kind"] for e in events] == ["opened", "assigned", "resolved"]
    assert broker.client.get("/api/complaints/W99999999").status_code == 404


def test_the_annual_summary_and_its_exports(
    published: Published, sign_in: Callable[[str], SignedIn]
) -> None:
    compliance = sign_in("compliance")
    _file(compliance, _mine(compliance)[0], category="佣金费用")
    year = dt.date.today().year
    summary = compliance.client.get("/api/complaints/summary", params={"year": year}).json()
    assert summary["due"] == f"{year + 1}-04-30" and summary["total"]["opened"] >= 1
    assert "佣金费用" in [r["category"] for r in summary["by_category"]]
    csv = compliance.client.get("/api/complaints/summary/export.csv", params={"year": year})
    assert csv.status_code == 200 and "受理件数" in csv.text and "佣金费用" in csv.text
    xlsx = compliance.client.get("/api/complaints/summary/export.xlsx", params={"year": year})
    assert xlsx.status_code == 200
    with zipfile.ZipFile(io.BytesIO(xlsx.content)) as book:
        text = "".join(book.read(n).decode("utf-8") for n in book.namelist() if n.endswith(".xml"))
    assert "受理件数" in text and "佣金费用" in text
    page = compliance.client.get("/complaints/summary", params={"year": year})
    assert page.status_code == 200 and f"{year + 1}-04-30" in page.text


@pytest.mark.parametrize("role", ["broker"])
def test_the_pages_take_and_show_a_complaint(
    published: Published, sign_in: Callable[[str], SignedIn], role: str
) -> None:
    me = sign_in(role)
    customer = _mine(me)[0]
    form = {"csrf_token": me.csrf, "customer_id": customer, "channel": "visit"}
    refused = me.client.post(
        "/complaints/new", data={**form, "category": "资金转账", "content": "  "}
    )
    assert refused.status_code == 422 and 'data-field="content"' in refused.text
    made = me.client.post(
        "/complaints/new", data={**form, "category": "资金转账", "content": "转账未到账"}
    )
    assert made.status_code == 303
    detail = me.client.get(made.headers["location"])
    assert detail.status_code == 200 and "转账未到账" in detail.text
    assert 'id="complaint-actions"' not in detail.text  # a broker reads, does not handle
    listed = me.client.get("/complaints", params={"customer_id": customer})
    assert made.headers["location"].rsplit("/", 1)[1] in listed.text
    panel = me.client.get(f"/customers/{customer}/complaints", headers={"HX-Request": "true"})
    assert panel.status_code == 200 and "资金转账" in panel.text
    assert me.client.get("/complaints/summary").status_code == 403
