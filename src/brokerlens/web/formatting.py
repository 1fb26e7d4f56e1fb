"""How numbers, amounts and dates read on a page: thousands separators, 万/亿, fixed decimals."""

from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal
from typing import Any


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


def pct(value: Any, digits: int = 2) -> str:
    """0.1234 -> '12.34%'."""
    number = _number(value)
    if number is None:
        return "—" if value is None else str(value)
    return f"{number * 100:,.{digits}f}%"


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


def is_amount_column(name: str) -> bool:
    """Money columns read in 万/亿: assets, cash, amounts, commission, value, profit."""
    markers = ("assets", "cash", "amount", "commission", "market_value", "value", "profit")
    return any(m in name for m in markers) and not name.endswith(("_rate", "_share", "_pct"))
