"""The customer filter encoding shared by the API, the pages and segments.

One condition is `field:op:value`, repeated as `f=` query parameters:
- `service_level:eq:金手指`, `total_assets_t:ge:1000000`
- `customer_tier:in:VIP,核心A` (comma separated), `return_6m:between:-0.1,0.2` (low,high)
- `close_date:is_null` and `email:not_null` take no value.
`access` converts values to the column's type, so a number compares as a number.

In a list (`in`, `between`) a backslash escapes the next comma, backslash or blank: `a\\,b`
is the one value `a,b`, and `\\ ` a blank kept at an item's edge (unescaped blanks around an
item are dropped, so `VIP, 核心A` still reads as typed). A backslash before anything else is
kept as written, so a link made before the escape existed reads as it did. `encode_filter`
writes any condition so that `parse_filter` and `shaped_value` give it back exactly (issue 24).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, cast

from brokerlens.access.conditions import NO_VALUE_OPS, OPS, Condition, Op
from brokerlens.classify import Catalog
from brokerlens.errors import InvalidRequest


@dataclass(frozen=True)
class ColumnInfo:
    name: str
    kind: str  # customer, indicator, classification, meta
    type: str  # text, number, integer, date, boolean

    @property
    def numeric(self) -> bool:
        return self.type in ("number", "integer")


def _get(item: Any, key: str, default: Any = None) -> Any:
    if isinstance(item, dict):
        return item.get(key, default)
    return getattr(item, key, default)


def columns_of(snapshot: Any) -> dict[str, ColumnInfo]:
    """The served snapshot's columns by name, in order."""
    found: dict[str, ColumnInfo] = {}
    for column in _get(snapshot, "columns", None) or []:
        name = str(_get(column, "name"))
        found[name] = ColumnInfo(
            name, str(_get(column, "kind", "indicator")), str(_get(column, "type", "text"))
        )
    return found


SEPARATOR = ","
ESCAPE = "\\"


def encode_values(values: Sequence[Any]) -> str:
    """A list's values as one text that `split_values` reads back item for item: each comma
    and backslash escaped, and the blanks at an item's edges (which reading drops) too."""
    return SEPARATOR.join(_encode_item(str(v)) for v in values)


def _encode_item(text: str) -> str:
    escaped = [ESCAPE + c if c in (SEPARATOR, ESCAPE) else c for c in text]
    lead = 0
    while lead < len(text) and text[lead].isspace():
        lead += 1
    trail = len(text)
    while trail > lead and text[trail - 1].isspace():
        trail -= 1
    for i in [*range(lead), *range(trail, len(text))]:
        escaped[i] = ESCAPE + text[i]
    return "".join(escaped)


def split_values(text: str) -> list[str]:
    """A list's text -> its values: split at each unescaped comma, unescaped blanks around an
    item dropped, empty items left out; `\\,` `\\\\` and a backslash before a blank stand for
    the character, a backslash before anything else stays as written."""
    items: list[list[tuple[str, bool]]] = [[]]  # characters, each with whether it was escaped
    i = 0
    while i < len(text):
        char = text[i]
        following = text[i + 1] if i + 1 < len(text) else ""
        if char == ESCAPE and (following in (SEPARATOR, ESCAPE) or following.isspace()):
            items[-1].append((following, True))
            i += 2
            continue
        if char == SEPARATOR:
            items.append([])
        else:
            items[-1].append((char, False))
        i += 1
    values = []
    for chars in items:
        start, end = 0, len(chars)
        while start < end and not chars[start][1] and chars[start][0].isspace():
            start += 1
        while end > start and not chars[end - 1][1] and chars[end - 1][0].isspace():
            end -= 1
        if end > start:
            values.append("".join(c for c, _ in chars[start:end]))
    return values


