"""How numbers, amounts and dates read on a page: thousands separators, 万/亿, fixed decimals."""

from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal
from typing import Any

from markupsafe import Markup, escape

from brokerlens.indicators import Indicators, builtin_indicators
from brokerlens.web.i18n import enum_label


def _number(value: Any) -> float | None:
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int | float | Decimal):
        number = float(value)
        return None if math.isnan(number) else number
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def num(value: Any, digits: int = 0) -> str:
    """1234567.8 -> '1,234,568'; non-numbers pass through; None -> '—'."""
    number = _number(value)
    if number is None:
        return "—" if value is None else str(value)
    return f"{number:,.{digits}f}"


def amount(value: Any, language: str = "zh") -> str:
    """A CNY amount, short: 1.23亿, 45.67万 (or 123.4M / 45.7K in English), else 1,234.56."""
    number = _number(value)
    if number is None:
        return "—" if value is None else str(value)
    size = abs(number)
    if language == "en":
        if size >= 1e9:
            return f"{number / 1e9:,.2f}B"
        if size >= 1e6:
            return f"{number / 1e6:,.2f}M"
        if size >= 1e4:
            return f"{number / 1e3:,.1f}K"
        return f"{number:,.2f}"
    if size >= 1e8:
        return f"{number / 1e8:,.2f}亿"
    if size >= 1e4:
        return f"{number / 1e4:,.2f}万"
    return f"{number:,.2f}"


def pct(value: Any, digits: int = 2, *, signed: bool = False) -> str:
    """0.1234 -> '12.34%'; `signed` (a gain or loss) -> '+12.34%' / '-12.34%'.

    A value that rounds to zero reads '0.00%', never signed: '-0.00%' and '+0.00%' are not
    numbers a reader expects."""
    number = _number(value)
    if number is None:
        return "—" if value is None else str(value)
    shown = round(number * 100, digits)
    if shown == 0:
        return f"{0:.{digits}f}%"
    sign = "+" if signed and shown > 0 else ""
    return f"{sign}{shown:,.{digits}f}%"


def direction(value: Any, digits: int = 2) -> str:
    """'up', 'down' or '' for a gain/loss ratio as shown to `digits` (red up, green down)."""
    number = _number(value)
    if number is None:
        return ""
    shown = round(number * 100, digits)
    return "up" if shown > 0 else ("down" if shown < 0 else "")


def change_html(value: Any, digits: int = 2) -> Markup:
    """A gain or loss (a return, a growth): signed and coloured, +1.23% red, -1.23% green, a
    zero plain. Plain shares and rates use `pct` and are neither."""
    text = pct(value, digits, signed=True)
    css = direction(value, digits)
    if not css:
        return Markup(escape(text))
    return Markup('<span class="{}">{}</span>').format(css, text)


def yuan(value: Any, digits: int = 2) -> str:
    """A CNY amount whole, for detail tables: 64181875.62625 -> '64,181,875.63'."""
    return num(value, digits)


def pct100(value: Any, digits: int = 2) -> str:
    """A percentage already in 0-100: 100 -> '100%', 60 -> '60%', 12.345 -> '12.35%'."""
    number = _number(value)
    if number is None:
        return "—" if value is None else str(value)
    text = f"{number:,.{digits}f}".rstrip("0").rstrip(".") if digits else f"{number:,.0f}"
    return f"{text}%"


def date(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def cell(value: Any, kind: str | None = None, language: str = "zh") -> str:
    """A table cell by column type: number columns right-aligned and separated, money short."""
    if value is None:
        return "—"
    if kind == "amount":
        return amount(value, language)
    if kind == "number":
        number = _number(value)
        if number is None:
            return str(value)
        return num(number, 0 if number.is_integer() else 2)
    if kind == "integer":
        return num(value)
    if isinstance(value, dt.date):
        return date(value)
    if isinstance(value, bool):
        return "✓" if value else "✗"
    if isinstance(value, float):
        return num(value, 0 if value.is_integer() else 2)
    return str(value)


def _indicator_unit(name: str, indicators: Indicators | None = None) -> str | None:
    known = indicators if indicators is not None else builtin_indicators()
    indicator = known.get(name)
    return indicator.unit if indicator is not None else None


# Columns whose numbers are already percentages (0-100), and ratios held as decimals (0.35).
PERCENT_COLUMNS = ("share_pct",)
RATIO_SUFFIXES = ("_rate", "_share", "_ratio")
# Ratios that are a gain or a loss: signed and coloured; every other ratio is a plain share.
SIGNED_RATIOS = ("return_", "_growth", "index_return", "profit_ytd_rate", "profit_per_turnover")
INTEGER_COLUMNS = ("quantity", "duration_s", "term_days")


def value_kind(name: str, indicators: Indicators | None = None) -> str:
    """How a column's number reads: amount, ratio, percent, integer, days, number.

    `indicators`: the installation's (`load_indicators(settings)`); None: the shipped ones."""
    unit = _indicator_unit(name, indicators)
    if unit == "yuan":
        return "amount"
    if unit == "ratio":
        return "ratio"
    if unit == "count":
        return "integer"
    if unit == "days":
        return "days"
    if unit is not None:
        return "number"
    if name in PERCENT_COLUMNS or name.endswith("_pct"):
        return "percent"
    if name.endswith(RATIO_SUFFIXES):
        return "ratio"
    if is_amount_column(name):
        return "amount"
    if name in INTEGER_COLUMNS:
        return "integer"
    return "number"


def value_html(
    value: Any,
    name: str,
    language: str = "zh",
    *,
    full: bool = False,
    indicators: Indicators | None = None,
) -> Markup:
    """One value for a page by its column: enums translated, numbers by unit, None as a dash.

    `full` shows amounts whole with thousands separators (fact tables), else short in 万/亿.
    """
    if value is None:
        return Markup('<span class="faint">—</span>')
    if isinstance(value, bool):
        return Markup("✓" if value else "✗")
    label = enum_label(name, value, language)
    if label is not None:
        return Markup(escape(label))
    if isinstance(value, dt.date):
        return Markup(escape(date(value)))
    number = _number(value) if isinstance(value, int | float | Decimal) else None
    if number is None:
        return Markup(escape(str(value)))
    kind = value_kind(name, indicators)
    if kind == "amount":
        text = yuan(number) if full else amount(number, language)
    elif kind == "ratio":
        if any(m in name for m in SIGNED_RATIOS):
            return change_html(number)
        text = pct(number)
    elif kind == "percent":
        text = pct100(number)
    elif kind == "integer":
        text = num(number)
    elif kind == "days":
        text = num(number, 0 if number.is_integer() else 1) + (
            " days" if language == "en" else " 天"
        )
    else:
        text = num(number, 0 if number.is_integer() else 2)
    return Markup(escape(text))


def is_amount_column(name: str) -> bool:
    """Money columns read in 万/亿: assets, cash, amounts, commission, value, profit."""
    markers = ("assets", "cash", "amount", "commission", "market_value", "value", "profit")
    return any(m in name for m in markers) and not name.endswith(("_rate", "_share", "_pct"))
