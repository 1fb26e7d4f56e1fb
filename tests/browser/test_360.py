"""The customer 360 in a real browser (issue 15): fully drawn within a second (navigation start
to the last chart drawn with every htmx slot loaded, p95 over different customers), and charts
that tell the truth (assets and index rebased to % on one axis, shares in %, P&L with its
cumulative line, a period picker kept in the URL, the home trend's axis from zero).

`BROKERLENS_BROWSER_HOME=/work/demo/home` times the demo brokerage instead of the small one:
`pytest tests/browser/test_360.py -k within -s` prints p50 and p95.
"""

from __future__ import annotations

import math
import re
from typing import Any

import pytest

from brokerlens.access import CustomerQuery, list_customers
from brokerlens.auth import get_user, principal_of
from brokerlens.auth.principal import Role
from brokerlens.config import load_settings
from brokerlens.store import open_store

pytestmark = [pytest.mark.browser, pytest.mark.slow]

LOADS = 12  # 360s timed, each of another customer (one more loads first, untimed: a warm-up)
BUDGET_MS = 1000.0
DONE = "body[data-charts-done]"


def sign_in(page: Any, served: Any) -> None:
    username, password = served.users[str(Role.HQ_MARKETING)]
    page.goto(f"{served.base_url}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r".*/(\?.*)?$"))


def some_customers(served: Any, n: int) -> list[str]:
    """n customers spread over HQ's list (not n neighbours)."""
    db = open_store(load_settings(home=served.home))
    principal = principal_of(get_user(db, served.users[str(Role.HQ_MARKETING)][0]))
    first = list_customers(db, principal, CustomerQuery(page_size=200))
    ids = [row["customer_id"] for row in first.rows]
    step = max(1, len(ids) // n)
    return ids[::step][:n]


def open_360(page: Any, served: Any, customer_id: str) -> float:
    """Open the 360 and wait until it is fully rendered; ms from navigation start."""
    page.goto(f"{served.base_url}/customers/{customer_id}")
    page.wait_for_selector(DONE, timeout=20000)
    assert page.locator("#suit-facts").count() == 1  # the suitability slot loaded
    assert page.locator("#alerts-panel .loading-slot").count() == 0  # the alerts slot loaded
    assert page.locator("#charts [data-chart] canvas").count() == 3
    return float(page.evaluate("window.__chartsDone"))


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]  # nearest rank


@pytest.mark.timed
def test_the_360_is_fully_drawn_within_a_second(page: Any, served: Any) -> None:
    sign_in(page, served)
    customers = some_customers(served, LOADS + 1)
    assert len(customers) == LOADS + 1, "too few customers to time"
    open_360(page, served, customers[0])  # warm-up: static files cached, templates compiled
    times = [open_360(page, served, cid) for cid in customers[1:]]
    p50, p95 = percentile(times, 50), percentile(times, 95)
    print(f"\n360 fully drawn over {len(times)} customers: p50 {p50:.0f} ms, p95 {p95:.0f} ms")
    assert p95 <= BUDGET_MS, (
        f"p95 {p95:.0f} ms > {BUDGET_MS:.0f} ms: {sorted(round(t) for t in times)}"
    )


def chart_option(page: Any, name: str) -> Any:
    return page.evaluate(
        "name => { const el = document.querySelector(`[data-chart='${name}']`);"
        " const o = echarts.getInstanceByDom(el).getOption();"
        " const y = o.yAxis || [], x = o.xAxis || [];"
        " return {yAxis: y.length, min: y.length ? y[0].min : null,"
        " x: x.length ? x[0].data.length : 0,"
        " series: o.series.map(s => ({type: s.type, name: s.name,"
        " first: s.data.find(v => v !== null && v !== undefined),"
        " label: s.label && s.label.formatter}))}; }",
        name,
    )


def test_the_charts_tell_the_truth(page: Any, served: Any) -> None:
    sign_in(page, served)
    customer = some_customers(served, 1)[0]
    open_360(page, served, customer)
    curve = chart_option(page, "chart-curve")
    assert curve["yAxis"] == 1  # assets and the index on one axis
    assert [s["name"] for s in curve["series"]] == ["总资产（较期初）", "沪深300（较期初）"]
    assert all(s["first"] == 0 for s in curve["series"])  # both start at 0%
    mix = chart_option(page, "chart-mix")
    assert mix["series"][0]["label"] == "{d}%"  # each share in %
    assert re.search(r"\d+\.\d%", page.inner_text("#mix-shares"))
    pnl = chart_option(page, "chart-pnl")
    assert [s["type"] for s in pnl["series"]] == ["bar", "line"]
    assert [s["name"] for s in pnl["series"]] == ["当日盈亏", "累计盈亏"]
    # the period picker: 近1月 shows fewer days than 全部, and the URL keeps it
    page.click("#period-picker [data-period='all']")
    every = chart_option(page, "chart-curve")["x"]
    page.click("#period-picker [data-period='1m']")
    month = chart_option(page, "chart-curve")
    assert 0 < month["x"] <= min(every, 23)  # a month has at most 23 trading days
    if every > 23:
        assert month["x"] < every
    page.click("#period-picker [data-period='all']")
    page.click("#period-picker [data-period='1m']")
    assert all(s["first"] == 0 for s in month["series"])  # rebased on the period's first day
    assert page.url.endswith("?period=1m")
    assert page.locator("#period-picker .active").inner_text() == "近1月"
    page.reload()
    page.wait_for_selector(DONE)
    assert page.locator("#period-picker .active").inner_text() == "近1月"
    assert chart_option(page, "chart-curve")["x"] == month["x"]
    # the home trend's axis starts at zero
    page.goto(f"{served.base_url}/")
    page.wait_for_selector(DONE)
    assert chart_option(page, "chart-trend")["min"] == 0
