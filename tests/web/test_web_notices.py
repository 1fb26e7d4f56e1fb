"""通知公告 through the API and the pages, as the demo users of the published small brokerage:
head office publishes to every broker; the broker finds it on the home page until they mark it
read; reading a notice's page marks it too and shows its body escaped; the read receipts per
unit; a branch manager cannot address another branch; bad input answered 4xx naming the field;
every change audited."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
import sqlalchemy as sa

from brokerlens.store import open_store
from brokerlens.store.schema import audit_log
from support.page_text import problems
from web.conftest import Published, SignedIn


def _units(tree: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    for unit in tree:
        yield unit
        yield from _units(unit.get("children") or [])


def _org(hq: SignedIn) -> tuple[str, list[str]]:
    """The root unit and the branches."""
    tree = hq.client.get("/api/org/tree").json()
    branches = [u["unit_id"] for u in _units(tree) if u["unit_type"] == "branch"]
    return tree[0]["unit_id"], branches


def _withdraw(me: SignedIn, notice_id: int) -> None:
    """Tidy: the shared published store's home pages show no test notice afterwards."""
    gone = me.client.post(
        f"/api/notices/{notice_id}/withdraw", json={"note": "测试结束"}, headers=me.headers()
    )
    assert gone.status_code == 200, gone.text


def _audited(published: Published, notice_id: int) -> list[tuple[str, str]]:
    db = open_store(published.settings)
    with db.connect() as connection:
        rows = connection.execute(
            sa.select(audit_log.c.action, audit_log.c.username, audit_log.c.detail).order_by(
                audit_log.c.audit_id
            )
        ).all()
    return [(a, u) for a, u, d in rows if (d or {}).get("notice_id") == notice_id]


@pytest.fixture
def signed(other_client: Callable[[str], SignedIn]) -> Callable[[str], SignedIn]:
    """One client per role, kept for the test (several users side by side)."""
    made: dict[str, SignedIn] = {}

    def get(role: str) -> SignedIn:
        if role not in made:
            made[role] = other_client(role)
        return made[role]

    return get


def test_a_notice_shows_on_the_home_page_until_read(
    signed: Callable[[str], SignedIn], published: Published
) -> None:
    hq, broker, advisor = signed("hq_marketing"), signed("broker"), signed("advisor")
    root, _ = _org(hq)
    body = {
        "title": "关于开展适当性自查的通知",
        "body": "请于**本周五**前完成。<script>alert('x')</script>\n\n[制度](javascript:alert(1))",
        "units": [root],
        "roles": ["broker"],
        "importance": "urgent",
    }
    made = hq.client.post("/api/notices", json=body, headers=hq.headers())
    assert made.status_code == 201, made.text
    nid = made.json()["notice_id"]
    assert made.json()["state"] == "showing" and not made.json()["addressed"]  # not a broker

    home = broker.client.get("/")
    assert 'id="home-notices"' in home.text and "关于开展适当性自查的通知" in home.text
    assert f'hx-post="/notices/{nid}/read"' in home.text and "紧急" in home.text
    assert problems(home.text) == []  # reads in Chinese
    assert "关于开展适当性自查的通知" not in advisor.client.get("/").text  # brokers only
    assert broker.client.get("/api/notices", params={"unread": True}).json()["unread"] >= 1

    # 标为已读 (htmx): the list comes back without it, and the home page no longer shows it
    marked = broker.client.post(
        f"/notices/{nid}/read", headers={**broker.headers(), "HX-Request": "true"}
    )
    assert marked.status_code == 200 and f'data-notice="{nid}"' not in marked.text
    assert "关于开展适当性自查的通知" not in broker.client.get("/").text
    listed = broker.client.get("/notices")
    assert f'data-notice="{nid}"' in listed.text  # still in the list, as read
    # its page: the body rendered, the script and the javascript: link escaped
    page = broker.client.get(f"/notices/{nid}")
    assert page.status_code == 200 and "<strong>本周五</strong>" in page.text
    assert "<script>alert" not in page.text and "&lt;script&gt;" in page.text
    assert 'href="javascript:' not in page.text
    assert 'id="notice-receipts"' not in page.text  # a broker sees no receipts

    receipts = hq.client.get(f"/api/notices/{nid}/receipts").json()
    assert receipts["whole"] and receipts["read"] == 1 and receipts["addressed"] >= 1
    units = receipts["units"]
    assert sum(u["addressed"] for u in units) == receipts["addressed"]
    assert all(r["role"] == "broker" for u in units for r in u["unread"])
    assert broker.username not in {r["username"] for u in units for r in u["unread"]}
    shown = hq.client.get(f"/notices/{nid}")
    assert 'id="notice-receipts-table"' in shown.text and problems(shown.text) == []
    managed = hq.client.get("/notices?view=managed")
    assert f'data-notice="{nid}"' in managed.text and problems(managed.text) == []
    _withdraw(hq, nid)
    assert nid not in [n["notice_id"] for n in broker.client.get("/api/notices").json()["data"]]
    assert _audited(published, nid) == [
        ("notice_create", hq.username),
        ("notice_read", broker.username),
        ("notice_receipts", hq.username),
        ("notice_receipts", hq.username),
        ("notice_withdraw", hq.username),
    ]


