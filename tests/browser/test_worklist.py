"""A broker's day in a real browser (issue 17): the home page opens on 今日待办, the broker opens
the first customer's 360, comes back, logs the call from the item (记录联系并完成) and sees the
item done in place, after a reload too, and the call on the customer's 360 timeline.

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
    first = page.locator("#worklist-budget li.wl-item[data-status=open]").first
    customer = first.get_attribute("data-customer")
    assert customer
    assert first.locator(".wl-rank").inner_text().strip().isdigit()
    assert first.locator(".wl-kind").count() >= 1  # every reason with its kind
    item = f"li.wl-item[data-customer='{customer}']"

    first.locator("a.wl-name").click()  # the customer's 360
    page.wait_for_url(f"**/customers/{customer}")
    assert customer in page.inner_text("main")
    page.go_back()
    page.wait_for_url(f"{served.base_url}/")

    row = page.locator(item)
    row.locator("details.wl-action summary", has_text="记录联系并完成").click()
    form = row.locator("form.wl-done")
    form.locator("select[name=channel]").select_option("phone")
    form.locator("select[name=result]").select_option("reached")
    form.locator("textarea[name=content]").fill("电话回访：客户了解了新品，约下周面谈")
    form.locator("button[type=submit]").click()
    page.locator(f"{item}[data-status=done]").wait_for()
    done = page.locator(item)
    assert "已完成" in done.locator(".wl-status").inner_text()
    assert done.locator("form").count() == 0  # nothing left to do on it

    page.reload()
    assert page.locator(item).get_attribute("data-status") == "done"
    assert "已完成 1" in page.inner_text("#worklist-progress")

    page.goto(f"{served.base_url}/customers/{customer}")
    timeline = page.locator("#record-timeline")
    timeline.wait_for()
    assert "电话回访：客户了解了新品" in timeline.inner_text()
