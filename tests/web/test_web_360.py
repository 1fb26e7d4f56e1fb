"""The customer 360 as a user reads it (issue 15): fragments that redirect when opened on
their own, indicators by theme and folded, holdings with cost, unrealised P&L and return and
their suitability flag (or a professional's exemption), the charts' data and period picker, the
branch and region by name, and the charts' series from the run's lookup."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import pytest

from brokerlens.access import holdings as holdings_module
from brokerlens.access.detail import assets_history, chart_history
from brokerlens.indicators import builtin_indicators
from brokerlens.indicators.model import THEMES
from brokerlens.publish.lookup import open_lookup
from brokerlens.suitability.rules import load_rules
from brokerlens.web.formatting import num
from web.conftest import Published, SignedIn

HX = {"HX-Request": "true"}
FRAGMENTS = {
    "suitability": "suitability-panel",
    "alerts": "alerts-panel",
    "charts": "charts",
    "why?classification=service_level": "classifications",
}


def _customers(me: SignedIn, n: int = 200) -> list[str]:
    rows = me.client.get("/api/customers", params={"page_size": n}).json()["data"]
    return [r["customer_id"] for r in rows]


def _with(me: SignedIn, kind: str) -> tuple[str, dict[str, Any]]:
    for cid in _customers(me):
        body = me.client.get(f"/api/customers/{cid}").json()
        if body.get(kind):
            return cid, body
    pytest.fail(f"the seeded small brokerage has no customer with {kind}: the fixture changed")


@pytest.mark.parametrize("fragment", list(FRAGMENTS))
def test_a_360_fragment_opened_directly_redirects_to_the_page(
    fragment: str, sign_in: Callable[[str], SignedIn]
) -> None:
    me = sign_in("broker")
    cid = _customers(me)[0]
    direct = me.client.get(f"/customers/{cid}/{fragment}")
    assert direct.status_code == 303
    assert direct.headers["location"] == f"/customers/{cid}#{FRAGMENTS[fragment]}"
    page = me.client.get(direct.headers["location"])
    assert page.status_code == 200 and f'id="{FRAGMENTS[fragment]}"' in page.text
    asked = me.client.get(f"/customers/{cid}/{fragment}", headers=HX)
    assert asked.status_code == 200 and "<html" not in asked.text


def test_indicators_are_grouped_by_theme_and_folded(sign_in: Callable[[str], SignedIn]) -> None:
    me = sign_in("broker")
    cid = _customers(me)[0]
    text = me.client.get(f"/customers/{cid}").text
    section = text[text.index('id="indicators"') :]
    groups = re.findall(r'<details class="ind-group" id="ind-group-(\w+)"( open)?>', section)
    themes = [g for g, _ in groups]
    assert len(themes) >= 6 and themes == [t for t in THEMES if t in themes]  # in theme order
    assert not any(opened for _, opened in groups)  # folded
    for label in ("资产", "佣金与贡献", "交易与持有", "收益", "风险等级"):
        assert f"<b>{label}</b>" in section
    # every indicator once, under its theme; each summary says how many it holds
    shown = re.findall(r'id="ind-([a-z0-9_]+)"', section)
    known = builtin_indicators()
    assert len(shown) == len(set(shown)) and set(shown) <= set(known)
    assert len(shown) >= 50
    for theme in themes:
        block = section[section.index(f'id="ind-group-{theme}"') :]
        block = block[: block.index("</details>")]
        ids = re.findall(r'id="ind-([a-z0-9_]+)"', block)
        assert ids and all(known[i].group == theme for i in ids)
        assert f"{len(ids)} 项" in block
    # formatted by unit: an amount in 万/元, a ratio in %, days with 天
    assert re.search(r'id="ind-return_6m".*?%', section, re.S)
    assert re.search(r'id="ind-days_since_last_trade".*?天', section, re.S)


def test_every_shipped_indicator_has_a_theme() -> None:
    for indicator in builtin_indicators().values():
        assert indicator.group in THEMES and indicator.group != "other", indicator.id


def test_positions_show_cost_unrealised_pnl_and_return(
    sign_in: Callable[[str], SignedIn],
) -> None:
    me = sign_in("broker")
    cid, body = _with(me, "positions")
    text = me.client.get(f"/customers/{cid}").text
    table = text[text.index('id="holdings-positions"') :]
    table = table[: table.index("</table>")]
    for header in ("成本（元）", "市值（元）", "浮动盈亏（元）", "收益率"):
        assert header in table
    first = body["positions"][0]
    cost, value = Decimal(str(first["cost_amount"])), Decimal(str(first["market_value"]))
    pnl = value - cost
    row = table[table.index("<tbody>") :]
    row = row[: row.index("</tr>")]
    assert num(cost, 2) in row and num(value, 2) in row
    css, sign = ("up", "+") if pnl > 0 else ("down", "") if pnl < 0 else ("", "")
    if css:
        assert f'<span class="{css}">{sign}{num(pnl, 2)}</span>' in row
    # the totals are exact sums of the rows
    total = sum(
        (
            Decimal(str(p["market_value"])) - Decimal(str(p["cost_amount"]))
            for p in body["positions"]
        ),
        Decimal(0),
    )
    foot = table[table.index("<tfoot>") :]
    assert num(total, 2) in foot and "合计" in foot


def _facts(professional: bool, klass: str | None, expired: bool = False) -> Any:
    assessment = SimpleNamespace(risk_class=klass) if klass else None
    return SimpleNamespace(
        facts=SimpleNamespace(
            professional=professional,
            assessment=assessment,
            assessment_state="expired" if expired else "valid",
            lowest_reasons=(),
        )
    )


PRODUCTS = [
    {"product_id": "P1", "product_name": "稳健理财", "product_type": "wealth", "risk_level": "R2",
     "units": 100.0, "cost_amount": 1000.10, "market_value": 1100.30},
    {"product_id": "P2", "product_name": "股票基金", "product_type": "fund", "risk_level": "R4",
     "units": 50.0, "cost_amount": 2000.20, "market_value": 1500.05},
]  # fmt: skip


def test_an_ordinary_investor_s_holdings_above_the_class_are_flagged(
    monkeypatch: pytest.MonkeyPatch, published: Published
) -> None:
    monkeypatch.setattr(holdings_module, "customer_view", lambda *a: _facts(False, "C3"))
    held = holdings_module.customer_holdings(
        published.settings, "C1", dt.date(2025, 1, 2), [], PRODUCTS
    )
    assert [r.above for r in held.products.rows] == [False, True]  # C3 matches up to R3
    assert held.allowed == load_rules(published.settings).matching["C3"]
    assert held.products.pnl == Decimal("100.20") + Decimal("-500.15")  # exact
    assert held.products.cost == Decimal("3000.30")
    # without a valid assessment an ordinary investor matches nothing
    monkeypatch.setattr(holdings_module, "customer_view", lambda *a: _facts(False, "C5", True))
    expired = holdings_module.customer_holdings(
        published.settings, "C1", dt.date(2025, 1, 2), [], PRODUCTS
    )
    assert not expired.assessed and all(r.above for r in expired.products.rows)
    # a professional is not matched on risk grade
    monkeypatch.setattr(holdings_module, "customer_view", lambda *a: _facts(True, "C1"))
    pro = holdings_module.customer_holdings(
        published.settings, "C1", dt.date(2025, 1, 2), [], PRODUCTS
    )
    assert pro.professional and not any(r.above for r in pro.products.rows)


def test_the_360_flags_or_states_the_exemption_on_the_holdings(
    monkeypatch: pytest.MonkeyPatch, sign_in: Callable[[str], SignedIn]
) -> None:
    me = sign_in("broker")
    cid, _ = _with(me, "positions")  # stocks are R3: above C1 and C2
    monkeypatch.setattr(holdings_module, "customer_view", lambda *a: _facts(False, "C1"))
    text = me.client.get(f"/customers/{cid}").text
    holdings = text[text.index('id="holdings"') :]
    assert "高于适当性" in holdings and "项持有高于客户风险承受能力（C1，可匹配至 R1）" in holdings
    assert "风险等级 R3 高于客户 C1 可匹配的 R1" in holdings
    monkeypatch.setattr(holdings_module, "customer_view", lambda *a: _facts(True, "C1"))
    text = me.client.get(f"/customers/{cid}").text
    holdings = text[text.index('id="holdings"') :]
    assert "专业投资者：不受产品风险等级匹配限制" in holdings and "高于适当性" not in holdings


def test_the_header_names_the_branch_and_region(sign_in: Callable[[str], SignedIn]) -> None:
    me = sign_in("broker")
    cid = _customers(me)[0]
    body = me.client.get(f"/api/customers/{cid}").json()
    branch = body["customer"]["branch_id"]
    text = me.client.get(f"/customers/{cid}").text
    units = text[text.index('id="c360-units"') :]
    units = units[: units.index("</div>")]
    assert f'title="{branch}"' in units and "营业部" in units
    visible = re.sub(r"<[^>]+>", "", units)
    assert branch not in visible  # the name shows; the code only on hover


def _chart(text: str, name: str) -> dict[str, Any]:
    found = re.search(rf'<script type="application/json" id="{name}">(.*?)</script>', text, re.S)
    assert found, name
    return json.loads(found.group(1).replace("&quot;", '"').replace("&amp;", "&"))


def test_the_charts_data_and_period_picker(
    sign_in: Callable[[str], SignedIn], published: Published
) -> None:
    me = sign_in("broker")
    cid = _customers(me)[0]
    text = me.client.get(f"/customers/{cid}/charts", headers=HX, params={"period": "3m"}).text
    for label in ("近1月", "近3月", "近6月", "近1年", "全部"):
        assert label in text
    assert re.search(r'class="btn btn-small active" data-period="3m"', text)
    curve = _chart(text, "chart-curve")
    assert len(curve["dates"]) == len(curve["assets"]) == len(curve["index"]) >= 10
    assert curve["names"] == ["总资产（较期初）", "沪深300（较期初）"]
    pnl = _chart(text, "chart-pnl")
    assert pnl["names"] == ["当日盈亏", "累计盈亏"] and len(pnl["values"]) == len(pnl["dates"])
    # each day's P&L is the change in assets less the day's net transfers in
    as_of = dt.date.fromisoformat(curve["dates"][-1])
    points = assets_history(published.settings, cid, as_of)
    day = {str(p.biz_date): p for p in points}
    for date, value in zip(pnl["dates"], pnl["values"], strict=True):
        now = day[date]
        before = points[points.index(now) - 1]
        expected = (
            Decimal(str(now.total_assets))
            - Decimal(str(before.total_assets))
            - Decimal(str(now.net_inflow)).quantize(Decimal("0.01"))
        )
        assert Decimal(str(value)) == expected, date
    mix = _chart(text, "chart-mix")
    shares = [i["share"] for i in mix["items"]]
    assert mix["items"] and abs(sum(shares) - 1) < 1e-4
    assert re.search(r'id="mix-shares">.*?\d+\.\d%', text, re.S)  # each share in %
    # the period is in the page's URL; a bad one is the default, never an error
    page = me.client.get(f"/customers/{cid}", params={"period": "1y"}).text
    assert 'class="btn btn-small active" data-period="1y"' in page
    assert _chart(page, "chart-curve") == _chart(
        me.client.get(f"/customers/{cid}/charts", headers=HX).text, "chart-curve"
    )
    odd = me.client.get(f"/customers/{cid}/charts", headers=HX, params={"period": "x'"})
    assert odd.status_code == 200 and 'class="btn btn-small active" data-period="6m"' in odd.text


def test_the_charts_series_from_the_lookup_match_the_lake(
    sign_in: Callable[[str], SignedIn], published: Published
) -> None:
    me = sign_in("hq_marketing")
    ids = _customers(me, 20)
    as_of = dt.date.fromisoformat(me.client.get(f"/api/customers/{ids[0]}").json()["as_of_date"])
    lookup = open_lookup(published.settings, as_of)
    assert lookup is not None and lookup.series_dates()  # the run wrote the series
    for cid in ids:
        fast = chart_history(published.settings, cid, as_of)
        lake = assets_history(published.settings, cid, as_of)
        assert (lookup.series(cid) is not None) == bool(lake)  # read from the lookup
        assert [(p.biz_date, p.total_assets, p.index_close) for p in fast] == [
            (p.biz_date, p.total_assets, p.index_close) for p in lake
        ]
        assert [round(p.net_inflow, 2) for p in fast] == [round(p.net_inflow, 2) for p in lake]
        if lake:
            assert (fast[-1].cash, fast[-1].stock_value) == (lake[-1].cash, lake[-1].stock_value)


def test_without_the_series_the_charts_come_in_a_slot(
    monkeypatch: pytest.MonkeyPatch, sign_in: Callable[[str], SignedIn]
) -> None:
    """With the lookup's series the 360 draws its charts with the page; a lookup written
    before them (or none) leaves the lake's 250 dates to the charts slot, not the page."""
    from brokerlens.web.pages import customers as customer_pages

    me = sign_in("broker")
    cid = _customers(me)[0]
    page = me.client.get(f"/customers/{cid}", params={"period": "3m"}).text
    assert 'id="chart-curve"' in page and f"/customers/{cid}/charts" not in page
    monkeypatch.setattr(customer_pages, "charts_at_hand", lambda *a: False)
    page = me.client.get(f"/customers/{cid}", params={"period": "3m"}).text
    assert 'id="chart-curve"' not in page
    assert f'hx-get="/customers/{cid}/charts?period=3m" hx-trigger="load"' in page
