"""积分兑换 in a real browser: a broker opens a customer's 360, the 积分 panel loads (htmx) with
the balance, 积分兑换 opens the catalogue, an item is ordered, and the panel shows the order
and the balance lower by the item's points; the order is in 积分订单."""

from __future__ import annotations

from typing import Any

import pytest

from brokerlens.access.points import customer_points
from brokerlens.access.points_orders import ItemInput, add_item
from brokerlens.access.users import acting_principal
from brokerlens.auth.principal import Role
from brokerlens.config import load_settings
from brokerlens.store import dispose_engines, open_store
from browser.conftest import Served
from browser.test_workbench import customers_of, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.slow]
PRICE = 3


def _prepare(served: Served) -> tuple[str, int, str]:
    """A catalogue item head office offers, and a broker's customer holding enough points."""
    settings = load_settings(home=served.home)
    db = open_store(settings)
    hq = acting_principal(db, served.users[str(Role.HQ_MARKETING)][0])
    item = add_item(db, hq, ItemInput(name_zh="浏览器测试保温杯", kind="goods", points_price=PRICE))
    broker = acting_principal(db, served.users[str(Role.BROKER)][0])
    for customer in sorted(customers_of(served, Role.BROKER)):
        balance = customer_points(settings, db, broker, customer).balance
        if balance >= PRICE:
            dispose_engines()
            return customer, balance, str(item.item_id)
    pytest.fail("no customer of the broker holds enough points")


def _balance(page: Any) -> int:
    return int(page.locator("#points-balance").get_attribute("data-points"))


def test_a_broker_redeems_points_for_a_customer_on_the_360(page: Any, served: Served) -> None:
    if str(Role.BROKER) not in served.users:
        pytest.skip("an existing home (BROKERLENS_BROWSER_HOME): only its head-office user is made")
    customer, balance, item_id = _prepare(served)
    sign_in(page, served, Role.BROKER)
    page.goto(f"{served.base_url}/customers/{customer}")
    panel = page.locator("#points-panel")
    panel.locator("#points-balance").wait_for()
    assert _balance(page) == balance
    panel.locator("#points-redeem-open").click()
    form = panel.locator("#points-redeem")
    form.locator("select[name=item_id]").select_option(item_id)
    assert "浏览器测试保温杯" in form.locator("select[name=item_id] option:checked").inner_text()
    form.locator("input[name=quantity]").fill("1")
    form.locator("#points-redeem-submit").click()
    said = panel.locator("#points-said")
    said.wait_for()
    assert "已兑换" in said.inner_text()
    assert _balance(page) == balance - PRICE
    top = panel.locator("#points-history tbody tr").first
    assert top.get_attribute("data-kind") == "redemption"
    assert f"-{PRICE}" in top.inner_text() and "浏览器测试保温杯" in top.inner_text()
    page.goto(f"{served.base_url}/points/orders")
    row = page.locator("#points-orders tbody tr").first
    assert "浏览器测试保温杯" in row.inner_text() and row.get_attribute("data-status") == "placed"
