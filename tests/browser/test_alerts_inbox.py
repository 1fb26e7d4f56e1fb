"""The alert inbox in a real browser: a broker opens it from the nav, acknowledges an alert with
the row's htmx button and sees its status change in place (and kept after a reload)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from brokerlens.auth.principal import Role
from brokerlens.config import load_settings
from brokerlens.store import open_store
from brokerlens.store.alerts_schema import alerts
from browser.test_workbench import customers_of, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def _insert(served: Any, customer_id: str) -> int:
    """One new alert, by hand, dated long before the generated year (no run writes there)."""
    with open_store(load_settings(home=served.home)).begin() as connection:
        return int(
            connection.execute(
                alerts.insert()
                .values(
                    as_of_date=dt.date(2002, 2, 2),
                    customer_id=customer_id,
                    alert_id="no_trade",
                    explanation={
                        "figures": {"days_since_last_trade": 45},
                        "thresholds": {"days": 30},
                        "zh": "已 45 天未交易（阈值 30 天）",
                        "en": "No trade for 45 days (threshold 30)",
                    },
                    created_at=dt.datetime.now(dt.UTC),
                )
                .returning(alerts.c.alert_row_id)
            ).scalar_one()
        )


def test_open_the_inbox_and_acknowledge_an_alert(page: Any, served: Any) -> None:
    customer_id = sorted(customers_of(served, Role.BROKER))[0]
    row_id = _insert(served, customer_id)
    sign_in(page, served, Role.BROKER)
    page.click("#nav-alerts")
    page.wait_for_url("**/alerts")
    page.fill("#alert-filters input[name=customer_id]", customer_id)
    page.click("#alert-filters button[type=submit]")
    row = page.locator(f"#alert-{row_id}")
    row.wait_for()
    assert "已 45 天未交易" in row.inner_text()
    assert row.locator(".alert-status").get_attribute("data-status") == "new"
    row.locator(".alert-ack").click()
    page.locator(f"#alert-{row_id} .alert-status[data-status=acknowledged]").wait_for()
    assert "已确认" in row.locator(".alert-status").inner_text()
    assert row.locator(".alert-dismiss").count() == 1  # the next moves are offered
    page.reload()
    kept = page.locator(f"#alert-{row_id} .alert-status")
    assert kept.get_attribute("data-status") == "acknowledged"
