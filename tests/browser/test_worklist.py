"""A broker's day in a real browser (issue 17): the home page opens on 今日待办, the broker opens
the first customer's 360 from the list, logs the call on the 360 and finds the item done back on
the home page; then logs the next call from its item (记录联系并完成) and sees it done in place,
after a reload too.

The work-list file for the served date is written here with support/worklist.py (the run step's
schema, rows for the served customers by the owner rule) before the walk, and whatever the run
kept is put back afterwards: on a branch without the run step there is no file otherwise, and
the walk must not depend on what the generated day happens to raise."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from brokerlens.auth.principal import Role
from brokerlens.config import load_settings
from browser.test_workbench import sign_in
from support.worklist import served_rows, worklist_in_place

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture
def listed(served: Any) -> Iterator[list[dict[str, Any]]]:
    if str(Role.BROKER) not in served.users:
        pytest.skip("the served home has no demo broker (BROKERLENS_BROWSER_HOME)")
    settings = load_settings(home=served.home)
    as_of, rows = served_rows(settings)
    with worklist_in_place(settings, as_of, rows):
        yield rows


def test_a_brokers_day_work_list_360_log_a_call_item_done(
    page: Any, served: Any, listed: list[dict[str, Any]]
) -> None:
    sign_in(page, served, Role.BROKER)
    today = page.locator("#worklist-today")
    today.wait_for()
    open_items = page.locator("#worklist-budget li.wl-item[data-status=open]")
    assert open_items.count() >= 2
    first = open_items.first
    customer = first.get_attribute("data-customer")
    assert customer
    assert first.locator(".wl-rank").inner_text().strip().isdigit()
    assert first.locator(".wl-kind").count() >= 1  # every reason with its kind
    item = f"li.wl-item[data-customer='{customer}']"

    # work list -> the customer's 360 -> log the call there -> the item is done
    first.locator("a.wl-name").click()
    page.wait_for_url(f"**/customers/{customer}?work_item=*")
    assert customer in page.inner_text("main")
    panel = page.locator("#records-panel")
    panel.locator("summary", has_text="记录联系").click()
    form = panel.locator("#record-form")
    form.locator("select[name=channel]").select_option("phone")
    form.locator("select[name=purpose]").select_option("service")
    form.locator("select[name=result]").select_option("reached")
    form.locator("textarea[name=content]").fill("电话回访：客户了解了新品，约下周面谈")
    form.locator("button[type=submit]").click()
    panel.locator("#record-saved").wait_for()
    assert "电话回访：客户了解了新品" in page.locator("#record-timeline").inner_text()

    page.goto(f"{served.base_url}/")
    done = page.locator(item)
    assert done.get_attribute("data-status") == "done"
    assert "已完成" in done.locator(".wl-status").inner_text()
    assert done.locator("form").count() == 0  # nothing left to do on it

    # or from the item itself: 记录联系并完成 in place
    second = page.locator("#worklist-budget li.wl-item[data-status=open]").first
    other = second.get_attribute("data-customer")
    row = page.locator(f"li.wl-item[data-customer='{other}']")
    row.locator("details.wl-action summary", has_text="记录联系并完成").click()
    form = row.locator("form.wl-done")
    form.locator("select[name=channel]").select_option("wechat")
    form.locator("select[name=result]").select_option("reached")
    form.locator("textarea[name=content]").fill("微信沟通：客户确认收到到期提醒")
    form.locator("button[type=submit]").click()
    page.locator(f"li.wl-item[data-customer='{other}'][data-status=done]").wait_for()

    page.reload()
    assert page.locator(item).get_attribute("data-status") == "done"
    assert "已完成 2" in page.inner_text("#worklist-progress")