def test_reading_the_page_marks_it_and_the_branch_sees_its_receipts(
    signed: Callable[[str], SignedIn],
) -> None:
    manager, broker, hq = signed("branch_manager"), signed("broker"), signed("hq_marketing")
    branch = manager.client.get("/api/me").json()["user"]["unit_id"]
    made = manager.client.post(
        "/api/notices",
        json={
            "title": "营业部周会",
            "body": "周一 9:00\n三楼会议室",
            "units": [branch],
            "body_format": "text",
        },
        headers=manager.headers(),
    )
    assert made.status_code == 201, made.text
    nid = made.json()["notice_id"]
    assert broker.client.get(f"/api/notices/{nid}").json()["read_at"] is None
    page = broker.client.get(f"/notices/{nid}")
    assert page.status_code == 200 and 'class="notice-plain"' in page.text
    assert broker.client.get(f"/api/notices/{nid}").json()["read_at"] is not None
    mine = manager.client.get(f"/notices/{nid}")
    assert 'id="notice-receipts-table"' in mine.text and f'data-unit="{branch}"' in mine.text
    assert nid in [
        n["notice_id"]
        for n in hq.client.get("/api/notices", params={"view": "managed"}).json()["data"]
    ]
    _withdraw(manager, nid)


def test_a_branch_cannot_address_another_branch_and_bad_input_is_named(
    signed: Callable[[str], SignedIn],
) -> None:
    manager, broker, hq = signed("branch_manager"), signed("broker"), signed("hq_marketing")
    mine = manager.client.get("/api/me").json()["user"]["unit_id"]
    _, branches = _org(hq)
    other = next(b for b in branches if b != mine)
    body = {"title": "跨营业部", "body": "正文", "units": [other]}
    refused = manager.client.post("/api/notices", json=body, headers=manager.headers())
    assert refused.status_code == 403 and f"units: {other}" in refused.json()["error"]
    form = manager.client.post(
        "/notices/new",
        data={"csrf_token": manager.csrf, "title": "跨营业部", "body": "正文", "units": other},
    )
    assert form.status_code == 403 and 'data-field="units_forbidden"' in form.text
    assert "只能发送给本单位及下属单位" in form.text and "跨营业部" in form.text  # kept as typed
    assert problems(form.text) == []
    empty = manager.client.post(
        "/notices/new", data={"csrf_token": manager.csrf, "title": " ", "body": "x", "units": mine}
    )
    assert empty.status_code == 422 and 'data-field="title"' in empty.text
    late = manager.client.post(
        "/notices/new",
        data={
            "csrf_token": manager.csrf,
            "title": "t",
            "body": "x",
            "units": mine,
            "expire_at": "not-a-time",
        },
    )
    assert late.status_code == 422 and 'data-field="expire_at"' in late.text
    for bad, field in (
        ({**body, "units": [mine], "importance": "huge"}, "importance"),
        ({**body, "units": []}, "units"),
        ({**body, "units": [mine], "roles": ["boss"]}, "roles"),
        ({**body, "units": [mine], "publish_at": "0001-01-01T00:00:00"}, "publish_at"),
        ({**body, "units": ["NO-SUCH-UNIT"]}, "units"),
    ):
        answer = manager.client.post("/api/notices", json=bad, headers=manager.headers())
        assert answer.status_code == 422, (field, answer.text)
        assert field in answer.text, (field, answer.text)
    # a broker cannot publish: the form is refused, the nav has no link to it
    assert broker.client.get("/notices/new").status_code == 403
    assert 'id="notice-new"' not in broker.client.get("/notices").text
    no = broker.client.post(
        "/api/notices", json={**body, "units": [mine]}, headers=broker.headers()
    )
    assert no.status_code == 403 and "publish_notices" in no.json()["error"]
