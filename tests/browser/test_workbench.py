"""The workbench in a real browser: each role signs in; list -> 360 -> why; a segment is saved;
a broker cannot open another broker's customer by typing its URL."""

from __future__ import annotations

import re
from typing import Any

import pytest

from brokerlens.access import Condition, CustomerQuery, count_customers, list_customers
from brokerlens.auth import get_user, principal_of
from brokerlens.auth.principal import ROLE_NAMES_ZH, Role
from brokerlens.config import load_settings
from brokerlens.store import open_store

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def sign_in(page: Any, served: Any, role: Role) -> None:
    username, password = served.users[str(role)]
    page.goto(f"{served.base_url}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r".*/(\?.*)?$"))


def customers_of(served: Any, role: Role) -> set[str]:
    db = open_store(load_settings(home=served.home))
    principal = principal_of(get_user(db, served.users[str(role)][0]))
    page = list_customers(db, principal, CustomerQuery(page_size=200))
    ids = {row["customer_id"] for row in page.rows}
    pages = (page.total + 199) // 200
    for number in range(2, pages + 1):
        more = list_customers(db, principal, CustomerQuery(page=number, page_size=200))
        ids |= {row["customer_id"] for row in more.rows}
    return ids


def count_of(served: Any, role: Role, field: str, at_least: float) -> int:
    db = open_store(load_settings(home=served.home))
    principal = principal_of(get_user(db, served.users[str(role)][0]))
    return count_customers(db, principal, [Condition(field=field, op="ge", value=at_least)])


@pytest.mark.parametrize("role", list(Role))
def test_each_role_signs_in_to_its_home(page: Any, served: Any, role: Role) -> None:
    sign_in(page, served, role)
    assert page.url.rstrip("/") == served.base_url
    body = page.inner_text("body")
    assert ROLE_NAMES_ZH[role] in body  # the top bar names the signed-in user's role
    nav = page.locator("nav.sidenav a[href='/customers']")
    if role is Role.ADMIN:
        assert nav.count() == 0  # the admin manages accounts and sees no customer data
        assert page.goto(f"{served.base_url}/customers").status == 403
    else:
        assert nav.count() == 1
        assert "工作台" in body


def test_list_then_360_then_why(page: Any, served: Any) -> None:
    sign_in(page, served, Role.BROKER)
    page.goto(f"{served.base_url}/customers")
    first = page.locator("#customer-table tbody a[href^='/customers/']").first
    customer_id = first.inner_text().strip()
    first.click()
    page.wait_for_url(f"**/customers/{customer_id}")
    assert customer_id in page.inner_text("main")
    # PII is masked on the 360 by default
    assert re.search(r"\d{3}\*{4}\d{4}", page.inner_text("body"))
    page.locator(".why-link").first.click()
    why = page.locator("#why-box .why")
    why.wait_for()
    assert why.inner_text().strip()
    # the assets chart was drawn by the vendored ECharts (a canvas inside the chart box)
    assert page.locator("canvas").count() >= 1


def test_the_filter_panels_primary_button_is_readable(page: Any, served: Any) -> None:
    """The list's 查询 button once rendered white on white (a button rule outranked it)."""
    sign_in(page, served, Role.BROKER)
    page.goto(f"{served.base_url}/customers")
    button = page.locator("button.btn-primary", has_text="查询").first
    colours = button.evaluate(
        "b => { const s = getComputedStyle(b); return [s.color, s.backgroundColor]; }"
    )
    assert colours[0] != colours[1], colours


def test_save_a_segment_with_a_live_count(page: Any, served: Any) -> None:
    sign_in(page, served, Role.BRANCH_MANAGER)
    page.goto(f"{served.base_url}/segments/new")
    page.fill("#builder input[name=name]", "浏览器测试分组")
    row = page.locator("#tree [data-node='0']")  # the builder's first condition
    row.locator("select[name=field]").select_option("total_assets_t")
    row.locator("select[name=op]").select_option("ge")
    row.locator("input[name=value]").fill("100000")
    expected = count_of(served, Role.BRANCH_MANAGER, "total_assets_t", 100000)
    page.wait_for_function(
        "n => document.querySelector('#live-count-value').innerText.replace(/,/g, '') === n",
        arg=str(expected),
    )
    page.click("#save-group")
    page.wait_for_url(re.compile(r".*/segments/\d+$"))
    assert "浏览器测试分组" in page.inner_text("h1")
    assert page.locator("#members").count() == 1
    page.goto(f"{served.base_url}/segments")
    assert "浏览器测试分组" in page.inner_text("body")


def test_a_broker_cannot_reach_another_brokers_customer_by_url(page: Any, served: Any) -> None:
    mine = customers_of(served, Role.BROKER)
    others = customers_of(served, Role.HQ_MARKETING) - mine
    assert mine and others
    sign_in(page, served, Role.BROKER)
    own = page.goto(f"{served.base_url}/customers/{sorted(mine)[0]}")
    assert own.status == 200
    foreign = page.goto(f"{served.base_url}/customers/{sorted(others)[0]}")
    missing = page.goto(f"{served.base_url}/customers/C999999999")
    assert foreign.status == missing.status == 404
    assert "未找到" in page.inner_text("body")
    api = page.goto(f"{served.base_url}/api/customers/{sorted(others)[0]}")
    assert api.status == 404


def test_the_360_shows_the_suitability_panel_and_checks(page: Any, served: Any) -> None:
    sign_in(page, served, Role.BROKER)
    customer_id = sorted(customers_of(served, Role.BROKER))[0]
    page.goto(f"{served.base_url}/customers/{customer_id}")
    page.locator("#suitability-panel #suit-eligibility").wait_for()  # loaded by htmx
    panel = page.inner_text("#suitability-panel")
    assert "风险承受能力" in panel and "业务权限" in panel
    page.fill("#suit-check-form input[name=target]", "margin")
    page.click("#suit-check-form button[type=submit]")
    verdict = page.locator("#suit-check-result #suit-verdict")
    verdict.wait_for()
    assert verdict.inner_text().strip()


def test_no_page_breaks_the_content_security_policy(page: Any, served: Any) -> None:
    """Every script is vendored and none is inline, so the strict policy blocks nothing the
    pages need: the charts draw, htmx panels load, /docs renders (issue 14 F7)."""
    violations: list[str] = []
    page.on(
        "console",
        lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None,
    )
    sign_in(page, served, Role.BROKER)
    assert page.locator("canvas").count() >= 1  # the home's charts
    customer_id = sorted(customers_of(served, Role.BROKER))[0]
    page.goto(f"{served.base_url}/customers/{customer_id}")
    page.locator("#suitability-panel #suit-eligibility").wait_for()  # loaded by htmx
    assert page.locator("canvas").count() >= 1
    for path in ("/customers", "/segments/new", "/alerts", "/docs"):
        page.goto(f"{served.base_url}{path}")
        page.wait_for_load_state("networkidle")
    page.locator("#swagger-ui .opblock").first.wait_for()
    assert violations == []


def test_the_home_tier_donut_counts_customers_not_money(page: Any, served: Any) -> None:
    sign_in(page, served, Role.BRANCH_MANAGER)
    page.wait_for_function(
        "() => { const el = document.querySelector('[data-chart=chart-tier]');"
        " return el && window.echarts && echarts.getInstanceByDom(el); }"
    )
    shown = page.evaluate(
        "() => { const chart = echarts.getInstanceByDom("
        "document.querySelector('[data-chart=chart-tier]'));"
        " const f = chart.getOption().tooltip[0].formatter;"
        " return f({marker: '', name: 'VIP', value: 12345, percent: 12.5}); }"
    )
    assert shown == "VIP：12,345 人（12.5%）", shown  # was 1.23万, a count read as money
