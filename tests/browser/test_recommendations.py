"""Recommendations in a real browser, over the run's own files (a brokerage long enough for the
recommender to fit, support/recommend.py): the product list -> a product's
page, whose 目标客户 section loads (htmx) -> the full list of its target customers -> a target
customer's 360, whose 推荐产品 panel loads and holds that product."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from brokerlens.auth.principal import Role
from brokerlens.config import load_settings
from browser.conftest import Served, serving
from browser.test_workbench import sign_in
from support.brokerage import published_home
from support.recommendations import served_run

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@dataclass(frozen=True)
class Recommended:
    served: Served
    rows: list[dict[str, Any]]  # the run's recommendations


@pytest.fixture(scope="module")
def recommended(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Recommended]:
    """A brokerage long enough for the recommender (support.recommend), run, published and
    served: the pages read the run's own files."""
    from support.recommend import recommend_run_copy  # the integrator's run (issue 16 main)

    made = recommend_run_copy(tmp_path_factory)
    home = made.settings.home
    users = published_home(home)
    with (
        served_run(load_settings(home=home), real=True) as rows,
        serving(home, users, home.parent) as served,
    ):
        yield Recommended(served, rows)


def test_product_list_to_targets_to_a_customers_recommendations(
    page: Any, recommended: Recommended
) -> None:
    served, run = recommended.served, recommended.rows
    targeted = {r["product_id"] for r in run}
    sign_in(page, served, Role.HQ_MARKETING)
    page.goto(f"{served.base_url}/")
    page.click("nav.sidenav a[href='/products']")
    page.wait_for_url(re.compile(r".*/products$"))
    # the first listed product some customer is recommended
    rows = page.locator("#products-table tbody tr")
    listed = [rows.nth(i).get_attribute("data-product") for i in range(rows.count())]
    product = next(p for p in listed if p in targeted)
    name = page.locator(f"#products-table tr[data-product='{product}'] a").first.inner_text()
    page.click(f"#products-table tr[data-product='{product}'] a")
    page.wait_for_url(re.compile(rf".*/products/{product}$"))
    assert page.inner_text("#product-name") == name
    page.wait_for_selector("#product-targets-table")
    assert "目标客户" in page.inner_text("#product-targets h2")
    best = sorted(
        (r for r in run if r["product_id"] == product),
        key=lambda r: (-r["score"], r["customer_id"]),
    )
    shown = page.locator("#product-targets-table tbody tr")
    assert shown.count() == min(20, len(best))
    page.click("#product-targets-all")
    page.wait_for_url(re.compile(rf".*/products/{product}/targets$"))
    assert name in page.inner_text("#targets-title")
    assert f"共 {len(best):,} 位目标客户" in page.inner_text("#targets-total")
    first = page.locator("#targets-table tbody tr").first
    customer = first.get_attribute("data-customer")
    assert customer == best[0]["customer_id"]
    first.locator("a").first.click()
    page.wait_for_url(re.compile(rf".*/customers/{customer}$"))
    page.wait_for_selector("#rec-table")
    panel = page.inner_text("#recommendations-panel")
    assert "推荐产品" in panel and "匹配度" in panel
    row = page.locator(f"#rec-table tr[data-product='{product}']")
    assert row.count() == 1
    assert f"{best[0]['score'] * 100:.1f}%" in row.inner_text()
    # the product's name links back to its page
    row.locator("a").first.click()
    page.wait_for_url(re.compile(rf".*/products/{product}$"))
