"""Every endpoint of the API writes an audit row, found by walking the OpenAPI schema.

The walk calls each operation of `app.openapi()` as a user allowed to (compliance by default;
HQ marketing for thresholds and the catalog; the administrator for users), with valid
parameters, and fails when the call wrote no audit row under that user's name. Path
parameters are filled by name from values the walk made or found (a customer, a recorded
check, a class request, an alert, a segment, an account); a body comes from BODIES. So a new
endpoint either audits or is named in NO_AUDIT below with the reason it carries no customer
data and changes no user, role, permission, threshold, catalog or scope.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pyarrow.parquet as pq
import pytest
import sqlalchemy as sa

from brokerlens.brokers.kpi.schemes import default_text
from brokerlens.classify.loader import default_catalog_text
from brokerlens.config import Settings
from brokerlens.store import open_store
from brokerlens.store.schema import audit_log
from brokerlens.warehouse.served import kept_file, newest_date
from support.recommendations import served_run
from web.conftest import Published, SignedIn

# Endpoints that write no audit row, each with why it need not.
NO_AUDIT: dict[tuple[str, str], str] = {
    ("POST", "/api/login"): "signing in; auth writes login / login_failed itself (tests/auth)",
    ("POST", "/api/logout"): "ends the caller's own session; no customer data",
    ("GET", "/api/me"): "the caller's own account",
    ("POST", "/api/account/password"): "the caller's own password; audited by web.account "
    "(test_web_password), not walked: it would change a shared demo password",
    ("GET", "/api/alerts/counts"): "counts per alert and status; no customer rows",
    ("GET", "/api/alerts/thresholds"): "the threshold definitions; no customer data",
    ("POST", "/api/alerts/thresholds/preview"): "counts only; saves nothing",
    ("GET", "/api/catalog"): "the classification rules; no customer data",
    ("POST", "/api/catalog/preview"): "counts of customers who would move; applies nothing",
    ("GET", "/api/segments"): "the caller's saved condition lists; no customer rows",
    ("POST", "/api/segments"): "saves a condition list of the caller's; no customer rows",
    ("POST", "/api/segments/count"): "a count; no customer rows",
    ("POST", "/api/segments/preview"): "counts of a condition tree's nodes; no customer rows",
    ("GET", "/api/segments/{segment_id}/history"): "counts per refreshed date; no customer rows",
    ("GET", "/api/segments/{segment_id}"): "a condition list and its owner; no customer rows",
    ("PATCH", "/api/segments/{segment_id}"): "edits the caller's condition list",
    ("DELETE", "/api/segments/{segment_id}"): "deletes the caller's condition list",
    ("GET", "/api/segments/{segment_id}/count"): "a count; no customer rows",
    ("GET", "/api/segments/{segment_id}/shares"): "who a group is shared with; no customer rows",
    ("GET", "/api/org/tree"): "the organisation's units; no customer data",
    ("GET", "/api/org/staff"): "staff names and units; no customer data",
    ("GET", "/api/audit"): "the audit log itself (read_audit); reading it is not re-audited",
    ("GET", "/api/users"): "the account list (manage_users); no customer data, changes nothing",
    ("GET", "/api/campaigns"): "campaign definitions and counts; no customer rows",
    ("GET", "/api/campaigns/{campaign_id}"): "a campaign's definition; no customer rows",
    ("POST", "/api/care/send-email"): "not walked: needs an SMTP server; audited send_email "
    "(tests/access/test_access_care.py, against a real one)",
    ("GET", "/api/callbacks/scripts"): "the call-back scripts' questions; no customer data",
    # issue 19 part A: organisation data (staff, units, reporting lines), like /api/org/tree
    ("GET", "/api/org/broker-tree"): "the broker tree: staff and units; no customer data",
    ("GET", "/api/org/differences"): "the tree's differences with the feed; no customer data",
    ("GET", "/api/staff/{staff_id}/history"): "a staff member's org events; no customer data",
    ("GET", "/api/kpi/schemes"): "the KPI schemes' definitions; no staff or customer data",
    # issue 19 C: the small brokerage has no month counted to its end (nothing to settle)
    ("POST", "/api/statements/{month}/settle"): "not walked: no complete month here; audited "
    "statement_settle (tests/access/test_brokers_statements_settle.py)",
    ("POST", "/api/statements/{month}/adjustments"): "not walked: needs a settled month; "
    "audited approval_request (tests/access/test_brokers_statements_settle.py)",
    # issue 23 section 4: notices are no customer data; their changes and receipts are audited
    ("GET", "/api/notices"): "the notices showing to the caller or published by them",
    ("GET", "/api/notices/{notice_id}"): "one such notice; reading it here marks nothing",
    # issue 23: the knowledge base's choices and link lists: titles and tags, no customer data
    ("GET", "/api/kb/tags"): "the tags of the articles the caller reads; no customer data",
    ("GET", "/api/kb/links"): "titles of the articles linked to a script; no customer data",
    # issue 23 section 3: definitions and one's own training carry no customer or staff data
    ("GET", "/api/training/me"): "the caller's own courses, exams and certificates",
    ("GET", "/api/training/courses"): "course definitions the caller manages",
    ("GET", "/api/training/courses/{course_id}"): "a course's definition and materials",
    ("GET", "/api/training/questions"): "the question bank (manage_training); no customer data",
    ("GET", "/api/training/exams"): "exam definitions the caller manages",
    ("GET", "/api/training/exams/{exam_id}"): "an exam's definition",
    ("PUT", "/api/training/attempts/{attempt_id}/answers"): "the caller's own answers in "
    "progress; starting and submitting the attempt are audited",
    # issue 23 points
    ("GET", "/api/points/items"): "the redemption catalogue: items and prices; no customer data",
    ("POST", "/api/points/orders/{order_id}/cancel"): "not walked: the walk's order is "
    "fulfilled; audited points_order_cancel (tests/web/test_web_points.py)",
}
KB_ARTICLE = {
    "title": "审计巡检文章",
    "category": "policies",
    "body": "巡检正文。",
    "tags": ["巡检"],
}
# Operations answered with another status than 2xx even when called as allowed.
EXPECTED_STATUS: dict[tuple[str, str], int] = {
    # No churn model is fitted on the test brokerage; the read is audited before the lookup.
    ("GET", "/api/customers/{customer_id}/churn"): 404,
}
WALK_USER = "walk_account"


@pytest.fixture(scope="module", autouse=True)
def recommendations(published: Published) -> Iterator[None]:
    """A recommendation run of the served date (hand-made where the run made none), so the
    recommendation endpoints are walked with rows (and a targets segment can be saved)."""
    with served_run(published.settings):
        yield


def _role(path: str) -> str:
    if path.startswith("/api/users"):
        return "admin"
    if path.startswith(("/api/campaigns", "/api/care/")):
        return "hq_marketing"  # creates and runs campaigns; sends customer messages
    if path.startswith(("/api/alerts/thresholds", "/api/catalog/preview", "/api/catalog/apply")):
        return "hq_marketing"
    if path.startswith("/api/kpi/schemes"):  # issue 19 D: previews and asks need edit_kpi
        return "hq_marketing"
    # head office decides the branch manager's threshold requests; it records the class
    # request that compliance then decides (nobody decides their own request)
    if path.startswith("/api/approvals") or path.endswith("/investor-class/requests"):
        return "hq_marketing"
    if path == "/api/org/tree-changes":  # issue 19: asking for a tree change (manage_org)
        return "hq_marketing"
    if path.startswith("/api/handovers"):  # issue 19 handover: manage_org requests them
        return "hq_marketing"
    if path.startswith("/api/notices"):  # issue 23: publishes to the whole firm, reads it
        return "hq_marketing"
    if path.startswith("/api/kb"):  # issue 23: head office writes (its request is withdrawn)
        return "hq_marketing"
    if path.startswith("/api/training"):  # issue 23: a broker takes, head office manages
        taking = ("/attempts", "/complete", "/api/training/attempts/", "/api/training/me")
        return "broker" if any(t in path for t in taking) else "hq_marketing"
    if path.startswith(("/api/points/items", "/api/points/orders", "/api/points/adjustments")):
        return "hq_marketing"  # issue 23: the catalogue, redeeming and adjusting
    return "compliance"


@dataclass
class Walk:
    """Values found or made along the walk, by path parameter name."""

    params: dict[str, Any] = field(default_factory=dict)
    # path parameters of one operation only (each work-list action on its own customer)
    by_path: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)


TRAINING_QUESTION = {
    "kind": "single",
    "stem": "审计巡检题",
    "category": "审计巡检",
    "options": ["对", "错"],
    "answer": "A",
}


def _body(method: str, path: str, walk: Walk) -> dict[str, Any]:
    """Keyword arguments of the request for an operation with a body."""
    training_exam = {"title": "审计巡检考试", "question_ids": [walk.params.get("question_id", 1)]}
    bodies: dict[tuple[str, str], dict[str, Any]] = {
        ("POST", "/api/customers/{customer_id}/reveal"): {
            "json": {"field": "phone", "reason": "audit walk"}
        },
        ("POST", "/api/customers/{customer_id}/suitability/check"): {
            "json": {"target": "margin", "context": "purchase"}
        },
        ("POST", "/api/customers/{customer_id}/investor-class/requests"): {
            "json": {"direction": walk.params["direction"], "evidence": "audit walk"}
        },
        ("POST", "/api/suitability/checks/{check_id}/warning"): {"json": {"note": "walk"}},
        ("POST", "/api/suitability/checks/{check_id}/confirmation"): {"json": {}},
        ("POST", "/api/suitability/checks/{check_id}/sale"): {"json": {}},
        ("POST", "/api/approvals/{request_id}/approve"): {"json": {"comment": "audit walk"}},
        ("POST", "/api/approvals/{request_id}/reject"): {"json": {"comment": "audit walk"}},
        ("POST", "/api/approvals/{request_id}/withdraw"): {"json": {}},
        ("POST", "/api/work-orders"): {
            "json": {"title": "审计巡检", "assignee": walk.params["compliance_user"]}
        },
        ("POST", "/api/work-orders/{order_id}/status"): {"json": {"status": "in_progress"}},
        ("POST", "/api/work-orders/{order_id}/reassign"): {
            "json": {"assignee": walk.params["compliance_user"]}
        },
        ("POST", "/api/suitability/class-requests/{request_id}/decision"): {
            "json": {"approve": False, "note": "audit walk"}
        },
        ("POST", "/api/alerts/thresholds"): {
            "json": {"alert_id": walk.params["alert_id"], "params": walk.params["alert_params"]}
        },
        ("POST", "/api/alerts/{alert_row_id}/status"): {"json": {"status": "acknowledged"}},
        ("POST", "/api/catalog/apply"): {
            "content": walk.params["catalog_yaml"].encode(),
            "params": {"note": "audit walk"},
            "headers": {"content-type": "application/yaml"},
        },
        ("POST", "/api/users"): {
            "json": {
                "username": WALK_USER,
                "display_name": "Walk",
                "role": "hq_marketing",
                "password": "Correct-horse-9",
            }
        },
        ("POST", "/api/users/{username}/reset"): {"json": {}},
        ("GET", "/api/worklist"): {"params": {"staff_id": walk.params["staff_id"], "all": True}},
        ("POST", "/api/worklist/{customer_id}/done"): {
            "json": {
                "staff_id": walk.params["staff_id"],
                "channel": "phone",
                "result": "reached",
                "content": "审计巡检",
            }
        },
        ("POST", "/api/worklist/{customer_id}/snooze"): {
            "json": {"staff_id": walk.params["staff_id"], "until": walk.params["snooze_until"]}
        },
        ("POST", "/api/worklist/{customer_id}/dismiss"): {
            "json": {"staff_id": walk.params["staff_id"], "reason": "审计巡检"}
        },
        ("POST", "/api/customers/{customer_id}/service-records"): {
            "json": {
                "channel": "phone",
                "purpose": "service",
                "result": "reached",
                "content": "审计巡检",
            }
        },
        ("PATCH", "/api/service-records/{record_id}"): {"json": {"content": "审计巡检：已修改"}},
        # an export of nothing (a date range ahead) is audited all the same, and leaves the
        # queued messages for the care tests
        ("POST", "/api/care/export"): {"params": {"channel": "sms", "date_from": "2099-01-01"}},
        ("POST", "/api/customers/{customer_id}/opt-outs"): {
            "json": {"channel": "sms", "reason": "审计巡检"}
        },
        ("DELETE", "/api/customers/{customer_id}/opt-outs"): {"params": {"channel": "sms"}},
        # complaints (issue 18 section 2): filed, assigned, noted, resolved, reopened in turn
        ("POST", "/api/complaints"): {
            "json": {
                "customer_id": walk.params["customer_id"],
                "channel": "phone",
                "category": "服务态度",
                "content": "审计巡检",
            }
        },
        ("POST", "/api/complaints/{complaint_id}/assign"): {
            "json": {"assigned_to": "demo_call_center"}
        },
        ("POST", "/api/complaints/{complaint_id}/notes"): {"json": {"note": "审计巡检"}},
        ("POST", "/api/complaints/{complaint_id}/resolve"): {"json": {"resolution": "审计巡检"}},
        ("POST", "/api/complaints/{complaint_id}/reopen"): {"json": {"reason": "审计巡检"}},
        ("GET", "/api/complaints/summary"): {"params": {"year": 2025}},
        ("GET", "/api/complaints/summary/export.{fmt}"): {"params": {"year": 2025}},
        # issue 25: the walk's static group given a customer, by id, by a query, by a list
        ("POST", "/api/segments/{segment_id}/members"): {
            "json": {"customer_ids": [walk.params["customer_id"]]}
        },
        ("POST", "/api/segments/{segment_id}/members/remove"): {
            "json": {"match": {"search": walk.params["customer_id"]}}
        },
        ("POST", "/api/segments/{segment_id}/members/upload"): {
            "content": f"customer_id\n{walk.params['customer_id']}\n".encode(),
            "headers": {"content-type": "text/csv"},
        },
        ("POST", "/api/segments/{segment_id}/shares"): {
            "json": {"user": walk.params["share_user"], "can_edit": False}
        },
        ("GET", "/api/segments/{segment_id}/changes"): {"params": {"date": walk.params["date"]}},
        ("GET", "/api/segments/{segment_id}/members-as-of"): {
            "params": {"date": walk.params["date"]}
        },
        ("POST", "/api/segments/preview"): {
            "json": {
                "conditions": [
                    {"any": [{"field": "total_assets_t", "op": "ge", "value": 0}]},
                    {"not": {"no_contact_days": 30}},
                ]
            }
        },
        ("POST", "/api/campaigns"): {
            "json": {
                "name": "walk",
                "goal": "trade",
                "segment_id": walk.params["segment_id"],
                "window_start": "2025-01-01",
                "window_end": "2025-12-31",
            }
        },
        # call-backs (issue 18 section 1): a manual task the walk then calls, not reached
        ("POST", "/api/callbacks"): {
            "json": {
                "customer_id": walk.params["customer_id"],
                "due_date": (dt.date.today() + dt.timedelta(days=2)).isoformat(),
                "reason": "审计巡检",
            }
        },
        ("POST", "/api/callbacks/{callback_id}/attempts"): {"json": {"outcome": "not_reached"}},
        ("POST", "/api/callbacks/{callback_id}/assign"): {"json": {"assignee": None}},
        ("POST", "/api/callbacks/purge"): {"json": {"before": "2000-01-01"}},  # nothing to delete
        ("GET", "/api/callbacks/report"): {"params": {"year": 2025}},
        ("GET", "/api/callbacks/quota"): {"params": {"year": 2025}},
        # issue 19 part A: a broker (no reports) out of the tree, withdrawn at the end
        ("POST", "/api/org/tree-changes"): {
            "json": {"op": "remove", "staff_id": walk.params["staff_id"], "reason": "审计巡检"}
        },
        # KPI schemes (issue 19 D): the shipped schemes previewed and asked for (withdrawn at
        # the end with the other requests head office left waiting)
        ("POST", "/api/kpi/schemes/preview"): {
            "content": walk.params["kpi_yaml"].encode(),
            "headers": {"content-type": "application/yaml"},
        },
        ("POST", "/api/kpi/schemes"): {
            "content": walk.params["kpi_yaml"].encode(),
            "params": {"note": "audit walk"},
            "headers": {"content-type": "application/yaml"},
        },
        # issue 19 handover: the work-list broker's book to another staff member (left pending)
        ("POST", "/api/handovers/preview"): {"json": walk.params["handover"]},
        ("POST", "/api/handovers"): {"json": walk.params["handover"]},
        # issue 23 section 4: a draft to the whole firm, published, read, withdrawn in turn
        ("POST", "/api/notices"): {
            "json": {
                "title": "审计巡检",
                "body": "审计巡检",
                "units": [walk.params["root_unit"]],
                "draft": True,
            }
        },
        ("POST", "/api/notices/{notice_id}/withdraw"): {"json": {"note": "审计巡检"}},
        # issue 23: an article written, edited, given a file, submitted, withdrawn; the
        # published one made in _prepare linked from the walk's campaign
        ("POST", "/api/kb/articles"): {"json": KB_ARTICLE},
        ("PUT", "/api/kb/articles/{article_id}"): {"json": {**KB_ARTICLE, "note": "审计巡检"}},
        ("POST", "/api/kb/articles/{article_id}/attachments"): {
            "files": {"file": ("巡检.pdf", b"%PDF-1.4\n%%EOF\n", "application/pdf")}
        },
        ("POST", "/api/kb/articles/{article_id}/submit"): {"json": {"note": "审计巡检"}},
        ("POST", "/api/kb/links"): {
            "json": {
                "source_kind": "campaign",
                "source_ref": str(walk.params.get("campaign_id", "")),
                "article_id": walk.params["kb_published"],
            }
        },
        # issue 23: a question, an exam of it and a course, published; a broker takes it
        ("POST", "/api/training/questions"): {"json": TRAINING_QUESTION},
        ("PUT", "/api/training/questions/{question_id}"): {"json": TRAINING_QUESTION},
        ("POST", "/api/training/questions/import"): {
            "content": "kind,category,stem,A,B,answer\nsingle,审计巡检,导入题,对,错,A\n".encode(),
            "params": {"name": "审计巡检.csv"},
            "headers": {"content-type": "text/csv"},
        },
        ("POST", "/api/training/exams"): {"json": training_exam},
        ("PUT", "/api/training/exams/{exam_id}"): {"json": training_exam},
        ("POST", "/api/training/exams/{exam_id}/status"): {"json": {"status": "published"}},
        ("POST", "/api/training/courses"): {"json": {"title": "审计巡检课程"}},
        ("PUT", "/api/training/courses/{course_id}"): {"json": {"title": "审计巡检课程"}},
        ("POST", "/api/training/courses/{course_id}/status"): {"json": {"status": "published"}},
        ("POST", "/api/training/attempts/{attempt_id}/submit"): {"json": {}},
        # issue 23 points: an item, an order of it for a customer with points (fulfilled), an
        # adjustment request (withdrawn at the end with head office's other requests)
        ("POST", "/api/points/items"): {
            "json": {"name_zh": "审计巡检礼品", "points_price": 1, "stock": 10}
        },
        ("PUT", "/api/points/items/{item_id}"): {
            "json": {"name_zh": "审计巡检礼品", "points_price": 1, "stock": 9}
        },
        ("POST", "/api/points/orders"): {
            "json": {
                "customer_id": walk.params["points_customer"],
                "item_id": walk.params.get("item_id"),
            }
        },
        ("POST", "/api/points/adjustments"): {
            "json": {
                "customer_id": walk.params["points_customer"],
                "points": 5,
                "reason": "审计巡检",
            }
        },
    }
    return bodies.get((method, path), {})


def _customers(me: SignedIn) -> list[str]:
    rows = me.client.get("/api/customers", params={"page_size": 200}).json()["data"]
    return [str(r["customer_id"]) for r in rows]


def _threshold_requests(branch: SignedIn, hq: SignedIn, walk: Walk) -> None:
    """Two of the branch manager's threshold requests (the values in force: approving changes
    nothing), for head office to see and approve, and to reject."""
    unit = branch.client.get("/api/me").json()["user"]["unit_id"]
    alerts = hq.client.get("/api/alerts/thresholds").json()["alerts"]
    made = []
    for item in alerts[:2]:
        body = {"alert_id": item["alert_id"], "branch_id": unit, "params": item["defaults"]}
        asked = branch.client.post("/api/alerts/thresholds", json=body, headers=branch.headers())
        assert asked.status_code == 202, asked.text
        made.append(asked.json()["request_id"])
    for path in ("/api/approvals/{request_id}", "/api/approvals/{request_id}/approve"):
        walk.by_path[("GET" if path.endswith("}") else "POST", path)] = {"request_id": made[0]}
    walk.by_path[("POST", "/api/approvals/{request_id}/reject")] = {"request_id": made[1]}


def _prepare(me: SignedIn, hq: SignedIn, settings: Settings) -> Walk:
    """A customer for whom margin is a mismatch (so a check can be warned, confirmed, sold),
    an alert, a segment, the thresholds to save and the catalog to apply."""
    walk = Walk()
    walk.params["compliance_user"] = me.username
    for cid in _customers(me)[:80]:
        body = me.client.get(f"/api/customers/{cid}/suitability").json()
        reg = body["regulatory"]
        if (
            reg["state"] in ("valid", "expiring")
            and not reg["lowest_category"]
            and reg["effective_class"] in ("C1", "C2", "C3")
        ):
            walk.params["customer_id"] = cid
            treated = body["investor_class"]["treated"]
            walk.params["direction"] = "to_professional" if treated == "ordinary" else "to_ordinary"
            break
    else:
        pytest.fail("no customer validly assessed C1..C3 in the seeded small brokerage")
    alerts = me.client.get("/api/alerts", params={"status": "new"}).json()["data"]
    assert alerts, "the small brokerage raised no alert"
    walk.params["alert_row_id"] = alerts[0]["alert_row_id"]
    made = me.client.post(
        "/api/segments",
        json={
            "name": "walk",
            "visibility": "unit",  # head office's campaign is made from it
            "conditions": [{"field": "customer_id", "op": "ne", "value": "x"}],
        },
        headers=me.headers(),
    )
    assert made.status_code == 201, made.text
    walk.params["segment_id"] = made.json()["segment_id"]
    # issue 25: a static group of the walk's, its members changed and shared by hand
    static = me.client.post(
        "/api/segments", json={"name": "walk static", "kind": "static"}, headers=me.headers()
    )
    assert static.status_code == 201, static.text
    group = {"segment_id": static.json()["segment_id"]}
    for verb, path in (
        ("POST", "/members"),
        ("POST", "/members/remove"),
        ("POST", "/members/upload"),
        ("GET", "/shares"),
        ("POST", "/shares"),
        ("DELETE", "/shares/{username}"),
    ):
        walk.by_path[(verb, "/api/segments/{segment_id}" + path)] = dict(group)
    walk.params["share_user"] = hq.username
    walk.by_path[("DELETE", "/api/segments/{segment_id}/shares/{username}")]["username"] = (
        hq.username
    )
    first = hq.client.get("/api/alerts/thresholds").json()["alerts"][0]
    walk.params["alert_id"], walk.params["alert_params"] = first["alert_id"], first["defaults"]
    walk.params["catalog_yaml"] = default_catalog_text()
    walk.params["kpi_yaml"] = default_text()  # issue 19 D
    walk.params["metric"] = "net_commission"
    # a broker's work list of the served date: three of its customers, one per action
    day = newest_date(settings, "worklist")
    path = kept_file(settings, "worklist", day) if day else None
    assert path is not None, "the run kept no work list"
    rows = pq.read_table(path, columns=["staff_id", "customer_id"]).to_pylist()
    by_staff: dict[str, list[str]] = {}
    for row in rows:
        by_staff.setdefault(row["staff_id"], []).append(row["customer_id"])
    staff, listed = max(by_staff.items(), key=lambda kv: (len(kv[1]), kv[0]))
    assert len(listed) >= 3, "no broker has three work items"
    walk.params["staff_id"] = staff
    walk.params["snooze_until"] = (day + dt.timedelta(days=3)).isoformat()
    walk.params["month"] = f"{day:%Y-%m}"  # issue 19 C: the statements of the served month
    for action, customer in zip(("done", "snooze", "dismiss"), listed, strict=False):
        walk.by_path[("POST", f"/api/worklist/{{customer_id}}/{action}")] = {
            "customer_id": customer
        }
    walk.params["username"] = WALK_USER
    # issue 19 handover: from the work-list broker to another staff member
    listed = me.client.get("/api/org/staff").json()
    others = [r["staff_id"] for r in (listed if isinstance(listed, list) else listed["data"])]
    receiver = next(s for s in sorted(others) if s != staff)
    walk.params["handover"] = {"giver_id": staff, "receiver_id": receiver}
    # issue 19 part E: the unit page of the work-list broker's unit
    walk.params["unit_id"] = next(
        r["unit_id"]
        for r in (listed if isinstance(listed, list) else listed["data"])
        if r["staff_id"] == staff
    )
    # issue 22: the work-list broker's dashboard (level staff)
    walk.params["level"] = "staff"
    walk.by_path[("GET", "/api/dashboard/{level}/{unit_id}")] = {"unit_id": staff}
    walk.params["fmt"] = "xlsx"  # the exports: .csv and .xlsx are one endpoint each
    walk.params["report"] = "holdings-above-class"
    products = me.client.get("/api/products", params={"page_size": 1}).json()["rows"]
    walk.params["product_id"] = products[0]["product_id"]
    # issue 22: a kept report's workbook of the newest date with reports
    kept = me.client.get("/api/reports").json()
    assert kept["data"], "the run kept no report"
    walk.params["date"], walk.params["file"] = kept["as_of"], kept["data"][0]["workbook"]
    walk.params["root_unit"] = me.client.get("/api/org/tree").json()[0]["unit_id"]  # issue 23
    # issue 23: a published article (head office writes it, compliance approves), to link
    article = hq.client.post("/api/kb/articles", json=KB_ARTICLE, headers=hq.headers()).json()
    asked = hq.client.post(
        f"/api/kb/articles/{article['article_id']}/submit", json={}, headers=hq.headers()
    ).json()
    approved = me.client.post(
        f"/api/approvals/{asked['request_id']}/approve", json={}, headers=me.headers()
    )
    assert approved.json()["status"] == "approved", approved.text
    walk.params["kb_published"] = article["article_id"]
    # issue 23: a customer with points to redeem
    for cid in _customers(me):
        if me.client.get(f"/api/customers/{cid}/points").json()["balance"] >= 1:
            walk.params["points_customer"] = cid
            break
    else:
        pytest.fail("no customer of the small brokerage holds points")
    return walk


def _order(operations: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Makers before their users (a check before its steps, a request before its decision, an
    account before its changes), deletions last."""
    first = [
        ("POST", "/api/customers/{customer_id}/suitability/check"),
        ("POST", "/api/suitability/checks/{check_id}/warning"),
        ("POST", "/api/suitability/checks/{check_id}/confirmation"),
        ("POST", "/api/customers/{customer_id}/investor-class/requests"),
        ("POST", "/api/users"),
        ("POST", "/api/users/{username}/disable"),
        ("POST", "/api/work-orders"),
        ("POST", "/api/work-orders/{order_id}/status"),
        ("POST", "/api/campaigns"),
        ("POST", "/api/campaigns/{campaign_id}/launch"),
        ("POST", "/api/customers/{customer_id}/service-records"),
        ("POST", "/api/customers/{customer_id}/opt-outs"),
        ("POST", "/api/callbacks"),
        ("POST", "/api/complaints"),
        ("POST", "/api/complaints/{complaint_id}/assign"),
        ("POST", "/api/complaints/{complaint_id}/resolve"),
        ("POST", "/api/complaints/{complaint_id}/reopen"),
        ("POST", "/api/kb/articles"),  # issue 23: the walked article, before its steps
        # issue 23: the question before its exam, the exam changed and published before it is
        # sat, the course published before it is completed
        ("POST", "/api/training/questions"),
        ("POST", "/api/training/exams"),
        ("PUT", "/api/training/exams/{exam_id}"),
        ("POST", "/api/training/exams/{exam_id}/status"),
        ("POST", "/api/training/courses"),
        ("POST", "/api/training/courses/{course_id}/status"),
        ("POST", "/api/training/exams/{exam_id}/attempts"),
    ]
    rank = {op: n for n, op in enumerate(first)}
    return sorted(
        operations,
        key=lambda op: (op[0] == "DELETE", rank.get(op, len(first)), op[1], op[0]),
    )


