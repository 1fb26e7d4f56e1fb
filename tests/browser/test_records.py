"""Service records in a real browser: a broker opens a customer's 360, the 服务记录 panel loads
(htmx), 记录联系 with a refused field shows the problem beside it and keeps the text, a
corrected form puts the record on top of the timeline with its 下次跟进, and 编辑 opens the
record's form in place and saves it."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from brokerlens.access.records import BEIJING
from brokerlens.auth.principal import Role
from browser.conftest import Served
from browser.test_workbench import customers_of, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_a_broker_logs_a_call_and_edits_it_on_the_360(page: Any, served: Served) -> None:
    if str(Role.BROKER) not in served.users:
        pytest.skip("an existing home (BROKERLENS_BROWSER_HOME): only its head-office user is made")
    customer = sorted(customers_of(served, Role.BROKER))[0]
    sign_in(page, served, Role.BROKER)
    page.goto(f"{served.base_url}/customers/{customer}")
    panel = page.locator("#records-panel")
    panel.locator("summary", has_text="记录联系").click()
    form = panel.locator("#record-form")
    form.locator("select[name=channel]").select_option("phone")
    form.locator("select[name=purpose]").select_option("callback")
    form.locator("select[name=result]").select_option("reached")
    form.locator("textarea[name=content]").fill("电话回访，客户确认已收到对账单")
    follow = (dt.datetime.now(BEIJING).date() + dt.timedelta(days=3)).isoformat()
    form.locator("input[name=next_date]").fill(follow)  # without a next step: refused
    form.locator("button[type=submit]").click()
    error = panel.locator(".field-error[data-field=next_step]")
    error.wait_for()
    assert "下一步" in error.inner_text()
    form = panel.locator("#record-form")
    assert form.locator("textarea[name=content]").input_value() == "电话回访，客户确认已收到对账单"
    form.locator("input[name=next_step]").fill("寄送新产品资料")
    form.locator("button[type=submit]").click()
    panel.locator("#record-saved").wait_for()
    top = panel.locator("li.tl-entry").first
    assert top.get_attribute("data-kind") == "record"
    assert "电话回访，客户确认已收到对账单" in top.inner_text()
    assert f"下次跟进 {follow}" in top.inner_text()
    top.locator("button.tl-edit").click()
    editing = panel.locator("li.tl-editing")
    editing.wait_for()
    editing.locator("textarea[name=content]").fill("电话回访，客户要求改为邮寄对账单")
    editing.locator("button[type=submit]").click()
    editing.wait_for(state="detached")  # the panel came back in its place
    assert "客户要求改为邮寄对账单" in panel.locator("li.tl-entry").first.inner_text()
    assert panel.locator("#record-saved").count() == 1
