"""A call-back in a real browser (issue 18 section 1): a call-centre user finds an overdue task
of the year's sample on the call-back work list, opens it, asks the script's questions,
records the call as reached and sees the branch's quota progress move by one customer.

The task is put in the store here (the served home's run may have drawn no sample for the
current year), for a served customer of a branch, due yesterday."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import sqlalchemy as sa

from brokerlens.access.records import beijing_date, utc_now
from brokerlens.access.snapshot import served_snapshot
from brokerlens.auth.principal import Role
from brokerlens.config import load_settings
from brokerlens.store import dispose_engines, open_store
from brokerlens.store.compliance_schema import callbacks
from browser.test_workbench import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def _due_task(served: Any) -> tuple[int, str, str]:
    """(callback id, customer, branch): a pending sample task due yesterday."""
    db = open_store(load_settings(home=served.home))
    table = served_snapshot(db).table
    today = beijing_date(utc_now())
    with db.begin() as connection:
        done = sa.select(callbacks.c.customer_id)
        customer, branch = connection.execute(
            sa.select(table.c.customer_id, table.c.branch_id)
            .where(table.c.branch_id.is_not(None), table.c.customer_id.not_in(done))
            .order_by(table.c.customer_id)
            .limit(1)
        ).one()
        callback_id = connection.execute(
            callbacks.insert()
            .values(
                customer_id=customer,
                kind="annual_sample",
                source_ref=str(today.year),
                branch_id=branch,
                created_on=today - dt.timedelta(days=5),
                due_date=today - dt.timedelta(days=1),
                status="pending",
                attempts=0,
                created_by="run",
                keep_until=today - dt.timedelta(days=1),  # test data: deletable
            )
            .returning(callbacks.c.callback_id)
        ).scalar_one()
    dispose_engines()
    return int(callback_id), str(customer), str(branch)


def _reached(page: Any, served: Any, branch: str) -> int:
    page.goto(f"{served.base_url}/callbacks/quota")
    row = page.locator(f"#callback-quota tr[data-branch='{branch}']")
    return int(row.locator(".cb-reached").inner_text().replace(",", ""))


def test_a_due_call_back_is_called_recorded_and_counts_toward_the_quota(
    page: Any, served: Any
) -> None:
    if str(Role.CALL_CENTER) not in served.users:
        pytest.skip("the served home has no demo call-centre user (BROKERLENS_BROWSER_HOME)")
    callback_id, customer, branch = _due_task(served)
    sign_in(page, served, Role.CALL_CENTER)
    before = _reached(page, served, branch)

    # the work list, overdue first: our task is there, its SLA timer red
    page.locator("#callback-tabs a", has_text="待回访").click()
    page.locator("#callback-filters select[name=kind]").select_option("annual_sample")
    page.locator("#callback-filters select[name=due]").select_option("overdue")
    # the served run's own sample is overdue too (due 31 December of its year): find ours
    page.locator("#callback-filters input[name=customer_id]").fill(customer)
    page.locator("#callback-filters button[type=submit]").click()
    row = page.locator(f"#callback-{callback_id}")
    assert "已逾期 1 天" in row.locator(".cb-timer").inner_text()
    row.locator("a.cb-open").click()
    page.wait_for_url(f"**/callbacks/{callback_id}")
    assert customer in page.locator("#callback-facts").inner_text()

    # the call: reached, the script's questions answered
    form = page.locator("#callback-form")
    form.locator("input[name=outcome][value=reached]").check()
    for question, option in (
        ("own_trading", "yes"),
        ("promised_return", "no"),
        ("service_satisfaction", "satisfied"),
    ):
        form.locator(f"input[name='answer.{question}'][value='{option}']").check()
    form.locator("textarea[name=note]").fill("客户本人接听，确认账户自行操作")
    form.locator("#callback-submit").click()
    page.locator("#callback-saved").wait_for()
    assert page.locator("#callback-status").get_attribute("data-status") == "completed"
    assert "客户本人接听" in page.locator("#callback-history").inner_text()

    # the quota's progress moved by one for the customer's branch
    assert _reached(page, served, branch) == before + 1
