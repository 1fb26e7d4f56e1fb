"""The business dashboards in a real browser (issue 22 section 2): head office opens its
dashboard and drills down region -> branch -> broker -> the broker's customers -> a customer's
360, each a click on the page."""

from __future__ import annotations

import re
from typing import Any

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def _sign_in(page: Any, served: Any, role: str) -> None:
    username, password = served.users[role]
    page.goto(f"{served.base_url}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r".*/(\?.*)?$"))


def _drill(page: Any, ranking: str) -> str:
    """Click the first unit of a ranking; returns the dashboard's path it opened."""
    link = page.locator(f"#dash-ranking-{ranking} a.dash-drill").first
    href = str(link.get_attribute("href")).split("?")[0]
    link.click()
    page.wait_for_url(f"**{href}?*")
    return href


def test_head_office_drills_down_to_a_customer(page: Any, served: Any) -> None:
    _sign_in(page, served, "hq_marketing")
    page.click("#nav-dashboard")
    page.wait_for_url("**/dashboard")
    assert page.locator("#dash-unit").get_attribute("data-level") == "hq"
    page.locator("[data-chart='chart-dash-trend'] canvas").wait_for()  # ECharts drew the trend
    _drill(page, "region")
    assert page.locator("#dash-unit").get_attribute("data-level") == "region"
    _drill(page, "branch")
    assert page.locator("#dash-unit").get_attribute("data-level") == "branch"
    broker = _drill(page, "staff").rsplit("/", 1)[1]
    assert page.locator("#dash-unit").get_attribute("data-unit") == broker
    page.click("#dash-customers")
    page.wait_for_url(re.compile(rf".*/customers\?staff_id={broker}$"))
    first = page.locator("#customer-table tbody a[href^='/customers/']").first
    customer_id = first.inner_text().strip()
    first.click()
    page.wait_for_url(f"**/customers/{customer_id}")
    assert customer_id in page.inner_text("main")