def encode_filter(field: str, op: str, value: Any = None) -> str:
    """One `f=` condition as text, read back exactly by `conditions_from`: a list's values
    through `encode_values`, a single value as it is."""
    if not field or ":" in field:
        raise InvalidRequest(f"filter field {field!r}: a column name, without `:`")
    if op not in OPS:
        raise InvalidRequest(f"filter {field}: op {op!r} is unknown", hint=f"use one of {OPS}")
    if op in NO_VALUE_OPS:
        return f"{field}:{op}"
    if isinstance(value, list | tuple):
        text = encode_values(value)
    else:
        text = "" if value is None else str(value)
    return f"{field}:{op}:{text}"


def shaped_value(field: str, op: str, value: Any) -> Any:
    """A condition's value in the shape `access.Condition` takes: scalar, list, [low, high].

    `access` converts each value to its column's type and names the field when one does not fit.
    """
    if op in NO_VALUE_OPS:
        return None
    if op == "in":
        if isinstance(value, str):
            return split_values(value)
        return [v.strip() if isinstance(v, str) else v for v in list(value or []) if v != ""]
    if op == "between":
        if isinstance(value, str):
            pair = split_values(value)
        else:
            pair = [v.strip() if isinstance(v, str) else v for v in list(value or [])]
        if len(pair) != 2:
            raise InvalidRequest(
                f"filter {field}: between needs two values",
                hint="write it as field:between:low,high (a comma in a value as \\,)",
            )
        return pair
    return value


def parse_filter(text: str) -> tuple[str, Op, str | None]:
    parts = text.split(":", 2)
    if len(parts) < 2 or not parts[0] or parts[1] not in OPS:
        raise InvalidRequest(
            f"filter {text!r} is not field:op:value",
            hint=f"op is one of {', '.join(OPS)}; e.g. f=service_level:eq:金手指",
        )
    field, op = parts[0], cast(Op, parts[1])
    value = parts[2] if len(parts) == 3 else None
    if op not in NO_VALUE_OPS and (value is None or value == ""):
        raise InvalidRequest(
            f"filter {text!r} has no value", hint=f"write it as {field}:{op}:VALUE"
        )
    return field, op, value


def conditions_from(filters: list[str]) -> list[Condition]:
    """`f=` strings -> `access.Condition`s."""
    found = []
    for text in filters:
        if text:
            field, op, value = parse_filter(text)
            found.append(Condition(field=field, op=op, value=shaped_value(field, op, value)))
    return found


def conditions_from_dicts(items: list[dict[str, Any]]) -> list[Condition]:
    """JSON conditions ({field, op, value}) -> `access.Condition`s, shaped like `f=` strings."""
    found = []
    for item in items:
        field, op = str(item.get("field", "")), item.get("op", "")
        if op not in OPS:
            raise InvalidRequest(
                f"condition on {field or '?'}: op {op!r} is unknown", hint=f"use one of {OPS}"
            )
        value = shaped_value(field, op, item.get("value"))
        found.append(Condition(field=field, op=op, value=value))
    return found


# --- classification values for the filter selects ----------------------------------------------


@dataclass(frozen=True)
class ClassificationChoice:
    id: str
    zh: str
    en: str
    values: list[str]

    def label(self, language: str) -> str:
        return self.en if language == "en" else self.zh


def classification_choices(snapshot: Any) -> list[ClassificationChoice]:
    """Each classification of the served catalog with every value its rules can give."""
    raw = _get(snapshot, "catalog", None)
    if raw is None:
        return []
    catalog = raw if isinstance(raw, Catalog) else Catalog.model_validate(raw)
    columns = columns_of(snapshot)
    choices = []
    for item in catalog.classifications:
        if columns and item.id not in columns:
            continue
        values: list[str] = []
        if item.buckets is not None:
            values.extend(item.buckets.labels)
        values.extend(r.value for r in item.rules if r.value is not None)
        values.append(item.default)
        choices.append(ClassificationChoice(item.id, item.zh, item.en, list(dict.fromkeys(values))))
    return choices
