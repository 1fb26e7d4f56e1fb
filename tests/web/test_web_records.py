"""Service records over the web (issue 17 section 2): the 360's 服务记录 panel in Chinese with
the call-centre contacts of the feed on one timeline, logging a contact from its form (a refused
field shown beside it, never a 500), 编辑 offered to the author only and only for 24 hours,
and the API answering 201 / 422 naming the field / 403 / 404 out of scope."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

import pytest
import sqlalchemy as sa

from brokerlens.access.records import BEIJING
from brokerlens.store import open_store
from brokerlens.store.marketing_schema import service_records
from brokerlens.store.schema import audit_log
from support.page_text import problems
from web.conftest import Published, SignedIn

pytestmark = pytest.mark.slow

HX = {"HX-Request": "true"}


def _today() -> dt.date:
    return dt.datetime.now(BEIJING).date()


def _customers(me: SignedIn, n: int = 200) -> list[str]:
    rows = me.client.get("/api/customers", params={"page_size": n}).json()["data"]
    return [r["customer_id"] for r in rows]


def _with_contacts(me: SignedIn) -> tuple[str, list[dict[str, Any]]]:
    """A customer of the user whose 360 shows contacts-feed rows."""
    for cid in _customers(me):
        body = me.client.get(f"/api/customers/{cid}").json()
        if body.get("contacts"):
            return cid, body["contacts"]
    pytest.fail("the seeded small brokerage has no customer with contacts: the fixture changed")


def _outside(me: SignedIn, sign_in: Callable[[str], SignedIn]) -> str:
    """A customer head office sees and the broker does not (their 360 answers 404)."""
    everyone = _customers(sign_in("hq_marketing"))
    me = sign_in("broker")
    for cid in everyone:
        if me.client.get(f"/api/customers/{cid}").status_code == 404:
            return cid
    pytest.fail("the broker sees every customer of the first page: the fixture changed")


def _body(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "channel": "phone",
        "purpose": "marketing",
        "content": "介绍新发基金，客户有兴趣",
        "result": "reached",
    }
    body.update(changes)
    return body


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


def _age(published: Published, record_id: int, hours: float) -> None:
    """Make a record `hours` old (the 24-hour window runs on the real clock here)."""
    then = dt.datetime.now(dt.UTC) - dt.timedelta(hours=hours)
    db = open_store(published.settings)
    with db.begin() as connection:
        connection.execute(
            service_records.update()
            .where(service_records.c.record_id == record_id)
            .values(created_at=then)
        )


def test_the_panel_shows_the_feeds_contacts_in_chinese_and_logs_a_contact(
    sign_in: Callable[[str], SignedIn],
) -> None:
    me = sign_in("broker")
    cid, contacts = _with_contacts(me)
    page = me.client.get(f"/customers/{cid}").text
    assert f'hx-get="/customers/{cid}/records"' in page and 'id="records-panel"' in page
    panel = me.client.get(f"/customers/{cid}/records", headers=HX)
    assert panel.status_code == 200 and "<html" not in panel.text
    html = panel.text
    assert "服务记录 · 联系时间线" in html and "记录联系" in html and "呼叫中心" in html
    assert 'name="csrf_token"' in html
    shown = re.findall(r'<li class="tl-entry tl-contact" data-kind="contact"', html)
    assert len(shown) == min(len(contacts), 10)
    newest = contacts[0]
    assert newest["biz_date"] in html
    labels = {"phone": "电话", "sms": "短信", "wechat": "微信", "visit": "拜访", "email": "邮件"}
    if newest["channel"] in labels:
        assert labels[newest["channel"]] in html
    next_date = (_today() + dt.timedelta(days=3)).isoformat()
    logged = me.client.post(
        f"/customers/{cid}/records",
        data={
            "csrf_token": me.csrf,
            "channel": "visit",
            "purpose": "care",
            "result": "done",
            "content": "上门拜访，送上节日问候",
            "next_step": "带新产品资料再访",
            "next_date": next_date,
        },
        headers=HX,
    )
    assert logged.status_code == 200
    after = logged.text
    assert 'id="record-saved"' in after
    top = after.index('data-kind="record"')
    assert top < after.index('data-kind="contact"')  # newest first: above the feed's rows
    assert "上门拜访，送上节日问候" in after and "拜访" in after and "关怀" in after
    assert f"下次跟进 {next_date}" in after and "带新产品资料再访" in after
    assert ">编辑</button>" in after
    assert problems(after) == []  # reads in Chinese: no codes, no English, numbers formatted


@pytest.mark.parametrize(
    ("data", "field", "said"),
    [
        ({"channel": "fax"}, "channel", "请选择联系方式"),
        ({"content": " "}, "content", "请填写联系内容"),
        ({"next_step": "再约", "next_date": "2020-01-01"}, "next_date", "须晚于今天"),
        ({"next_date": "2999-01-01"}, "next_date", "一年之内"),
        (
            {"next_date": (dt.date.today() + dt.timedelta(days=5)).isoformat()},
            "next_step",
            "下一步",
        ),
        ({"next_date": "soon"}, "next_date", "须晚于今天"),
        ({"contact_at": "2999-01-01T10:00"}, "contact_at", "不能晚于现在"),
        ({"campaign_id": "999999"}, "campaign_id", "营销活动"),
    ],
)
def test_a_refused_field_shows_beside_it_in_the_panel(
    sign_in: Callable[[str], SignedIn], data: dict[str, str], field: str, said: str
) -> None:
    me = sign_in("broker")
    cid = _customers(me)[0]
    form = {"csrf_token": me.csrf, **_body(), **data}
    answer = me.client.post(f"/customers/{cid}/records", data=form, headers=HX)
    assert answer.status_code == 200, answer.text
    html = answer.text
    marked = re.search(rf'<span class="field-error" data-field="{field}"[^>]*>([^<]*)<', html)
    assert marked is not None and said in marked.group(1)
    assert 'id="record-saved"' not in html
    # the user's text is kept in the form, and the form is open
    assert '<details class="svc-log" open>' in html
    if field != "content":
        assert "介绍新发基金，客户有兴趣" in html


def test_the_api_logs_reads_and_answers_422_naming_the_field(
    sign_in: Callable[[str], SignedIn], published: Published
) -> None:
    me = sign_in("broker")
    cid = _customers(me)[1]
    next_date = (_today() + dt.timedelta(days=7)).isoformat()
    made = me.client.post(
        f"/api/customers/{cid}/service-records",
        json=_body(next_step="寄送产品说明书", next_date=next_date),
        headers=me.headers(),
    )
    assert made.status_code == 201, made.text
    record = made.json()
    assert record["customer_id"] == cid and record["username"] == me.username
    assert record["next_date"] == next_date and record["editable_until"]
    got = me.client.get(f"/api/service-records/{record['record_id']}")
    assert got.status_code == 200 and got.json()["content"] == "介绍新发基金，客户有兴趣"
    for body, field in (
        (_body(result="maybe"), "result"),
        (_body(content="长" * 2001), "content"),
        (_body(next_date="tomorrow"), "next_date"),
        (_body(colour="red"), "colour"),
    ):
        refused = me.client.post(
            f"/api/customers/{cid}/service-records", json=body, headers=me.headers()
        )
        assert refused.status_code == 422, refused.text
        assert field in refused.json()["error"]
    line = me.client.get(f"/api/customers/{cid}/timeline", params={"size": 5})
    assert line.status_code == 200
    found = line.json()
    first = found["entries"][0]
    assert first["kind"] == "record" and first["record_id"] == record["record_id"]
    assert first["editable"] is True and found["counts"]["record"] >= 1
    assert me.client.get(f"/api/customers/{cid}/timeline", params={"size": 0}).status_code == 422
    assert _audited(published, me.username, "log_contact")[-1]["customer_ids"] == cid
    assert _audited(published, me.username, "view_timeline")[-1]["customer_ids"] == cid


def test_out_of_scope_answers_404_like_an_unknown_customer(
    sign_in: Callable[[str], SignedIn], published: Published
) -> None:
    me = sign_in("broker")
    theirs = _outside(me, sign_in)
    me = sign_in("broker")
    for cid in (theirs, "NO_SUCH_CUSTOMER"):
        posted = me.client.post(
            f"/api/customers/{cid}/service-records", json=_body(), headers=me.headers()
        )
        assert posted.status_code == 404
        assert me.client.get(f"/api/customers/{cid}/timeline").status_code == 404
        assert me.client.get(f"/customers/{cid}/records", headers=HX).status_code == 404
    hq = sign_in("hq_marketing")
    made = hq.client.post(
        f"/api/customers/{theirs}/service-records", json=_body(), headers=hq.headers()
    )
    assert made.status_code == 201
    record_id = made.json()["record_id"]
    me = sign_in("broker")
    hidden = me.client.get(f"/api/service-records/{record_id}")
    missing = me.client.get("/api/service-records/2000000000")
    assert hidden.status_code == missing.status_code == 404
    assert hidden.json()["error"].replace(str(record_id), "X") == missing.json()["error"].replace(
        "2000000000", "X"
    )
    patched = me.client.patch(
        f"/api/service-records/{record_id}", json={"content": "改"}, headers=me.headers()
    )
    assert patched.status_code == 404


def test_editing_is_the_authors_for_24_hours_then_the_link_goes(
    sign_in: Callable[[str], SignedIn], published: Published
) -> None:
    me = sign_in("broker")
    cid = _customers(me)[2]
    made = me.client.post(
        f"/api/customers/{cid}/service-records", json=_body(), headers=me.headers()
    )
    record_id = made.json()["record_id"]
    patched = me.client.patch(
        f"/api/service-records/{record_id}",
        json={"content": "客户改约下周", "result": "done"},
        headers=me.headers(),
    )
    assert patched.status_code == 200 and patched.json()["content"] == "客户改约下周"
    assert patched.json()["channel"] == "phone"  # left out: kept
    edited = _audited(published, me.username, "edit_record")[-1]["detail"]
    assert edited["old"]["content"] == "介绍新发基金，客户有兴趣"
    assert edited["new"]["result"] == "done"
    bad = me.client.patch(
        f"/api/service-records/{record_id}", json={"purpose": "gossip"}, headers=me.headers()
    )
    assert bad.status_code == 422 and "purpose" in bad.json()["error"]
    # the edit form in place, then saved through the page
    form = me.client.get(f"/service-records/{record_id}/edit", headers=HX)
    assert form.status_code == 200 and f'id="record-edit-{record_id}"' in form.text
    assert "客户改约下周" in form.text and "保存" in form.text
    saved = me.client.post(
        f"/service-records/{record_id}",
        data={
            "csrf_token": me.csrf,
            "channel": "wechat",
            "purpose": "marketing",
            "result": "done",
            "content": "微信发送了产品资料",
        },
        headers=HX,
    )
    assert saved.status_code == 200 and "微信发送了产品资料" in saved.text
    refused = me.client.post(
        f"/service-records/{record_id}",
        data={"csrf_token": me.csrf, **_body(content="")},
        headers=HX,
    )
    assert refused.status_code == 200
    assert refused.headers["HX-Retarget"] == f"#record-edit-{record_id}"
    assert 'data-field="content"' in refused.text
    # another user who sees the customer reads it but may not edit
    lead = sign_in("team_lead")  # the demo broker's team lead: sees the broker's customers
    assert lead.client.get(f"/api/service-records/{record_id}").status_code == 200
    other = lead.client.patch(
        f"/api/service-records/{record_id}", json={"content": "x"}, headers=lead.headers()
    )
    assert other.status_code == 403 and "author" in other.json()["error"]
    panel = lead.client.get(f"/customers/{cid}/records", headers=HX).text
    assert f'data-record="{record_id}"' in panel
    assert f'hx-get="/service-records/{record_id}/edit"' not in panel
    me = sign_in("broker")
    panel = me.client.get(f"/customers/{cid}/records", headers=HX).text
    assert f'hx-get="/service-records/{record_id}/edit"' in panel
    _age(published, record_id, 24.5)
    panel = me.client.get(f"/customers/{cid}/records", headers=HX).text
    assert f'data-record="{record_id}"' in panel
    assert f'hx-get="/service-records/{record_id}/edit"' not in panel
    late = me.client.patch(
        f"/api/service-records/{record_id}", json={"content": "迟到的修改"}, headers=me.headers()
    )
    assert late.status_code == 403 and "24 hours" in late.json()["error"]
    late_page = me.client.post(
        f"/service-records/{record_id}",
        data={"csrf_token": me.csrf, **_body()},
        headers=HX,
    )
    assert late_page.status_code == 200 and 'id="record-refused"' in late_page.text
    assert "超过 24 小时" in late_page.text
    closed = me.client.get(f"/service-records/{record_id}/edit", headers=HX)
    assert (
        closed.status_code == 200 and "超过 24 小时" in closed.text and "<form" not in closed.text
    )


def test_the_panel_opened_directly_goes_to_the_360_and_english_labels(
    sign_in: Callable[[str], SignedIn],
) -> None:
    me = sign_in("broker")
    cid = _customers(me)[0]
    direct = me.client.get(f"/customers/{cid}/records")
    assert direct.status_code == 303
    assert direct.headers["location"] == f"/customers/{cid}#records-panel"
    me.client.cookies.set("lang", "en")
    try:
        html = me.client.get(f"/customers/{cid}/records", headers=HX).text
    finally:
        me.client.cookies.delete("lang")
    assert "Service records · contact timeline" in html and "Log a contact" in html
