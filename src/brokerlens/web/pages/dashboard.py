"""Business dashboards (issue 22 section 2): `/dashboard` (the viewer's own level) and
`/dashboard/{level}/{unit_id}`: headline cards (day, month, year to date with 环比 / 同比), the
daily trend and the year's months (ECharts), a ranking of the units below (each a link one level
down; a broker's dashboard links to their customers) and the cuts of the chosen metric."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Query
from markupsafe import Markup
from starlette.responses import Response

from brokerlens.access.dashboard import (
    PERIODS,
    Change,
    Dashboard,
    DashboardRejected,
    dashboard,
    dimension_label,
)
from brokerlens.analysis.metrics.catalog import Metric
from brokerlens.web import formatting
from brokerlens.web.deps import CsrfDep
from brokerlens.web.i18n import enum_label, translate
from brokerlens.web.pages.common import Page, PageDep

router = APIRouter(include_in_schema=False, dependencies=[CsrfDep])
TextQuery = Annotated[str | None, Query(max_length=64)]

# A cut's members as enumerated values: the dimension's column in the i18n lists.
MEMBER_ENUMS = {
    "channel": "open_channel",
    "customer_type": "customer_type",
    "product_type": "product_type",
}


def metric_text(value: Any, unit: str, language: str) -> str:
    """A metric's value as a finance reader reads it: yuan in 万/亿, a rate in % (2 decimals),
    per mille in ‰, counts with separators."""
    if value is None:
        return "—"
    number = Decimal(value)
    if unit == "yuan":
        return formatting.amount(number, language)
    if unit == "rate":
        if 0 < abs(number) < Decimal("0.00005"):  # a market share: not a plain 0.00%
            return ("-" if number < 0 else "") + "<0.01%"
        return formatting.pct(number, 2)
    if unit == "permille":
        return f"{number * 1000:,.2f}‰"
    whole = number == number.to_integral_value()
    return formatting.num(number, 0 if whole else 2)


def change_html(change: Change, metric: Metric, language: str) -> Markup:
    """A 环比 / 同比 change: % for amounts and counts, percentage points (or ‰) for rates;
    ▲ red up, ▼ green down; "—" without the period's history."""
    if change.delta is None:
        return Markup('<span class="faint" title="{}">—</span>').format(
            translate("dash.no_history", language)
        )
    delta = change.delta
    if metric.unit == "rate":
        shown = round(delta * 100, 2)
        text = f"{shown:+,.2f}" + translate("dash.pp", language)
    elif metric.unit == "permille":
        shown = round(delta * 1000, 2)
        text = f"{shown:+,.2f}‰"
    elif change.ratio is not None:
        shown = round(change.ratio * 100, 2)
        text = f"{shown:+,.2f}%"
    else:  # from a base of 0: the difference itself
        shown = delta
        text = ("+" if delta > 0 else "") + metric_text(delta, metric.unit, language)
    if shown == 0:
        return Markup('<span class="dash-flat">{}</span>').format(text.lstrip("+-"))
    arrow, css = ("▲", "up") if shown > 0 else ("▼", "down")
    return Markup('<span class="{}">{} {}</span>').format(css, arrow, text)


def member_text(dimension: str, member: str, language: str) -> str:
    if member == "":
        return translate("dash.unknown", language)
    column = MEMBER_ENUMS.get(dimension)
    found = enum_label(column, member, language) if column else None
    return found or member


def dashboard_url(level: str, unit_id: str, metric: str, period: str) -> str:
    return f"/dashboard/{level}/{unit_id}?metric={metric}&period={period}"


def _trend_chart(found: Dashboard, language: str) -> dict[str, Any]:
    """The daily trend: turnover (bars) and total assets (line, right axis)."""
    return {
        "categories": [p.day.isoformat() for p in found.trend],
        "units": ["yuan", "yuan"],
        "series": [
            {
                "name": translate("dash.turnover", language),
                "type": "bar",
                "axis": 0,
                "values": [float(p.values["turnover"]) for p in found.trend],
            },
            {
                "name": translate("dash.total_assets", language),
                "type": "line",
                "axis": 1,
                "values": [float(p.values["total_assets"]) for p in found.trend],
            },
        ],
    }


def _months_chart(found: Dashboard, language: str) -> dict[str, Any]:
    """The year's months: turnover (bars) and net commission (line, right axis)."""
    return {
        "categories": [p.day.strftime("%Y-%m") for p in found.months],
        "units": ["yuan", "yuan"],
        "series": [
            {
                "name": translate(f"dash.{name}", language),
                "type": kind,
                "axis": axis,
                "values": [float(p.values[name]) for p in found.months],
            }
            for name, kind, axis in (("turnover", "bar", 0), ("net_commission", "line", 1))
        ],
    }


def _cut_chart(found: Dashboard, dimension: str, language: str) -> dict[str, Any] | None:
    cut = next((c for c in found.cuts if c.dimension == dimension), None)
    if cut is None or not cut.rows:
        return None
    return {
        "categories": [member_text(dimension, r.member, language) for r in cut.rows],
        "units": [found.metric.unit],
        "horizontal": True,
        "series": [
            {
                "name": found.metric.label(language),
                "type": "bar",
                "axis": 0,
                "values": [float(r.value) if r.value is not None else None for r in cut.rows],
            }
        ],
    }


def _render(page: Page, found: Dashboard, dimension: str | None) -> Response:
    language = page.language
    chosen = dimension or (found.cuts[0].dimension if found.cuts else None)
    context = {
        "d": found,
        "periods": PERIODS,
        "dimension": chosen,
        "mtext": lambda value, unit: metric_text(value, unit, language),
        "change": lambda c, m: change_html(c, m, language),
        "member": lambda dim, m: member_text(dim, m, language),
        "dim_label": lambda dim: dimension_label(dim, language),
        "url": lambda level, unit_id: dashboard_url(level, unit_id, found.metric.id, found.period),
        "trend_chart": _trend_chart(found, language) if found.trend else None,
        "months_chart": _months_chart(found, language) if found.months else None,
        "cut_chart": _cut_chart(found, chosen, language) if chosen else None,
    }
    return page.render("dashboard.html", context, active="dashboard")


@router.get("/dashboard")
def own_dashboard(
    page: PageDep,
    metric: TextQuery = None,
    period: TextQuery = None,
    dimension: TextQuery = None,
) -> Response:
    found = dashboard(
        page.db, page.settings, page.principal, metric=metric or None, period=period or None
    )
    return _render(page, found, _dimension(found, dimension))


@router.get("/dashboard/{level}/{unit_id}")
def unit_dashboard(
    page: PageDep,
    level: str,
    unit_id: str,
    metric: TextQuery = None,
    period: TextQuery = None,
    dimension: TextQuery = None,
) -> Response:
    found = dashboard(
        page.db,
        page.settings,
        page.principal,
        level,
        unit_id,
        metric=metric or None,
        period=period or None,
    )
    return _render(page, found, _dimension(found, dimension))


def _dimension(found: Dashboard, dimension: str | None) -> str | None:
    """The cut charted: every cut is tabled, one is drawn (the first unless one is asked)."""
    if not dimension:
        return None
    if dimension not in found.dimensions:
        raise DashboardRejected("dimension", f"{dimension[:20]!r} is not a cut of this metric")
    return dimension
