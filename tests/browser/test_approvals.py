"""An approval in a real browser (issue 18 section 3): a branch manager asks for a threshold
change on the threshold page (nothing changes yet), head office finds it from the home page's
count in 待审批, reads it in words and approves it, and the threshold is in force."""

from __future__ import annotations

import re
from typing import Any

import pytest

from brokerlens.auth.principal import Role
from browser.test_workbench import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def _min_days(page: Any) -> str:
    return page.inner_text("#thr-no_trade tr[data-param=min_days]")


def test_a_branch_threshold_change_approved_by_head_office(page: Any, served: Any) -> None:
    sign_in(page, served, Role.BRANCH_MANAGER)
    page.goto(f"{served.base_url}/alerts/thresholds")
    before = _min_days(page)
    assert "47" not in before
    form = page.locator("#thr-edit-no_trade form.thr-form")
    form.locator("input[name='param:min_days']").fill("47")
    form.locator("button[type=submit]").click()
    page.locator("#thr-edit-no_trade #thr-save").wait_for()
    page.fill("#thr-edit-no_trade #thr-reason", "旺季调整")
    page.click("#thr-edit-no_trade #thr-save")
    saved = page.locator("#thr-saved")
    saved.wait_for()
    assert "总部批准前阈值不变" in saved.inner_text()
    request_id = saved.get_attribute("data-request")
    page.goto(f"{served.base_url}/alerts/thresholds")
    assert "47" not in _min_days(page)  # a request: nothing in force yet

    page.context.clear_cookies()
    sign_in(page, served, Role.HQ_MARKETING)
    page.click("#home-approvals")
    page.wait_for_url(re.compile(r".*/approvals$"))
    page.click(f"#approvals tr[data-request='{request_id}'] td a >> nth=0")
    page.wait_for_url(re.compile(rf".*/approvals/{request_id}$"))
    assert "47" in page.inner_text("#approval-payload")
    assert "旺季调整" in page.inner_text("#approval-detail")
    page.fill("#approval-comment", "同意")
    page.click("#approve")
    page.wait_for_url(re.compile(rf".*/approvals/{request_id}$"))
    assert page.get_attribute("#approval-status", "data-status") == "approved"
    assert "version" in page.inner_text("#approval-effect")

    page.goto(f"{served.base_url}/alerts/thresholds")
    assert "47" in _min_days(page)  # in force: the branch's column shows it