def _rows_of(published: Published, username: str) -> int:
    db = open_store(published.settings)
    with db.connect() as connection:
        return int(
            connection.execute(
                sa.select(sa.func.count())
                .select_from(audit_log)
                .where(audit_log.c.username == username)
            ).scalar_one()
        )


def _learn(method: str, path: str, answer: Any, walk: Walk) -> None:
    if method == "POST" and path == "/api/work-orders":
        walk.params["order_id"] = answer["order_id"]
    if method == "POST" and path == "/api/alerts/thresholds":  # head office's own: it withdraws
        walk.by_path[("POST", "/api/approvals/{request_id}/withdraw")] = {
            "request_id": answer["request_id"]
        }
    if path.endswith("/suitability/check"):
        walk.params["check_id"] = answer["check_id"]
    if method == "POST" and path.endswith("/investor-class/requests"):
        walk.params["request_id"] = answer["request_id"]
    if method == "POST" and path == "/api/campaigns":
        walk.params["campaign_id"] = answer["campaign_id"]
    if method == "POST" and path.endswith("/service-records"):
        walk.params["record_id"] = answer["record_id"]
    if method == "POST" and path == "/api/callbacks":
        walk.params["callback_id"] = answer["callback_id"]
    if method == "POST" and path == "/api/complaints":
        walk.params["complaint_id"] = answer["complaint_id"]
    if method == "POST" and path == "/api/handovers":  # issue 19 handover
        walk.params["handover_id"] = answer["handover_id"]
    if method == "POST" and path == "/api/notices":  # issue 23 section 4
        walk.params["notice_id"] = answer["notice_id"]
    if method == "POST" and path == "/api/kb/articles":  # issue 23
        walk.params["article_id"] = answer["article_id"]
    if method == "POST" and path.endswith("/attachments"):
        walk.params["attachment_id"] = answer["attachments"][-1]["attachment_id"]
    if method == "POST" and path == "/api/kb/links":
        walk.params["link_id"] = answer["link_id"]
    learned = {  # issue 23
        "/api/training/questions": "question_id",
        "/api/training/exams": "exam_id",
        "/api/training/courses": "course_id",
        "/api/training/exams/{exam_id}/attempts": "attempt_id",
    }
    if method == "POST" and path in learned:
        walk.params[learned[path]] = answer[learned[path]]
    if method == "POST" and path == "/api/points/items":  # issue 23
        walk.params["item_id"] = answer["item_id"]
    if method == "POST" and path == "/api/points/orders":  # issue 23 ({order_id}: a work order's)
        for made in ("", "/fulfil"):
            verb = "GET" if not made else "POST"
            walk.by_path[(verb, "/api/points/orders/{order_id}" + made)] = {
                "order_id": answer["order_id"]
            }


