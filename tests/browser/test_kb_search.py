"""A knowledge-base search in a real browser (issue 23 section 2): a broker opens 知识库 from
the navigation, searches a two-character Chinese word, sees the articles found with the word
marked, narrows them to a category and opens one: its Markdown rendered (heading, bold, list),
its raw HTML shown as text and never run.

The articles are written by head office and approved by compliance through the service layer
(the approval flow has its own browser test) before the broker signs in."""

from __future__ import annotations

import re
from typing import Any

import pytest

from brokerlens.access.approvals import approve
from brokerlens.access.knowledge import ArticleInput, create_article, submit_article
from brokerlens.auth import get_user, principal_of
from brokerlens.auth.principal import Role
from brokerlens.config import load_settings
from brokerlens.store import dispose_engines, open_store
from browser.test_workbench import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ARTICLES = [
    (
        "两融开通邀约话术（浏览器）",
        "scripts",
        "## 开场白\n您好，我们的**两融业务**近期开放预约。\n\n- 开户满半年\n- 资产达标\n\n"
        "<script>document.title='被注入'</script>",
    ),
    ("两融业务风险揭示（浏览器）", "compliance", "融资融券存在**强制平仓**风险。"),
]


def _publish(served: Any) -> None:
    settings = load_settings(home=served.home)
    db = open_store(settings)
    hq = principal_of(get_user(db, served.users[str(Role.HQ_MARKETING)][0]))
    compliance = principal_of(get_user(db, served.users[str(Role.COMPLIANCE)][0]))
    for title, category, body in ARTICLES:
        made = create_article(db, hq, ArticleInput(title, category, body, tags=["两融"]))
        asked = submit_article(db, hq, made.article_id)
        approve(db, settings, compliance, asked.request_id, "同意")
    dispose_engines()


def test_a_broker_searches_in_chinese_and_opens_an_article(page: Any, served: Any) -> None:
    _publish(served)
    sign_in(page, served, Role.BROKER)
    page.click("nav.sidenav a[href='/kb']")
    page.wait_for_url(re.compile(r".*/kb$"))
    page.fill("#kb-q", "两融")
    page.click("#kb-go")
    page.wait_for_url(re.compile(r".*/kb\?q=.*"))
    results = page.locator("#kb-results")
    assert "找到" in page.inner_text("#kb-count")
    titles = results.locator(".kb-hit-title").all_inner_texts()
    assert {a[0] for a in ARTICLES} <= set(titles)
    assert page.locator("#kb-results mark", has_text="两融").count() >= 2

    page.click("#kb-categories a[data-category='scripts']")
    page.wait_for_url(re.compile(r".*category=scripts.*"))
    titles = page.locator("#kb-results .kb-hit-title").all_inner_texts()
    assert ARTICLES[0][0] in titles and ARTICLES[1][0] not in titles

    page.click(f"#kb-results .kb-hit-title:has-text('{ARTICLES[0][0]}')")
    page.wait_for_url(re.compile(r".*/kb/articles/\d+$"))
    assert page.inner_text("#kb-title") == ARTICLES[0][0]
    body = page.locator("#kb-body")
    assert body.locator("h3", has_text="开场白").count() == 1
    assert body.locator("strong", has_text="两融业务").count() == 1
    assert body.locator("li").all_inner_texts() == ["开户满半年", "资产达标"]
    assert "<script>" in body.inner_text()  # shown as text ...
    assert page.title() != "被注入"  # ... never run
    assert page.locator("#kb-edit").count() == 0  # a reader, not a writer
