"""The customer 360's pieces: the charts' data, the holdings tables, indicators by theme, and
the rule that its fragments opened on their own go to the full page.

The routes are in `customers.py` (the 360) and the suitability and alerts pages (their slots);
this module holds what they share, so the page stays thin.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from urllib.parse import quote

from markupsafe import Markup, escape
from starlette.responses import RedirectResponse

from brokerlens.access import AssetPoint
from brokerlens.indicators import Indicators
from brokerlens.indicators.model import THEMES
from brokerlens.web.formatting import num, pct, value_html
from brokerlens.web.i18n import column_label, translate

PERIODS = ("1m", "3m", "6m", "1y", "all")
DEFAULT_PERIOD = "6m"
MONTHS = {"1m": 1, "3m": 3, "6m": 6, "1y": 12}
# The asset mix: (column of the day's assets, message id of its name)
MIX_PARTS = (
    ("cash", ("现金", "Cash")),
    ("stock_value", ("股票", "Stocks")),
    ("fund_value", ("基金", "Funds")),
    ("bond_value", ("债券", "Bonds")),
    ("product_value", ("理财产品", "Products")),
    ("other_value", ("其他", "Other")),
)


def period_of(value: str | None) -> str:
    """The chart period asked in the URL (`?period=3m`), else the default: never an error."""
    return value if value in PERIODS else DEFAULT_PERIOD


def fragment_or_page(page: Any, customer_id: str, anchor: str) -> RedirectResponse | None:
    """A 360 fragment asked without htmx (its URL opened in the browser): a 303 to the full page
    at the fragment's place; None when htmx asked (serve the fragment)."""
    if page.htmx:
        return None
    return RedirectResponse(f"/customers/{quote(customer_id, safe='')}#{anchor}", status_code=303)


def _number(value: Any) -> float | None:
    return None if value is None else float(value)


def charts_360(points: Sequence[AssetPoint], language: str) -> dict[str, Any]:
    """Data for the charts over every loaded date (the page's period picker cuts it):
    total assets and the index (the browser rebases both to % of the period's first day), the
    mix on the last day with each part's share, and each day's P&L (the change in total assets
    less the day's net transfers in)."""
    en = language == "en"
    dates = [str(p.biz_date) for p in points]
    curve = {
        "dates": dates,
        "assets": [_number(p.total_assets) for p in points],
        "index": [_number(p.index_close) for p in points],
        "names": [
            translate("c360.assets_change", language),
            translate("c360.index_change", language),
        ],
    }
    last = points[-1] if points else None
    values = {k: float(getattr(last, k) or 0) for k, _ in MIX_PARTS} if last else {}
    whole = sum(v for v in values.values() if v > 0)
    mix = {
        "items": [
            {
                "name": names[1] if en else names[0],
                "value": round(values[k], 2),
                "share": round(values[k] / whole, 6) if whole else None,
            }
            for k, names in MIX_PARTS
            if values.get(k, 0) > 0
        ]
    }
    pnl_dates, pnl = [], []
    for before, now in itertools.pairwise(points):
        if before.total_assets is None or now.total_assets is None:
            continue
        change = Decimal(str(now.total_assets)) - Decimal(str(before.total_assets))
        pnl_dates.append(str(now.biz_date))
        pnl.append(float(change - Decimal(str(now.net_inflow or 0)).quantize(Decimal("0.01"))))
    return {
        "curve": curve,
        "mix": mix,
        "pnl": {
            "dates": pnl_dates,
            "values": pnl,
            "names": [
                translate("c360.pnl_daily", language),
                translate("c360.pnl_cumulative", language),
            ],
        },
    }


@dataclass(frozen=True)
class IndicatorItem:
    id: str
    label: str
    value: Any


@dataclass(frozen=True)
class IndicatorGroup:
    theme: str
    label: str
    items: list[IndicatorItem]


def indicator_groups(
    values: dict[str, Any], language: str, indicators: Indicators
) -> list[IndicatorGroup]:
    """The customer's indicators by theme (in THEMES order, each in catalog order), every value
    formatted by its unit."""
    by_theme: dict[str, list[IndicatorItem]] = {}
    order = {name: n for n, name in enumerate(indicators)}
    for name in sorted(values, key=lambda k: order.get(k, len(order))):
        indicator = indicators.get(name)
        theme = indicator.group if indicator is not None else "other"
        item = IndicatorItem(
            name,
            column_label(name, language, indicators),
            value_html(values[name], name, language, indicators=indicators),
        )
        by_theme.setdefault(theme, []).append(item)
    return [
        IndicatorGroup(theme, translate(f"c360.theme.{theme}", language), by_theme[theme])
        for theme in THEMES
        if theme in by_theme
    ]


def signed_amount(value: Decimal | float | None) -> Markup:
    """A gain or loss in 元 with separators and a sign: red up, green down."""
    if value is None:
        return Markup('<span class="faint">—</span>')
    text = num(value, 2)
    if value > 0:
        return Markup('<span class="up">+{}</span>').format(text)
    if value < 0:
        return Markup('<span class="down">{}</span>').format(text)
    return Markup(escape(text))


def signed_pct(value: float | None) -> Markup:
    if value is None:
        return Markup('<span class="faint">—</span>')
    text = pct(value)
    if value > 0:
        return Markup('<span class="up">+{}</span>').format(text)
    if value < 0:
        return Markup('<span class="down">{}</span>').format(text)
    return Markup(escape(text))
