"""The product centre in a real browser: the product list -> a product's page, whose NAV chart
(NAV, accumulated NAV and the benchmark, rebased) is drawn by ECharts."""

from __future__ import annotations

import re
from typing import Any

import pytest

from brokerlens.auth.principal import Role
from browser.test_workbench import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_product_list_to_a_product_page_that_draws_its_chart(page: Any, served: Any) -> None:
    sign_in(page, served, Role.HQ_MARKETING)
    page.goto(f"{served.base_url}/")
    page.click("nav.sidenav a[href='/products']")
    page.wait_for_url(re.compile(r".*/products$"))
    assert "产品中心" in page.inner_text("h1")
    first = page.locator("#products-table tbody tr a").first
    name = first.inner_text()
    first.click()
    page.wait_for_url(re.compile(r".*/products/[^/]+$"))
    assert page.inner_text("#product-name") == name
    page.wait_for_selector("#product-nav-chart[data-finished]", timeout=15_000)
    assert page.locator("#product-nav-chart canvas").count() >= 1
    legend = page.evaluate(
        "() => document.getElementById('product-nav-chart').__chart.chart.getOption()"
        ".series.map(s => s.name)"
    )
    assert legend[:2] == ["单位净值", "累计净值"]
    assert "内部评价，仅供内部参考" in page.inner_text("#product-facts")
