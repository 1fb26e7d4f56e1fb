"""关怀提醒 over the web: the run's messages reach the outbox without personal data; the API and
the page in scope with counts and filters; the export for the platform (permission, CSV,
marks); e-mail through a real SMTP server from the page's API; the 360's care panel with 退订 /
恢复 and the opt-out API. Rows of our own are dated 2001 (never a date a run writes)."""

from __future__ import annotations

import datetime as dt
import itertools
import re
from collections.abc import Callable, Iterator

import pytest

from brokerlens.store import open_store
from brokerlens.store.marketing_schema import care_messages
from support.smtp import SmtpServer, smtp_server  # noqa: F401  (fixture)
from web.conftest import Published, SignedIn

_days = itertools.count()


def _mine(me: SignedIn) -> list[str]:
    body = me.client.get("/api/customers", params={"page_size": 200}).json()
    return [r["customer_id"] for r in body["data"]]


def _outsider(broker: SignedIn, hq: SignedIn) -> str:
    mine = set(_mine(broker))
    body = hq.client.get("/api/customers", params={"page_size": 200}).json()
    return next(str(r["customer_id"]) for r in body["data"] if r["customer_id"] not in mine)


def _insert(published: Published, customer_id: str, channel: str = "sms") -> dt.date:
    day = dt.date(2001, 1, 1) + dt.timedelta(days=next(_days))  # one date per row
    with open_store(published.settings).begin() as connection:
        connection.execute(
            care_messages.insert().values(
                rule_id="birthday",
                customer_id=customer_id,
                occasion_date=day,
                as_of_date=day,
                channel=channel,
                subject="生日快乐",
                body=f"尊敬的客户{customer_id}，祝您生日快乐！",
                status="queued",
                created_at=dt.datetime.now(dt.UTC),
            )
        )
    return day


def _one_day(day: dt.date) -> dict[str, str]:
    return {"date_from": day.isoformat(), "date_to": day.isoformat()}


def test_the_run_s_messages_reach_the_outbox_without_personal_data(
    published: Published, sign_in: Callable[[str], SignedIn]
) -> None:
    hq = sign_in("hq_marketing")
    body = hq.client.get("/api/care/messages", params={"page_size": 200}).json()
    run = [m for m in body["data"] if m["occasion_date"] >= "2025-01-01"]
    assert body["counts"]["total"] == body["count"] >= len(run) > 0
    for m in run:
        assert m["status"] in ("queued", "opted_out")
        assert not re.search(r"1[3-9]\d{9}|\d{17}[\dX]|(19|20)\d\d-\d\d-\d\d", m["body"])
        if m["rule_id"] == "birthday":
            assert "生日快乐" in m["body"]


def test_the_api_is_scoped_filtered_and_counted(
    sign_in: Callable[[str], SignedIn],
    other_client: Callable[[str], SignedIn],
    published: Published,
) -> None:
    hq = other_client("hq_marketing")
    broker = sign_in("broker")
    own, other = _mine(broker)[0], _outsider(broker, hq)
    day_own, day_other = _insert(published, own), _insert(published, other)
    got = broker.client.get("/api/care/messages", params=_one_day(day_own)).json()
    assert [m["customer_id"] for m in got["data"]] == [own]
    assert got["counts"]["by_rule"] == {"birthday": 1}
    assert got["counts"]["by_channel"] == {"sms": 1}
    hidden = broker.client.get("/api/care/messages", params=_one_day(day_other)).json()
    assert hidden["count"] == 0
    bad = broker.client.get("/api/care/messages", params={"channel": "fax"})
    assert bad.status_code == 422 and "channel" in bad.json()["error"]
    bad = broker.client.get("/api/care/messages", params={"date_from": "2025-13-01"})
    assert bad.status_code == 422 and "date_from" in bad.json()["error"]


def test_export_needs_send_messages_and_marks_the_rows(
    sign_in: Callable[[str], SignedIn], published: Published
) -> None:
    broker = sign_in("broker")
    own = _mine(broker)[0]
    day = _insert(published, own)
    refused = broker.client.post(
        "/api/care/export", params={"channel": "sms", **_one_day(day)}, headers=broker.headers()
    )
    assert refused.status_code == 403 and "send_messages" in refused.json()["error"]
    hq = sign_in("hq_marketing")
    done = hq.client.post(
        "/api/care/export", params={"channel": "sms", **_one_day(day)}, headers=hq.headers()
    )
    assert done.status_code == 200, done.text
    assert done.headers["content-type"].startswith("text/csv")
    assert "attachment" in done.headers["content-disposition"]
    lines = done.text.splitlines()
    assert lines[0] == "message_id,customer_id,phone,body" and len(lines) == 2
    assert lines[1].split(",")[1] == own and "生日快乐" in lines[1]
    after = hq.client.get("/api/care/messages", params=_one_day(day)).json()
    assert after["data"][0]["status"] == "exported"
    assert after["data"][0]["sent_by"] == hq.username
    audit = hq.client.get("/api/audit", params={"action": "export", "username": hq.username})
    assert audit.status_code == 403  # HQ marketing does not read the audit log ...
    compliance = sign_in("compliance")
    rows = compliance.client.get(
        "/api/audit", params={"action": "export", "customer_id": own}
    ).json()["data"]
    assert any(r["detail"].get("kind") == "care_messages" for r in rows)


