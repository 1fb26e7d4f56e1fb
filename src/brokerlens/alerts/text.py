"""The explanation's wording: `{name:format}` fields filled with figures and thresholds.

Formats: `yuan` (thousands separated, no .00), `pct` (a ratio as a percentage), `pts` (a ratio
in percentage points, the number only), `int`, `text`; none = a short number. Two formats are
phrases in the explanation's language, so a missing or negative figure still reads right:
`idle` (days without a trade: "已 47 天无交易", or "数据中无交易记录" when there is no trade at all)
and `expiry` (days to an expiry date: "12 天后到期", or "已过期 149 天"). Templates are
checked when the definitions load: every field must be a shown indicator or a threshold.
"""

from __future__ import annotations

import functools
import string
from collections.abc import Collection, Mapping, Sequence
from typing import Any

FORMATS = ("", "yuan", "pct", "pts", "int", "text", "idle", "expiry")
PHRASES = {
    "idle": {
        "zh": ("已 {n} 天无交易", "数据中无交易记录"),
        "en": ("no trade for {n} days", "no trade in the data"),
    },
    "expiry": {
        "zh": ("{n} 天后到期", "已过期 {n} 天"),
        "en": ("expires in {n} days", "expired {n} days ago"),
    },
}


def template_fields(template: str, formats: Collection[str] = FORMATS) -> list[tuple[str, str]]:
    """(name, format) of every field, or ValueError saying what is wrong (care messages use it
    with their own formats)."""
    try:
        parsed = list(string.Formatter().parse(template))
    except ValueError as exc:
        raise ValueError(f"cannot read the template: {exc}") from None
    fields = []
    for _, name, spec, conversion in parsed:
        if name is None:
            continue
        if not name or conversion or not name.replace("_", "").isalnum():
            raise ValueError(f"field {{{name}}} must be a plain name")
        if spec not in formats:
            raise ValueError(f"field {{{name}:{spec}}}: format must be one of {', '.join(formats)}")
        fields.append((name, spec or ""))
    return fields


def check_template(template: str, known: Collection[str]) -> None:
    for name, _ in template_fields(template):
        if name not in known:
            raise ValueError(f"field {{{name}}} is neither a shown indicator nor a threshold")


def render_columns(
    template: str,
    columns: Mapping[str, Sequence[Any]],
    rows: int,
    language: str = "zh",
    formatted: dict[tuple[str, str, str], list[str]] | None = None,
) -> list[str]:
    """Fill a template for `rows` rows at once, `columns` holding each field's values: each field is
    formatted a column at a time, then each row's text made by one %-format (an alert run
    renders millions of texts). `formatted` keeps the formatted columns for the next template
    (only the phrases differ between the languages)."""
    formatted = {} if formatted is None else formatted
    shape, fields = [], []
    for literal, name, spec in _parsed(template):
        shape.append(literal.replace("%", "%%"))
        if name is not None:
            shape.append("%s")
            key = (name, spec, language if spec in PHRASES else "")
            if key not in formatted:
                values = columns.get(name) or [None] * rows
                formatted[key] = [format_value(v, spec, language) for v in values]
            fields.append(formatted[key])
    pattern = "".join(shape)
    if not fields:
        return [pattern % ()] * rows
    return [pattern % row for row in zip(*fields, strict=True)]


@functools.lru_cache(maxsize=512)
def _parsed(template: str) -> tuple[tuple[str, str | None, str], ...]:
    # parsed once per template, not once per alert (a run renders millions)
    return tuple(
        (lit, name, spec or "") for lit, name, spec, _ in string.Formatter().parse(template)
    )


def format_value(value: Any, spec: str, language: str = "zh") -> str:
    if spec in PHRASES:
        return _phrase(value, spec, language)
    if value is None:
        return "—"
    if spec == "text" or isinstance(value, str):
        return str(value)
    number = float(value)
    if spec == "yuan":
        return _trim(f"{number:,.2f}")
    if spec == "pct":
        return _trim(f"{number * 100:.1f}") + "%"
    if spec == "pts":
        return _trim(f"{number * 100:.1f}")
    if spec == "int":
        return f"{round(number):d}"
    return _trim(f"{number:.4f}")


def _trim(text: str) -> str:
    return text.rstrip("0").rstrip(".") if "." in text else text


def _phrase(value: Any, spec: str, language: str) -> str:
    usual, other = PHRASES[spec]["en" if language == "en" else "zh"]
    if spec == "idle":
        return other if value is None else usual.format(n=round(float(value)))
    if value is None:
        return "—"
    days = round(float(value))
    return usual.format(n=days) if days >= 0 else other.format(n=-days)
