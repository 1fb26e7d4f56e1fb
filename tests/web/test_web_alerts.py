"""The alert inbox over the web: the API in scope (404 alike for another broker's alert and a
missing one), the state machine's refusals as 422, the audited export, the inbox page with its
htmx actions, the 360's slot, the workbench counts, and who may not. Alert rows are inserted
into the published store by hand (dated long before the generated year, so they never meet
rows a run writes)."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable

from web.conftest import Published, SignedIn

_days = itertools.count()


def _mine(me: SignedIn) -> list[str]:
    body = me.client.get("/api/customers", params={"page_size": 200}).json()
    return [r["customer_id"] for r in body["data"]]


def _outsider(broker: SignedIn, hq: SignedIn) -> str:
    mine = set(_mine(broker))
    page = 1
    while True:
        body = hq.client.get("/api/customers", params={"page_size": 200, "page": page}).json()
        for row in body["data"]:
            if row["customer_id"] not in mine:
                return str(row["customer_id"])
        page += 1


def _insert(published: Published, customer_id: str, alert_id: str = "no_trade") -> int:
    from brokerlens.store import open_store
    from brokerlens.store.alerts_schema import alerts

    day = dt.date(2001, 1, 1) + dt.timedelta(days=next(_days))  # one date per inserted row
    with open_store(published.settings).begin() as connection:
        return int(
            connection.execute(
                alerts.insert()
                .values(
                    as_of_date=day,
                    customer_id=customer_id,
                    alert_id=alert_id,
                    explanation={
                        "figures": {"days_since_last_trade": 45},
                        "thresholds": {"days": 30},
                        "zh": f"{customer_id} 已 45 天未交易（阈值 30 天）",
                        "en": f"{customer_id} has not traded for 45 days (threshold 30)",
                    },
                    created_at=dt.datetime.now(dt.UTC),
                )
                .returning(alerts.c.alert_row_id)
            ).scalar_one()
        )


def test_the_inbox_api_is_scoped_and_another_brokers_alert_is_404(
    published: Published, other_client: Callable[[str], SignedIn]
) -> None:
    broker = other_client("broker")
    hq = other_client("hq_marketing")
    mine, theirs = _mine(broker)[0], _outsider(broker, hq)
    my_row, their_row = _insert(published, mine), _insert(published, theirs)

    listed = broker.client.get("/api/alerts", params={"customer_id": mine}).json()
    assert my_row in {r["alert_row_id"] for r in listed["data"]}
    assert listed["data"][0]["explanation"]["thresholds"] == {"days": 30}
    assert broker.client.get("/api/alerts", params={"customer_id": theirs}).json()["count"] == 0
    everything = broker.client.get("/api/alerts", params={"page_size": 200}).json()
    assert their_row not in {r["alert_row_id"] for r in everything["data"]}

    ghost = 987_654_321
    hidden, missing = (broker.client.get(f"/api/alerts/{i}") for i in (their_row, ghost))
    assert hidden.status_code == missing.status_code == 404
    assert hidden.text.replace(str(their_row), "X") == missing.text.replace(str(ghost), "X")
    moved = broker.client.post(
        f"/api/alerts/{their_row}/status", json={"status": "acknowledged"}, headers=broker.headers()
    )
    assert moved.status_code == 404
    slot = broker.client.get(f"/api/customers/{theirs}/alerts")
    assert slot.status_code == 404
    assert hq.client.get(f"/api/alerts/{their_row}").json()["status"] == "new"  # untouched
    recent = broker.client.get(f"/api/customers/{mine}/alerts").json()
    assert my_row in {r["alert_row_id"] for r in recent}


def test_status_moves_refusals_and_history(
    published: Published, sign_in: Callable[[str], SignedIn]
) -> None:
    me = sign_in("broker")
    row = _insert(published, _mine(me)[0])
    refused = me.client.post(
        f"/api/alerts/{row}/status", json={"status": "handled"}, headers=me.headers()
    )
    assert refused.status_code == 409  # a step out of order
    assert "is new: it cannot become handled" in refused.json()["error"]
    unknown = me.client.post(
        f"/api/alerts/{row}/status", json={"status": "closed"}, headers=me.headers()
    )
    assert unknown.status_code == 422 and "status" in unknown.json()["error"]
    no_csrf = me.client.post(f"/api/alerts/{row}/status", json={"status": "acknowledged"})
    assert no_csrf.status_code == 403

    ack = me.client.post(
        f"/api/alerts/{row}/status",
        json={"status": "acknowledged", "note": "已电话联系"},
        headers=me.headers(),
    )
    assert ack.status_code == 200, ack.text
    body = ack.json()
    assert body["status"] == "acknowledged" and body["status_by"] == me.username
    assert body["note"] == "已电话联系" and body["status_at"]
    bare = me.client.post(
        f"/api/alerts/{row}/status", json={"status": "dismissed"}, headers=me.headers()
    )
    assert bare.status_code == 422 and "note" in bare.json()["error"]
    done = me.client.post(
        f"/api/alerts/{row}/status",
        json={"status": "dismissed", "note": "客户已说明"},
        headers=me.headers(),
    ).json()
    assert [(a["from_status"], a["to_status"], a["username"]) for a in done["actions"]] == [
        ("new", "acknowledged", me.username),
        ("acknowledged", "dismissed", me.username),
    ]
    again = me.client.post(
        f"/api/alerts/{row}/status", json={"status": "handled"}, headers=me.headers()
    )
    assert again.status_code == 409
    compliance = sign_in("compliance")
    audit = compliance.client.get(
        "/api/audit", params={"action": "alert_dismissed", "username": me.username}
    ).json()
    assert audit["count"] >= 1 and audit["data"][0]["detail"]["alert_row_id"] == row


def test_counts_filters_and_bad_parameters(
    published: Published, sign_in: Callable[[str], SignedIn]
) -> None:
    me = sign_in("broker")
    cid = _mine(me)[0]
    _insert(published, cid, "large_assets")
    counts = me.client.get("/api/alerts/counts", params={"status": "new"}).json()["counts"]
    listed = me.client.get("/api/alerts", params={"status": "new", "alert_id": "large_assets"})
    assert counts["large_assets"]["new"] == listed.json()["count"] >= 1
    bad = me.client.get("/api/alerts", params={"status": "done"})
    assert bad.status_code == 422 and "status" in bad.json()["error"]
    backwards = me.client.get(
        "/api/alerts", params={"date_from": "2001-02-01", "date_to": "2001-01-01"}
    )
    assert backwards.status_code == 422 and "date_from" in backwards.json()["error"]
    assert me.client.get("/api/alerts", params={"page_size": 500}).status_code == 422
    not_a_day = me.client.get("/api/alerts", params={"date_to": "2001-13-01"})
    assert not_a_day.status_code == 422 and "date_to" in not_a_day.json()["error"]
    # the page's form sends its empty fields: they filter nothing
    empty = me.client.get(
        "/alerts", params={"alert_id": "", "status": "", "date_from": "", "date_to": ""}
    )
    assert empty.status_code == 200 and 'id="alerts"' in empty.text


def test_the_export_is_audited_and_needs_a_business_role(
    published: Published, sign_in: Callable[[str], SignedIn]
) -> None:
    me = sign_in("broker")
    cid = _mine(me)[0]
    _insert(published, cid)
    response = me.client.get("/api/alerts/export.csv", params={"customer_id": cid, "codes": "1"})
    assert response.status_code == 200
    assert response.headers["content-disposition"].startswith("attachment;")
    lines = response.text.lstrip("\ufeff").splitlines()
    assert lines[0].startswith("as_of_date,customer_id,name")
    assert len(lines) >= 2 and all(f",{cid}," in line for line in lines[1:])
    compliance = sign_in("compliance")
    audit = compliance.client.get(
        "/api/audit", params={"action": "export", "username": me.username}
    ).json()
    assert audit["data"][0]["detail"]["kind"] == "alerts"
    assert audit["data"][0]["customer_ids"] == [cid]
    admin = sign_in("admin")
    for path in ("/api/alerts", "/api/alerts/export.csv", "/api/alerts/counts", "/alerts"):
        assert admin.client.get(path).status_code == 403, path


def test_the_inbox_page_acknowledges_by_htmx(
    published: Published, sign_in: Callable[[str], SignedIn]
) -> None:
    me = sign_in("broker")
    cid = _mine(me)[0]
    row = _insert(published, cid, "fund_movement")
    page = me.client.get("/alerts", params={"customer_id": cid})
    assert page.status_code == 200
    assert f'id="alert-{row}"' in page.text and 'id="nav-alerts"' in page.text
    assert f'href="/customers/{cid}"' in page.text
    assert "已 45 天未交易" in page.text  # the explanation in the UI language
    partial = me.client.get(
        "/alerts",
        params={"customer_id": cid},
        headers={"HX-Request": "true", "HX-Target": "alert-table"},
    )
    assert f'id="alert-{row}"' in partial.text and "<html" not in partial.text
    acked = me.client.post(
        f"/alerts/{row}/status",
        data={"status": "acknowledged", "csrf_token": me.csrf},
        headers={"HX-Request": "true"},
    )
    assert acked.status_code == 200 and 'data-status="acknowledged"' in acked.text
    assert "alert-dismiss" in acked.text  # the next moves are offered
    refused = me.client.post(
        f"/alerts/{row}/status",
        data={"status": "dismissed", "note": "", "csrf_token": me.csrf},
        headers={"HX-Request": "true"},
    )
    assert refused.status_code == 422 and "note" in refused.text
    slot = me.client.get(f"/customers/{cid}/alerts", headers={"HX-Request": "true"})
    assert slot.status_code == 200 and "customer-alerts" in slot.text
    assert 'id="alerts-panel"' in me.client.get(f"/customers/{cid}").text
    me.client.get("/lang/en", params={"next": "/alerts"})
    english = me.client.get("/alerts", params={"customer_id": cid})
    assert "has not traded for 45 days" in english.text and "Alert inbox" in english.text
    me.client.cookies.delete("lang")


def test_the_workbench_counts_new_alerts_and_links_the_inbox(
    published: Published, sign_in: Callable[[str], SignedIn]
) -> None:
    me = sign_in("broker")
    cid = _mine(me)[0]
    _insert(published, cid, "strong_profit")
    home = me.client.get("/")
    assert home.status_code == 200 and 'id="home-alerts"' in home.text
    assert "/alerts?status=new&alert_id=strong_profit" in home.text
    body = me.client.get(
        "/api/alerts", params={"status": "new", "alert_id": "strong_profit"}
    ).json()
    assert body["count"] >= 1


def test_threshold_edits_are_refused_to_those_without_the_right(
    sign_in: Callable[[str], SignedIn],
) -> None:
    body = {"alert_id": "no_trade", "params": {"min_days": 10}}
    broker = sign_in("broker")
    for path in ("/api/alerts/thresholds/preview", "/api/alerts/thresholds"):
        refused = broker.client.post(path, json=body, headers=broker.headers())
        assert refused.status_code == 403, path
        assert "edit_alert_thresholds" in refused.json()["error"]
    branch = sign_in("branch_manager")
    other = {**body, "branch_id": "NOT-MY-BRANCH"}
    refused = branch.client.post(
        "/api/alerts/thresholds/preview", json=other, headers=branch.headers()
    )
    assert refused.status_code == 403 and "own branch" in refused.json()["hint"]
    defaults = branch.client.post("/api/alerts/thresholds", json=body, headers=branch.headers())
    assert defaults.status_code == 403  # the defaults are HQ's


def test_preview_shows_how_many_would_fire_before_a_branch_saves(
    sign_in: Callable[[str], SignedIn],
) -> None:
    me = sign_in("branch_manager")
    branch = me.client.get("/api/me").json()["user"]["unit_id"]
    listed = {a["alert_id"]: a for a in me.client.get("/api/alerts/thresholds").json()["alerts"]}
    defaults = listed["no_trade"]["defaults"]
    assert defaults["min_days"] == 30 and not listed["no_trade"]["may_edit_defaults"]
    same = {"alert_id": "no_trade", "branch_id": branch, "params": defaults}
    now = me.client.post("/api/alerts/thresholds/preview", json=same, headers=me.headers())
    assert now.status_code == 200, now.text
    assert now.json()["proposed"] == now.json()["current"]  # the values in force: no change
    looser = {**same, "params": {"min_days": 1, "min_assets": 0}}
    more = me.client.post("/api/alerts/thresholds/preview", json=looser, headers=me.headers())
    assert more.json()["current"] == now.json()["current"]
    assert more.json()["proposed"] > more.json()["current"]
    assert set(more.json()["proposed_by_branch"]) <= {branch}
    unknown = {**same, "params": {"days": 3}}
    bad = me.client.post("/api/alerts/thresholds/preview", json=unknown, headers=me.headers())
    assert bad.status_code == 422 and "days" in bad.json()["error"]

    page = me.client.get("/alerts/thresholds")
    assert page.status_code == 200 and 'id="thr-no_trade"' in page.text
    form = me.client.post(
        "/alerts/thresholds/preview",
        data={
            "csrf_token": me.csrf,
            "alert_id": "no_trade",
            "branch_id": branch,
            "param:min_days": "1",
            "param:min_assets": "0",
        },
        headers={"HX-Request": "true"},
    )
    proposed, current = more.json()["proposed"], more.json()["current"]
    assert form.status_code == 200
    assert f"将有 {proposed:,} 位客户触发（当前 {current:,} 位）" in form.text
    assert 'id="thr-save"' in form.text
    saved = me.client.post(
        "/alerts/thresholds/save",
        data={
            "csrf_token": me.csrf,
            "alert_id": "no_trade",
            "branch_id": branch,
            "param:min_days": "45",
        },
        headers={"HX-Request": "true"},
    )
    # a request (issue 18): nothing changes until head office approves it
    assert saved.status_code == 200 and 'id="thr-saved"' in saved.text
    assert "总部批准前阈值不变" in saved.text
    request_id = int(saved.text.split('data-request="')[1].split('"')[0])
    before = {a["alert_id"]: a for a in me.client.get("/api/alerts/thresholds").json()["alerts"]}
    assert before["no_trade"]["branches"].get(branch, {}).get("min_days") != 45
    hq = sign_in("hq_marketing")
    approved = hq.client.post(
        f"/api/approvals/{request_id}/approve", json={"comment": "同意"}, headers=hq.headers()
    )
    assert approved.status_code == 200 and approved.json()["status"] == "approved"
    after = {a["alert_id"]: a for a in hq.client.get("/api/alerts/thresholds").json()["alerts"]}
    assert after["no_trade"]["branches"][branch]["min_days"] == 45
    compliance = sign_in("compliance")
    audit = compliance.client.get(
        "/api/audit", params={"action": "alert_thresholds", "username": hq.username}
    ).json()
    assert audit["count"] >= 1 and audit["data"][0]["detail"]["branch_id"] == branch
