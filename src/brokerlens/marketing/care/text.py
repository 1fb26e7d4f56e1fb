"""A care message's words: `{name:format}` fields filled from the occasion's row.

Formats, as the workbench shows figures to a Chinese reader: `amount` (45.67万, 1.23亿, else
1,234.56), `yuan` (1,234.56), `int` (1,234), `date` (2026-12-08), `md` (12月8日); none = the
value as it is (a number without trailing zeros). Templates are checked when the rules load:
every field must be a placeholder of the rule's occasion, every format one of these.
"""

from __future__ import annotations

import datetime as dt
import string
from collections.abc import Collection, Mapping
from decimal import Decimal
from typing import Any

from brokerlens.alerts.text import template_fields as alert_template_fields

FORMATS = ("", "amount", "yuan", "int", "date", "md")
MISSING = "—"


def template_fields(template: str) -> list[tuple[str, str]]:
    """(name, format) of every field, or ValueError saying what is wrong (as alerts read
    theirs, with the care formats)."""
    return alert_template_fields(template, FORMATS)


def check_template(template: str, known: Collection[str]) -> None:
    for name, _ in template_fields(template):
        if name not in known:
            raise ValueError(
                f"field {{{name}}} is not a placeholder of this occasion; use {', '.join(known)}"
            )


def render(template: str, values: Mapping[str, Any]) -> str:
    out = []
    for literal, name, spec, _ in string.Formatter().parse(template):
        out.append(literal)
        if name is not None:
            out.append(format_value(values.get(name), spec or ""))
    return "".join(out)


def format_value(value: Any, spec: str) -> str:
    if value is None:
        return MISSING
    if isinstance(value, dt.date):
        return f"{value.month}月{value.day}日" if spec == "md" else value.isoformat()
    if isinstance(value, str):
        return value
    number = float(value) if isinstance(value, int | float | Decimal) else None
    if number is None:
        return str(value)
    if spec == "amount":
        return amount(number)
    if spec == "yuan":
        return f"{number:,.2f}"
    if spec == "int":
        return f"{round(number):,d}"
    return _trim(f"{number:.4f}")


def amount(number: float) -> str:
    """A CNY amount as the workbench shows it: 1.23亿, 45.67万, else 1,234.56."""
    size = abs(number)
    if size >= 1e8:
        return f"{number / 1e8:,.2f}亿"
    if size >= 1e4:
        return f"{number / 1e4:,.2f}万"
    return f"{number:,.2f}"


def _trim(text: str) -> str:
    return text.rstrip("0").rstrip(".") if "." in text else text
