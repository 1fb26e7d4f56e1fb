"""The customer list's amount filters in a real browser: "100万" filters the list in place;
"abc" loads the page again with the message beside its field and every other filter kept."""

from __future__ import annotations

import re
from typing import Any

import pytest

from brokerlens.auth.principal import Role
from browser.test_workbench import count_of, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_amounts_in_wan_filter_and_a_bad_value_keeps_the_other_filters(
    page: Any, served: Any
) -> None:
    sign_in(page, served, Role.HQ_MARKETING)
    page.goto(f"{served.base_url}/customers")
    label = page.inner_text("#range-total_assets_t")
    assert "元" in label
    page.fill("input[name=min_total_assets_t]", "100万")
    page.press("input[name=min_total_assets_t]", "Enter")
    page.wait_for_url(re.compile(r".*min_total_assets_t=100"))
    wanted = count_of(served, Role.HQ_MARKETING, "total_assets_t", 1_000_000)
    page.wait_for_function(
        "n => document.querySelector('#customer-table').innerText.includes('共 ' + n + ' 位客户')",
        arg=f"{wanted:,}",
    )
    page.fill("input[name=search]", "C")
    page.fill("input[name=max_avg_assets_3m]", "abc")
    page.press("input[name=max_avg_assets_3m]", "Enter")
    page.locator("#range-error-avg_assets_3m").wait_for()
    assert "“abc”不是金额" in page.inner_text("#range-avg_assets_3m")
    assert page.input_value("input[name=min_total_assets_t]") == "100万"
    assert page.input_value("input[name=search]") == "C"
    assert page.input_value("input[name=max_avg_assets_3m]") == "abc"
