"""Bounds every request parameter is held to before it reaches `access`, so bad input is
answered 422 with a message, never 500 (an offset past 64 bits, an id past the store's integer
keys, a date whose next day does not exist, a filter the conditions cannot take).

Routes declare the annotated types here (`PageQuery`, `IdPath`, `DayQuery`); the filter and
condition checks run where requests are parsed (`CustomerListParams`, the segment models).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import Path, Query

from brokerlens.errors import InvalidRequest

MAX_PAGE = 100_000  # x at most 500 rows a page: offsets stay far inside 64 bits
MAX_ID = 2**31 - 1  # the store's integer keys (PostgreSQL `integer`)
EARLIEST_DAY = dt.date(1900, 1, 1)
LATEST_DAY = dt.date(2999, 12, 31)
MAX_FIELD = 100  # a profile column's name at most
MAX_FILTERS = 50
MAX_FILTER_TEXT = 2000
MAX_LIST_VALUES = 1000  # values of one `in`

PageQuery = Annotated[int, Query(ge=1, le=MAX_PAGE, description="page number, from 1")]
IdPath = Annotated[int, Path(ge=1, le=MAX_ID)]
DayQuery = Annotated[dt.date | None, Query(ge=EARLIEST_DAY, le=LATEST_DAY)]


def check_day(name: str, day: dt.date | None) -> dt.date | None:
    """A date parameter parsed elsewhere, held to the same range as `DayQuery`."""
    if day is not None and not EARLIEST_DAY <= day <= LATEST_DAY:
        raise InvalidRequest(
            f"{name}: {day.isoformat()} is outside {EARLIEST_DAY} .. {LATEST_DAY} / 日期超出范围"
        )
    return day


def check_field(field: str, where: str = "filter") -> str:
    if len(field) > MAX_FIELD:
        raise InvalidRequest(
            f"{where} field {field[:40]!r}… is longer than {MAX_FIELD} characters / 字段名过长",
            hint="name a column of the profile",
        )
    return field


def check_filters(filters: list[str]) -> list[str]:
    """`f=` conditions (field:op:value): how many, how long, and the field names' length.
    Their syntax, ops and values are `brokerlens.web.filters`'s to check."""
    if len(filters) > MAX_FILTERS:
        raise InvalidRequest(f"at most {MAX_FILTERS} filters / 筛选条件过多")
    for text in filters:
        if len(text) > MAX_FILTER_TEXT:
            raise InvalidRequest(
                f"filter {text[:40]!r}… is longer than {MAX_FILTER_TEXT} characters / 筛选条件过长"
            )
        check_field(text.split(":", 1)[0])
    return filters


def _scalar(value: Any) -> bool:
    return value is None or isinstance(value, str | int | float | bool)


def check_condition_value(field: str, op: str, value: Any) -> Any:
    """A JSON condition's value has the shape its op takes: a non-empty list for `in`, two
    values for `between`, one value for the comparisons (none for is_null / not_null)."""
    if op in ("is_null", "not_null"):
        return value
    if op == "in":
        if not isinstance(value, list) or not value:
            raise InvalidRequest(
                f"condition on {field}: `in` takes a list of values / in 需要取值列表",
                hint='e.g. {"op": "in", "value": ["VIP", "核心A"]}',
            )
        if len(value) > MAX_LIST_VALUES or not all(_scalar(v) for v in value):
            raise InvalidRequest(
                f"condition on {field}: `in` takes at most {MAX_LIST_VALUES} plain values"
            )
        return value
    if op == "between":
        if not isinstance(value, list) or len(value) != 2 or not all(_scalar(v) for v in value):
            raise InvalidRequest(
                f"condition on {field}: `between` takes two values [low, high] / "
                "between 需要上下限两个值",
                hint='e.g. {"op": "between", "value": [100000, 1000000]}',
            )
        return value
    if not _scalar(value):
        raise InvalidRequest(
            f"condition on {field}: `{op}` takes one value / {op} 只取一个值",
            hint="use `in` for a list of values",
        )
    return value
