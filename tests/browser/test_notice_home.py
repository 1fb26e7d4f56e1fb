"""Notices (通知公告) in a real browser: head office publishes two notices to every broker on
/notices/new; the broker finds both on the home page, marks one read there (htmx) and reads the
other's page; back home, neither shows any more."""

from __future__ import annotations

import re
from typing import Any

import pytest

from brokerlens.auth.principal import Role
from browser.test_workbench import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def _publish(page: Any, served: Any, title: str, body: str) -> str:
    page.goto(f"{served.base_url}/notices/new")
    page.fill("#notice-title", title)
    page.fill("#notice-body", body)
    root = page.locator("#notice-units option").first.get_attribute("value")
    page.select_option("#notice-units", value=[root])
    page.check("#notice-roles input[value=broker]")
    page.click("#notice-publish")
    page.wait_for_url(re.compile(r".*/notices/\d+$"))
    assert page.get_attribute("#notice-state", "data-state") == "showing"
    return str(page.url.rsplit("/", 1)[1])


def test_a_notice_shows_on_the_broker_home_until_read(page: Any, served: Any) -> None:
    sign_in(page, served, Role.HQ_MARKETING)
    first = _publish(page, served, "浏览器测试：系统升级", "本周六 **22:00** 起停机两小时。")
    second = _publish(page, served, "浏览器测试：合规提示", "请勿向客户承诺收益。")

    page.context.clear_cookies()
    sign_in(page, served, Role.BROKER)
    home = page.locator("#home-notices")
    assert "浏览器测试：系统升级" in home.inner_text()
    page.click(f"#home-notices li[data-notice='{first}'] button.notice-mark")  # 标为已读
    page.locator(f"#home-notices li[data-notice='{first}']").wait_for(state="detached")
    assert page.locator(f"#home-notices li[data-notice='{second}']").count() == 1

    page.click(f"#home-notices li[data-notice='{second}'] a.notice-link")
    page.wait_for_url(re.compile(rf".*/notices/{second}$"))
    assert "请勿向客户承诺收益" in page.inner_text("#notice-body")
    assert page.locator("#notice-read-at").count() == 1
    page.goto(f"{served.base_url}/")
    for notice in (first, second):
        assert page.locator(f"#home-notices li[data-notice='{notice}']").count() == 0
    page.goto(f"{served.base_url}/notices")
    assert page.get_attribute(f"#notices tr[data-notice='{first}']", "data-state") == "showing"