def test_every_endpoint_writes_an_audit_row_or_says_why_not(
    published: Published, other_client: Callable[[str], SignedIn]
) -> None:
    from brokerlens.web.app import create_app

    schema = create_app(published.settings).openapi()
    operations = [
        (method.upper(), path)
        for path, item in schema["paths"].items()
        for method in item
        if method in ("get", "post", "put", "patch", "delete")
    ]
    assert len(operations) > 40
    stale = set(NO_AUDIT) - set(operations)
    assert not stale, f"NO_AUDIT names endpoints that are gone: {sorted(stale)}"
    signed: dict[str, SignedIn] = {}

    def as_role(role: str) -> SignedIn:
        if role not in signed:
            signed[role] = other_client(role)
        return signed[role]

    walk = _prepare(as_role("compliance"), as_role("hq_marketing"), published.settings)
    _threshold_requests(as_role("branch_manager"), as_role("hq_marketing"), walk)
    silent: list[str] = []
    walked = 0
    for method, path in _order(operations):
        if (method, path) in NO_AUDIT:
            continue
        me = as_role(_role(path))
        missing = [p for p in schema["paths"][path][method.lower()].get("parameters", [])]
        names = [p["name"] for p in missing if p["in"] == "path"]
        unknown = [n for n in names if n not in walk.params]
        assert not unknown, f"{method} {path}: the walk knows no value for {unknown}; add one"
        values = {**walk.params, **walk.by_path.get((method, path), {})}
        url = path.format(**{n: values[n] for n in names})
        kwargs = _body(method, path, walk)
        headers = {**me.headers(), **kwargs.pop("headers", {})}
        before = _rows_of(published, me.username)
        answer = me.client.request(method, url, headers=headers, **kwargs)
        expected = EXPECTED_STATUS.get((method, path))
        if expected is not None:
            assert answer.status_code == expected, f"{method} {url}: {answer.text[:300]}"
        else:
            assert 200 <= answer.status_code < 300, (
                f"{method} {url} as {me.username}: {answer.status_code} {answer.text[:300]}; "
                "give the walk a valid call for it"
            )
        walked += 1
        json_answer = answer.headers.get("content-type", "").startswith("application/json")
        if json_answer and answer.content and answer.status_code < 300:
            _learn(method, path, answer.json(), walk)
        if _rows_of(published, me.username) == before:
            silent.append(f"{method} {path}")
    assert not silent, f"no audit row written by: {silent}"
    assert walked >= 30
    hq = as_role("hq_marketing")  # the catalog request left waiting: taken back for the others
    for request in hq.client.get("/api/approvals", params={"view": "mine"}).json()["data"]:
        if request["status"] == "pending":
            path = f"/api/approvals/{request['request_id']}/withdraw"
            assert hq.client.post(path, json={}, headers=hq.headers()).status_code == 200
