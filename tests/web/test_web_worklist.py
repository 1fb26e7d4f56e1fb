"""今日待办 over the web (issue 17 section 1), on the published small brokerage with a work-list
file for the served date written by support/worklist.py (the run step's schema): the broker's
home page shows the budget first with reasons, kinds in Chinese and the actions; the inbox pages
and filters; htmx actions change the item's state (refused input answered beside the form);
team completion for managers, 403 for a broker; the API answers 404 out of scope, 422 naming the
field, 409 twice done, and every read and change leaves its audit row."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import sqlalchemy as sa

from brokerlens.store import open_store
from brokerlens.store.schema import audit_log, users
from support.page_text import problems
from support.worklist import served_worklist
from web.conftest import Published, SignedIn

pytestmark = pytest.mark.slow


@dataclass(frozen=True)
class Listed:
    rows: list[dict[str, Any]]
    broker: str  # the demo broker's staff id
    as_of: dt.date

    def of(self, staff_id: str, *, budget: bool | None = None) -> list[dict[str, Any]]:
        mine = [r for r in self.rows if r["staff_id"] == staff_id]
        if budget is not None:
            mine = [r for r in mine if r["in_budget"] is budget]
        return sorted(mine, key=lambda r: r["rank"])


def _staff_of(published: Published, role: str) -> str | None:
    db = open_store(published.settings)
    with db.connect() as connection:
        found = connection.execute(
            sa.select(users.c.staff_id).where(users.c.username == published.users[role][0])
        ).scalar()
    return str(found) if found else None


@pytest.fixture(scope="module")
def listed(published: Published) -> Iterator[Listed]:
    broker = _staff_of(published, "broker")
    assert broker
    with served_worklist(published.settings) as rows:
        assert any(r["staff_id"] == broker for r in rows)
        yield Listed(rows, broker, rows[0]["as_of_date"])


def _audited(published: Published, username: str, action: str) -> list[Any]:
    db = open_store(published.settings)
    with db.connect() as connection:
        return list(
            connection.execute(
                sa.select(audit_log)
                .where(audit_log.c.username == username, audit_log.c.action == action)
                .order_by(audit_log.c.audit_id)
            ).mappings()
        )


def _ids(html: str, list_id: str) -> list[str]:
    block = html.split(f'id="{list_id}"', 1)[1].split("</ol>", 1)[0]
    return re.findall(r'data-customer="([^"]+)"', block)


def test_the_brokers_home_shows_todays_budget_first(
    listed: Listed, sign_in: Callable[[str], SignedIn], published: Published
) -> None:
    me = sign_in("broker")
    html = me.client.get("/").text
    budget = listed.of(listed.broker, budget=True)
    assert _ids(html, "worklist-budget") == [r["customer_id"] for r in budget]
    assert html.index('id="worklist-today"') < html.index('id="home-kpis"')  # first
    first = budget[0]
    for reason in first["reasons"]:
        assert reason in html
    assert "记录联系并完成" in html and "稍后提醒" in html and "忽略" in html
    assert f"全部待办（{len(listed.of(listed.broker))} 项）" in html
    assert problems(html.split('id="worklist-today"', 1)[1].split("</section>", 1)[0]) == []
    audit = _audited(published, me.username, "view_worklist")[-1]
    assert audit["customer_ids"].split(",") == [r["customer_id"] for r in budget]


CHIPS = {
    "alert:no_trade": "沉睡",  # the alert's own name
    "alert:risk_mismatch": "风险偏好超出承受能力",
    "churn": "流失风险",
    "activation": "激活潜力",
    "assessment_expiring": "风险测评将到期",
    "callback_due": "回访到期",
    "birthday": "生日",
    "anniversary": "开户周年",
    "maturity": "产品到期",
    "ipo_allotment": "新股中签",
    "complaint": "投诉跟进",
}


def test_kinds_read_in_chinese_alerts_by_their_own_name(
    listed: Listed, sign_in: Callable[[str], SignedIn]
) -> None:
    html = sign_in("broker").client.get("/worklist").text
    shown = {k for row in listed.of(listed.broker)[:50] for k in row["kinds"]}
    assert len(shown) >= 3
    for kind in shown:
        assert f'<li data-kind="{kind}"><span class="chip wl-kind">{CHIPS[kind]}</span>' in html
    assert "worklist.kind" not in html


def test_the_inbox_pages_and_filters_by_kind_and_date(
    listed: Listed, sign_in: Callable[[str], SignedIn]
) -> None:
    client = sign_in("broker").client
    mine = listed.of(listed.broker)
    html = client.get("/worklist").text
    assert _ids(html, "worklist-all") == [r["customer_id"] for r in mine][:50]
    assert problems(html.split('<main class="content">', 1)[1]) == []
    client.cookies.set("lang", "en")
    english = client.get("/worklist").text
    client.cookies.set("lang", "zh")
    assert "Log contact and finish" in english and "worklist." not in english
    churn = [r["customer_id"] for r in mine if "churn" in r["kinds"]]
    html = client.get("/worklist", params={"kind": "churn"}).text
    assert _ids(html, "worklist-all") == churn[:50] if churn else 'id="worklist-empty"' in html
    earlier = client.get("/worklist", params={"as_of": "2001-01-02"})
    assert earlier.status_code == 200 and "尚未生成待办清单" in earlier.text
    bad = client.get("/worklist", params={"as_of": "2001-13-40"})
    assert bad.status_code == 422
    assert client.get("/worklist", params={"kind": "lottery"}).status_code == 422


def test_the_api_lists_and_refuses_out_of_scope_and_bad_input(
    listed: Listed, sign_in: Callable[[str], SignedIn], published: Published
) -> None:
    me = sign_in("broker")
    body = me.client.get("/api/worklist").json()
    assert body["staff_id"] == listed.broker and body["as_of_date"] == listed.as_of.isoformat()
    assert [r["customer_id"] for r in body["rows"]] == [
        r["customer_id"] for r in listed.of(listed.broker, budget=True)
    ]
    other = next(r["staff_id"] for r in listed.rows if r["staff_id"] != listed.broker)
    assert me.client.get("/api/worklist", params={"staff_id": other}).status_code == 404
    for params, field in (({"page": 0}, "page"), ({"kind": "lottery"}, "kind")):
        response = me.client.get("/api/worklist", params={**params, "all": "true"})
        assert response.status_code == 422 and field in response.json()["error"]
    inbox = me.client.get("/api/worklist", params={"all": "true", "page_size": 5, "page": 2})
    assert [r["customer_id"] for r in inbox.json()["rows"]] == [
        r["customer_id"] for r in listed.of(listed.broker)
    ][5:10]
    hq = sign_in("hq_marketing")
    seen = hq.client.get("/api/worklist", params={"staff_id": other})
    assert seen.status_code == 200 and seen.json()["staff_id"] == other


def test_done_by_api_logs_the_contact_and_is_audited(
    listed: Listed, sign_in: Callable[[str], SignedIn], published: Published
) -> None:
    me = sign_in("broker")
    customer = listed.of(listed.broker, budget=True)[0]["customer_id"]
    url = f"/api/worklist/{customer}/done"
    call = {"channel": "phone", "result": "reached", "content": "电话回访，客户满意"}
    bad = me.client.post(url, json={**call, "channel": "pigeon"}, headers=me.headers())
    assert bad.status_code == 422 and bad.json()["error"].startswith("channel")
    missing = me.client.post(url, json={"channel": "phone"}, headers=me.headers())
    assert missing.status_code == 422 and "result" in missing.json()["error"]
    assert me.client.post(url, json=call).status_code == 403  # no CSRF token
    done = me.client.post(url, json=call, headers=me.headers())
    assert done.status_code == 200, done.text
    assert done.json()["item"]["status"] == "done"
    assert done.json()["record"]["work_item_date"] == listed.as_of.isoformat()
    again = me.client.post(url, json=call, headers=me.headers())
    assert again.status_code == 409
    rows = me.client.get("/api/worklist").json()["rows"]
    assert next(r for r in rows if r["customer_id"] == customer)["status"] == "done"
    assert _audited(published, me.username, "worklist_done")[-1]["customer_ids"] == customer
    assert _audited(published, me.username, "log_contact")
    stranger = next(r for r in listed.rows if r["staff_id"] != listed.broker)["customer_id"]
    response = me.client.post(f"/api/worklist/{stranger}/done", json=call, headers=me.headers())
    assert response.status_code == 404


def test_snooze_and_dismiss_by_api_name_the_field(
    listed: Listed, sign_in: Callable[[str], SignedIn], published: Published
) -> None:
    me = sign_in("broker")
    budget = listed.of(listed.broker, budget=True)
    snoozed, dismissed = budget[1]["customer_id"], budget[2]["customer_id"]
    too_far = (listed.as_of + dt.timedelta(days=120)).isoformat()
    response = me.client.post(
        f"/api/worklist/{snoozed}/snooze", json={"until": too_far}, headers=me.headers()
    )
    assert response.status_code == 422 and response.json()["error"].startswith("until")
    until = (listed.as_of + dt.timedelta(days=7)).isoformat()
    ok = me.client.post(
        f"/api/worklist/{snoozed}/snooze", json={"until": until}, headers=me.headers()
    )
    assert ok.status_code == 200 and ok.json()["snooze_until"] == until
    blank = me.client.post(
        f"/api/worklist/{dismissed}/dismiss", json={"reason": " "}, headers=me.headers()
    )
    assert blank.status_code == 422 and blank.json()["error"].startswith("reason")
    gone = me.client.post(
        f"/api/worklist/{dismissed}/dismiss", json={"reason": "客户已去世"}, headers=me.headers()
    )
    assert gone.status_code == 200 and gone.json()["status"] == "dismissed"
    assert _audited(published, me.username, "worklist_snoozed")[-1]["customer_ids"] == snoozed
    assert _audited(published, me.username, "worklist_dismissed")[-1]["detail"]["reason"] == (
        "客户已去世"
    )


def test_htmx_actions_answer_the_item_again(
    listed: Listed, sign_in: Callable[[str], SignedIn]
) -> None:
    me = sign_in("broker")
    customer = listed.of(listed.broker, budget=True)[3]["customer_id"]
    hx = {**me.headers(), "HX-Request": "true"}
    target = {"as_of": listed.as_of.isoformat(), "staff_id": listed.broker}
    refused = me.client.post(
        f"/worklist/{customer}/dismiss", data={**target, "reason": ""}, headers=hx
    )
    assert refused.status_code == 422
    assert 'data-status="open"' in refused.text and "wl-error" in refused.text
    assert "请填写忽略原因" in refused.text
    snoozed = me.client.post(
        f"/worklist/{customer}/snooze",
        data={**target, "until": (listed.as_of + dt.timedelta(days=3)).isoformat()},
        headers=hx,
    )
    assert snoozed.status_code == 200 and 'data-status="snoozed"' in snoozed.text
    assert "稍后提醒" in snoozed.text
    done = me.client.post(
        f"/worklist/{customer}/done",
        data={**target, "channel": "wechat", "result": "reached", "content": "微信沟通"},
        headers=hx,
    )
    assert done.status_code == 200 and 'data-status="done"' in done.text
    assert "记录联系并完成" not in done.text  # no actions on a done item
    home = me.client.get("/").text
    assert f'data-customer="{customer}" data-status="done"' in home


def test_team_completion_for_managers_and_403_for_a_broker(
    listed: Listed, sign_in: Callable[[str], SignedIn], published: Published
) -> None:
    broker = sign_in("broker")
    assert broker.client.get("/worklist/team").status_code == 403
    assert broker.client.get("/api/worklist/completion").status_code == 403
    manager = sign_in("branch_manager")
    body = manager.client.get("/api/worklist/completion").json()
    assert body["rows"], body
    for row in body["rows"]:
        assert row["open"] == row["budget"] - row["done"] - row["snoozed"] - row["dismissed"]
        assert row["budget"] == len(listed.of(row["staff_id"], budget=True))
    html = manager.client.get("/worklist/team").text
    assert 'id="worklist-completion"' in html and "完成率" in html
    assert problems(html.split('id="worklist-team"', 1)[1]) == []
    # a manager's /worklist without a broker goes to the team page
    moved = manager.client.get("/worklist")
    assert moved.status_code == 303 and moved.headers["location"] == "/worklist/team"
    assert _audited(published, manager.username, "view_worklist_completion")
