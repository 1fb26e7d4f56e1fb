"""KPI pages, the staff page's KPI slot and the API over the published small brokerage (issue
19 section 4): rankings in Chinese by default, staff scope (a broker's own row; another broker
404), the customers behind a metric audited, the schemes page with an editor for head office
only, a scheme change previewed and asked for, bad input answered with the field named."""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa

from brokerlens.store import open_store
from brokerlens.store.schema import audit_log, users
from web.conftest import Published, SignedIn


def _staff_of(published: Published, role: str) -> str:
    username = published.users[role][0]
    with open_store(published.settings).connect() as connection:
        staff_id = connection.execute(
            sa.select(users.c.staff_id).where(users.c.username == username)
        ).scalar()
    assert staff_id
    return str(staff_id)


def test_rankings_page_in_chinese_with_a_month_picker(sign_in: Callable[[str], SignedIn]) -> None:
    me = sign_in("hq_marketing")
    page = me.client.get("/kpi?level=region")
    assert page.status_code == 200, page.text
    assert "绩效考核排名" in page.text and 'id="kpi-filters"' in page.text
    assert "2025年3月" in page.text  # the month picker
    assert page.text.count('class="card kpi-group"') >= 3
    assert 'id="nav-kpi"' in page.text


def test_a_broker_sees_their_own_scores_only(
    sign_in: Callable[[str], SignedIn], published: Published
) -> None:
    me = sign_in("broker")
    mine = _staff_of(published, "broker")
    listed = me.client.get("/api/kpi", params={"level": "branch"})
    assert listed.status_code == 200, listed.text
    shown = [s["staff_id"] for g in listed.json()["groups"] for s in g["data"]]
    assert shown == [mine]
    group = listed.json()["groups"][0]
    assert group["size"] >= 1 and group["data"][0]["rank_in_branch"] <= group["size"]
    slot = me.client.get(f"/staff/{mine}/kpi")
    assert slot.status_code == 200 and 'id="staff-kpi"' in slot.text
    assert "<html" not in slot.text  # a partial for the staff page
    assert "净佣金" in slot.text and "历月得分" in slot.text
    api = me.client.get(f"/api/staff/{mine}/kpi").json()
    assert api["scores"]["total"] is not None and api["history"]
    other = _staff_of(published, "team_lead")
    assert me.client.get(f"/staff/{other}/kpi").status_code == 404
    assert me.client.get(f"/api/staff/{other}/kpi").status_code == 404


def test_the_customers_behind_a_metric_are_listed_and_audited(
    sign_in: Callable[[str], SignedIn], published: Published
) -> None:
    me = sign_in("branch_manager")
    broker = _staff_of(published, "broker")
    page = me.client.get(f"/kpi/staff/{broker}/metrics/net_commission")
    assert page.status_code == 200, page.text
    assert "涉及客户" in page.text and 'data-customer="C' in page.text
    api = me.client.get(f"/api/kpi/staff/{broker}/metrics/net_commission").json()
    assert api["count"] == len(api["data"]) > 0
    with open_store(published.settings).connect() as connection:
        last = connection.execute(
            sa.select(audit_log.c.customer_ids, audit_log.c.detail)
            .where(audit_log.c.action == "kpi_drill", audit_log.c.username == me.username)
            .order_by(audit_log.c.audit_id.desc())
        ).first()
    assert last is not None
    assert set(last.customer_ids.split(",")) == {r["customer_id"] for r in api["data"]}
    assert last.detail["metric"] == "net_commission"


def test_bad_parameters_name_the_field(sign_in: Callable[[str], SignedIn]) -> None:
    me = sign_in("hq_marketing")
    bad_level = me.client.get("/api/kpi", params={"level": "planet"})
    assert bad_level.status_code == 422 and "level" in bad_level.text
    bad_month = me.client.get("/kpi", params={"month": "三月"})
    assert bad_month.status_code == 422 and "Traceback" not in bad_month.text
    none = me.client.get("/api/kpi", params={"month": "2019-01"})
    assert none.status_code == 422 and "2019-01" in none.text
    metric = me.client.get("/api/kpi/staff/S000001/metrics/happiness")
    assert metric.status_code in (404, 422) and "Traceback" not in metric.text


def test_the_roles_without_staff_business_see_no_kpi(sign_in: Callable[[str], SignedIn]) -> None:
    me = sign_in("call_center")
    assert 'id="nav-kpi"' not in me.client.get("/").text
    assert me.client.get("/api/kpi").status_code == 403


def test_schemes_page_preview_and_request(sign_in: Callable[[str], SignedIn]) -> None:
    broker = sign_in("broker")
    seen = broker.client.get("/kpi/schemes")
    assert seen.status_code == 200 and "客户经理考核方案" in seen.text
    assert 'id="kpi-editor"' not in seen.text
    me = sign_in("hq_marketing")
    page = me.client.get("/kpi/schemes")
    assert 'id="kpi-editor"' in page.text
    schemes = me.client.get("/api/kpi/schemes").json()
    text = schemes["yaml"]
    assert schemes["version"] and text
    edited = text.replace("weight: 30\n", "weight: 10\n", 1).replace(
        "weight: 20\n", "weight: 40\n", 1
    )
    form = {"csrf_token": me.csrf, "schemes_yaml": edited, "level": "region"}
    preview = me.client.post("/kpi/schemes/preview", data=form, headers={"HX-Request": "true"})
    assert preview.status_code == 200, preview.text
    assert 'id="kpi-preview-result"' in preview.text and "名次变化" in preview.text
    broken = {**form, "schemes_yaml": edited.replace("weight: 40\n", "weight: 41\n", 1)}
    refused = me.client.post("/kpi/schemes/preview", data=broken, headers={"HX-Request": "true"})
    assert refused.status_code == 422 and "Traceback" not in refused.text
    asked = me.client.post("/kpi/schemes/request", data={**form, "note": "测试"})
    assert asked.status_code == 200 and 'id="kpi-requested"' in asked.text
    request_id = asked.text.split('data-request="', 1)[1].split('"', 1)[0]
    mine = me.client.get(f"/api/approvals/{request_id}").json()
    assert mine["kind"] == "kpi_scheme" and mine["status"] == "pending"
    withdrawn = me.client.post(
        f"/api/approvals/{request_id}/withdraw", json={}, headers=me.headers()
    )
    assert withdrawn.status_code == 200, withdrawn.text
