"""The customer filter encoding shared by the API, the pages and segments.

One condition is `field:op:value`, repeated as `f=` query parameters:
- `service_level:eq:金手指`, `total_assets_t:ge:1000000`
- `customer_tier:in:VIP,核心A` (comma separated), `return_6m:between:-0.1,0.2` (low,high)
- `close_date:is_null` and `email:not_null` take no value.
`access` converts values to the column's type, so a number compares as a number.
"""

from __future__ import annotations

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


def shaped_value(field: str, op: str, value: Any) -> Any:
    """A condition's value in the shape `access.Condition` takes: scalar, list, [low, high].

    `access` converts each value to its column's type and names the field when one does not fit.
    """
    if op in NO_VALUE_OPS:
        return None
    if op == "in":
        items = value.split(",") if isinstance(value, str) else list(value or [])
        return [v.strip() if isinstance(v, str) else v for v in items if v != ""]
    if op == "between":
        pair = value.split(",") if isinstance(value, str) else list(value or [])
        if len(pair) != 2:
            raise InvalidRequest(
                f"filter {field}: between needs two values",
                hint="write it as field:between:low,high",
            )
        return [v.strip() if isinstance(v, str) else v for v in pair]
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
