"""The knowledge base on the web (issue 23 section 2), on the published small brokerage: head
office writes an article and compliance approves it through the API; a broker finds it by a
two-character Chinese word and reads it, the Markdown rendered with nothing of its raw HTML or
script links; the pages in Chinese (search, article, form, versions); a refused field and a
refused attachment said beside them; the article linked from a campaign's script shows on the
campaign's page; who may write; bad parameters answered 422."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable

from support.page_text import problems
from web.conftest import SignedIn

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
BODY = """# 适用客户
融资融券（两融）业务适合**有经验**的投资者。

- 开户满半年
- 资产达标

<script>alert('x')</script>
[危险链接](javascript:alert(1)) [公司官网](https://www.example.com)
"""


def _published(hq: SignedIn, compliance: SignedIn, title: str, **more: object) -> int:
    body = {"title": title, "category": "scripts", "body": BODY, "tags": ["两融", "话术"], **more}
    made = hq.client.post("/api/kb/articles", json=body, headers=hq.headers())
    assert made.status_code == 201, made.text
    article_id = int(made.json()["article_id"])
    asked = hq.client.post(
        f"/api/kb/articles/{article_id}/submit", json={"note": "请审核"}, headers=hq.headers()
    )
    assert asked.status_code == 202, asked.text
    request_id = asked.json()["request_id"]
    done = compliance.client.post(
        f"/api/approvals/{request_id}/approve",
        json={"comment": "同意"},
        headers=compliance.headers(),
    )
    assert done.status_code == 200 and done.json()["status"] == "approved", done.text
    return article_id


def test_an_approved_article_is_found_in_chinese_and_read_safely(
    other_client: Callable[[str], SignedIn],
) -> None:
    hq, compliance, broker = (other_client(r) for r in ("hq_marketing", "compliance", "broker"))
    title = f"两融开通邀约话术 {uuid.uuid4().hex[:6]}"
    article_id = _published(hq, compliance, title)

    found = broker.client.get("/api/kb/articles", params={"q": "两融", "page_size": 100})
    assert found.status_code == 200, found.text
    hits = {h["article_id"]: h for h in found.json()["data"]}
    assert article_id in hits and "两融" in hits[article_id]["highlights"]
    page = broker.client.get("/kb", params={"q": "两融"})
    assert page.status_code == 200 and problems(page.text) == [], problems(page.text)
    assert f'data-article="{article_id}"' in page.text and "<mark>两融</mark>" in page.text

    read = broker.client.get(f"/api/kb/articles/{article_id}")
    assert read.status_code == 200 and not read.json()["may_edit"]
    html = read.json()["body_html"]
    assert "<strong>有经验</strong>" in html and "<li>开户满半年</li>" in html
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "javascript:" not in re.sub(r">[^<]*<", "><", html)  # not in any tag
    article = broker.client.get(f"/kb/articles/{article_id}")
    assert article.status_code == 200 and problems(article.text) == [], problems(article.text)
    assert "<script>alert" not in article.text and 'href="javascript' not in article.text
    assert 'href="https://www.example.com" rel="noopener noreferrer nofollow"' in article.text
    assert broker.client.get(f"/kb/articles/{article_id}/versions").status_code == 403


def test_writing_in_the_pages_refused_fields_and_files_said_in_place(
    sign_in: Callable[[str], SignedIn],
) -> None:
    hq = sign_in("hq_marketing")
    form = hq.client.get("/kb/new")
    assert form.status_code == 200 and problems(form.text) == [], problems(form.text)
    empty = hq.client.post(
        "/kb/new",
        data={"csrf_token": hq.csrf, "title": " ", "category": "products", "body": "正文"},
    )
    assert empty.status_code == 422 and 'data-field="title"' in empty.text
    assert "请填写标题" in empty.text and problems(empty.text) == []
    made = hq.client.post(
        "/kb/new",
        data={
            "csrf_token": hq.csrf,
            "title": "国债逆回购操作手册",
            "category": "products",
            "tags": "逆回购, 现金管理",
            "roles": ["broker", "advisor"],
            "body": "## 操作\n在交易软件中**卖出** 204001。",
        },
    )
    assert made.status_code == 303, made.text
    url = made.headers["location"]
    page = hq.client.get(url)
    assert page.status_code == 200 and problems(page.text) == [], problems(page.text)
    assert 'id="kb-draft"' in page.text and 'id="kb-submit"' in page.text
    article_id = int(url.rsplit("/", 1)[-1])

    refused = hq.client.post(
        f"/kb/articles/{article_id}/attachments",
        data={"csrf_token": hq.csrf},
        files={"file": ("病毒.exe", b"MZ\x90\x00", "application/octet-stream")},
    )
    assert refused.status_code == 422 and "不允许的文件类型 .exe" in refused.text
    api_refused = hq.client.post(
        f"/api/kb/articles/{article_id}/attachments",
        files={"file": ("big.pdf", b"%PDF-" + b"0" * (10 * 1024 * 1024 + 1), "application/pdf")},
        headers=hq.headers(),
    )
    assert api_refused.status_code == 422 and "10 MB" in api_refused.json()["error"]
    kept = hq.client.post(
        f"/kb/articles/{article_id}/attachments",
        data={"csrf_token": hq.csrf},
        files={"file": ("操作手册.pdf", PDF, "application/pdf")},
    )
    assert kept.status_code == 303, kept.text
    shown = hq.client.get(kept.headers["location"])
    (attachment,) = re.findall(rf'/kb/articles/{article_id}/attachments/(\d+)"', shown.text)
    download = hq.client.get(f"/kb/articles/{article_id}/attachments/{attachment}")
    assert download.status_code == 200 and download.content == PDF
    assert download.headers["content-disposition"].startswith("attachment;")
    edit = hq.client.get(f"/kb/articles/{article_id}/edit")
    assert edit.status_code == 200 and "国债逆回购操作手册" in edit.text
    versions = hq.client.get(f"/kb/articles/{article_id}/versions")
    assert versions.status_code == 200 and problems(versions.text) == [], problems(versions.text)
    assert versions.text.count("data-version=") == 2  # written, then the file added
    submitted = hq.client.post(f"/kb/articles/{article_id}/submit", data={"csrf_token": hq.csrf})
    assert submitted.status_code == 303
    assert 'id="kb-pending"' in hq.client.get(f"/kb/articles/{article_id}").text
    blocked = hq.client.post(
        f"/kb/articles/{article_id}/edit",
        data={"csrf_token": hq.csrf, "title": "改", "category": "products", "body": "改"},
    )
    assert blocked.status_code == 409 and "正在等待审批，期间不能修改" in blocked.text


def test_an_article_linked_from_a_campaign_shows_on_its_page(
    other_client: Callable[[str], SignedIn],
) -> None:
    hq, compliance = other_client("hq_marketing"), other_client("compliance")
    article_id = _published(hq, compliance, "定投推荐话术（活动）")
    segment = hq.client.post(
        "/api/segments",
        json={
            "name": "知识库关联测试",
            "visibility": "unit",
            "conditions": [{"field": "total_assets_t", "op": "ge", "value": 50000}],
        },
        headers=hq.headers(),
    )
    assert segment.status_code == 201, segment.text
    campaign = hq.client.post(
        "/api/campaigns",
        json={
            "name": "定投推荐",
            "goal": "trade",
            "segment_id": segment.json()["segment_id"],
            "window_start": "2025-01-01",
            "window_end": "2025-12-31",
        },
        headers=hq.headers(),
    )
    assert campaign.status_code == 201, campaign.text
    campaign_id = campaign.json()["campaign_id"]
    link = {"source_kind": "campaign", "source_ref": str(campaign_id), "article_id": article_id}
    made = hq.client.post("/api/kb/links", json=link, headers=hq.headers())
    assert made.status_code == 201, made.text
    page = hq.client.get(f"/campaigns/{campaign_id}")
    assert 'id="kb-linked"' in page.text and f'href="/kb/articles/{article_id}"' in page.text
    listed = hq.client.get(
        "/api/kb/links", params={"source_kind": "campaign", "source_ref": campaign_id}
    )
    assert [x["article_id"] for x in listed.json()["data"]] == [article_id]
    gone = hq.client.delete(f"/api/kb/links/{made.json()['link_id']}", headers=hq.headers())
    assert gone.status_code == 204
    assert 'id="kb-linked"' not in hq.client.get(f"/campaigns/{campaign_id}").text


def test_who_may_write_and_bad_parameters(sign_in: Callable[[str], SignedIn]) -> None:
    broker = sign_in("broker")
    home = broker.client.get("/")
    assert 'href="/kb"' in home.text  # the nav's 知识库
    body = {"title": "x", "category": "products", "body": "y"}
    assert (
        broker.client.post("/api/kb/articles", json=body, headers=broker.headers()).status_code
        == 403
    )
    assert broker.client.get("/kb/new").status_code == 403
    assert 'id="kb-new"' not in broker.client.get("/kb").text
    for params in ({"category": "nonsense"}, {"page": 0}, {"q": "长" * 101}, {"status": "x"}):
        assert broker.client.get("/api/kb/articles", params=params).status_code == 422, params
    assert broker.client.get("/kb", params={"status": "nonsense"}).status_code == 422
    assert broker.client.get("/api/kb/articles/999999999").status_code == 404
    admin = sign_in("admin")
    assert 'href="/kb"' not in admin.client.get("/").text
    assert admin.client.get("/api/kb/articles").status_code == 403