def test_the_outbox_page_in_chinese_with_counts_rules_and_buttons_by_permission(
    sign_in: Callable[[str], SignedIn], published: Published
) -> None:
    broker = sign_in("broker")
    day = _insert(published, _mine(broker)[0])
    page = broker.client.get("/care", params=_one_day(day))
    assert page.status_code == 200
    html = page.text
    for said in ("关怀提醒", "按规则", "按渠道", "按状态", "生效的关怀规则", "生日祝福", "待发送"):
        assert said in html, said
    assert 'id="care-export-sms"' not in html and 'id="care-no-send"' in html
    hq = sign_in("hq_marketing")
    html = hq.client.get("/care").text
    assert 'id="care-export-sms"' in html and 'id="care-send-email"' in html
    bad = hq.client.get("/care", params={"status": "lost"})
    assert bad.status_code == 422 and "Traceback" not in bad.text


def test_e_mail_not_set_up_is_said(sign_in: Callable[[str], SignedIn]) -> None:
    hq = sign_in("hq_marketing")
    said = hq.client.post("/api/care/send-email", headers=hq.headers())
    assert said.status_code == 422 and "BROKERLENS_SMTP_HOST" in said.json()["error"]


@pytest.fixture
def mail_client(published: Published, smtp_server: SmtpServer) -> Iterator[SignedIn]:  # noqa: F811
    from fastapi.testclient import TestClient

    from brokerlens.store import dispose_engines
    from brokerlens.web.app import create_app

    settings = published.settings.model_copy(
        update={
            "smtp_host": smtp_server.host,
            "smtp_port": smtp_server.port,
            "smtp_sender": "care@broker.example",
        }
    )
    with TestClient(create_app(settings), follow_redirects=False) as client:
        username, password = published.users["hq_marketing"]
        response = client.post("/api/login", json={"username": username, "password": password})
        yield SignedIn(client, response.json()["csrf_token"], username)
    dispose_engines()


def test_the_page_sends_e_mail_through_a_real_server(
    mail_client: SignedIn,
    published: Published,
    smtp_server: SmtpServer,  # noqa: F811
) -> None:
    hq = mail_client
    rows = hq.client.get("/api/customers", params={"page_size": 200}).json()["data"]
    customer = next(str(r["customer_id"]) for r in rows if r.get("email"))
    day = _insert(published, customer, channel="email")
    page = hq.client.post("/care/send-email", params=_one_day(day), data={"csrf_token": hq.csrf})
    assert page.status_code == 200 and 'id="care-report"' in page.text
    after = hq.client.get("/api/care/messages", params=_one_day(day)).json()["data"][0]
    assert after["status"] == "sent", after
    (mail,) = smtp_server.inbox.received
    assert (
        mail.subject == "生日快乐" and mail.body.strip() == f"尊敬的客户{customer}，祝您生日快乐！"
    )
    assert "@" in mail.recipients[0]


def test_the_360_panel_opts_out_and_back_in(
    sign_in: Callable[[str], SignedIn],
    other_client: Callable[[str], SignedIn],
    published: Published,
) -> None:
    broker = sign_in("broker")
    own, other = _mine(broker)[1], _outsider(broker, other_client("hq_marketing"))
    day = _insert(published, own)
    htmx = {"HX-Request": "true"}
    panel = broker.client.get(f"/customers/{own}/care", headers=htmx)
    assert panel.status_code == 200 and "关怀提醒" in panel.text and "退订" in panel.text
    assert broker.client.get(f"/customers/{own}/care").status_code == 303  # the 360 at the panel
    assert broker.client.get(f"/customers/{other}/care", headers=htmx).status_code == 404
    done = broker.client.post(
        f"/customers/{own}/care/opt-out",
        data={"csrf_token": broker.csrf, "channel": "sms", "reason": "客户来电要求"},
        headers=htmx,
    )
    assert done.status_code == 200 and 'id="care-opt-in-sms"' in done.text
    row = broker.client.get("/api/care/messages", params=_one_day(day)).json()["data"][0]
    assert row["status"] == "opted_out"
    listed = broker.client.get(f"/api/customers/{own}/opt-outs").json()["data"]
    assert [(o["channel"], o["reason"]) for o in listed] == [("sms", "客户来电要求")]
    back = broker.client.delete(
        f"/api/customers/{own}/opt-outs", params={"channel": "sms"}, headers=broker.headers()
    )
    assert back.status_code == 200 and back.json()["requeued"] == 0  # its occasion has passed
    again = broker.client.delete(
        f"/api/customers/{own}/opt-outs", params={"channel": "sms"}, headers=broker.headers()
    )
    assert again.status_code == 409
    added = broker.client.post(
        f"/api/customers/{own}/opt-outs",
        json={"channel": "all", "reason": "投诉后要求停止"},
        headers=broker.headers(),
    )
    assert added.status_code == 201 and added.json()["channel"] == "all"
    missing = broker.client.post(
        f"/api/customers/{own}/opt-outs",
        json={"channel": "sms", "reason": " "},
        headers=broker.headers(),
    )
    assert missing.status_code == 422 and "reason" in missing.json()["error"]
    outside = broker.client.post(
        f"/api/customers/{other}/opt-outs",
        json={"channel": "sms", "reason": "x"},
        headers=broker.headers(),
    )
    assert outside.status_code == 404
    page = broker.client.get(f"/customers/{own}")
    assert 'id="care-panel"' in page.text
