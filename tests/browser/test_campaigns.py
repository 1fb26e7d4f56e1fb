"""A campaign in a real browser (issue 17): head office saves a segment, creates a campaign from
it on /campaigns/new, launches it, and the outcome page shows the two groups and the uplift."""

from __future__ import annotations

import re
from typing import Any

import pytest

from brokerlens.auth.principal import Role
from browser.test_workbench import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_create_from_a_segment_launch_and_read_the_outcome(page: Any, served: Any) -> None:
    sign_in(page, served, Role.HQ_MARKETING)
    page.goto(f"{served.base_url}/segments/new")
    page.fill("#builder input[name=name]", "浏览器活动客户群")
    row = page.locator("#cond-rows .cond-row").last
    row.locator("select[name=field]").select_option("total_assets_t")
    row.locator("select[name=op]").select_option("ge")
    row.locator("input[name=value]").fill("100000")
    page.click("#builder button[type=submit]")
    page.wait_for_url(re.compile(r".*/segments/\d+$"))

    page.goto(f"{served.base_url}/campaigns")
    page.click("#new-campaign")
    page.wait_for_url(re.compile(r".*/campaigns/new$"))
    page.fill("#campaign-form input[name=name]", "浏览器入金活动")
    page.select_option("#campaign-form select[name=goal]", "deposit")
    page.select_option("#segment-select", label="浏览器活动客户群")
    page.fill("#campaign-form input[name=holdout]", "20")
    page.click("#create-campaign")
    page.wait_for_url(re.compile(r".*/campaigns/\d+$"))
    assert page.inner_text("#campaign-status") == "草稿"
    assert "浏览器入金活动" in page.inner_text("h1")

    page.click("#launch-campaign")
    page.locator("#groups").wait_for()
    assert page.inner_text("#campaign-status") == "进行中"
    groups = page.inner_text("#groups")
    assert "实验组" in groups and "对照组" in groups
    assert "个百分点" in page.inner_text("#uplift") or page.inner_text("#uplift") == "—"
    assert page.locator("#by-branch tbody tr").count() >= 1
    assert page.locator("#launch-campaign").count() == 0  # launched once, no second button

    page.goto(f"{served.base_url}/campaigns")
    assert "浏览器入金活动" in page.inner_text("#campaigns")
