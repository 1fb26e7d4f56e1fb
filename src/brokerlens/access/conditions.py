"""Filters on the profile: typed conditions checked against the served snapshot's columns.

Field names are looked up among the snapshot's columns (never pasted into SQL); values are
converted to the column's type and bound as parameters.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

import sqlalchemy as sa
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy.sql.elements import ColumnElement

from brokerlens.access.snapshot import Snapshot
from brokerlens.errors import InvalidRequest

Op = Literal["eq", "ne", "in", "gt", "ge", "lt", "le", "between", "is_null", "not_null"]
MAX_PAGE_SIZE = 200
MAX_IN_VALUES = 1000


class Condition(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    field: str = Field(min_length=1, max_length=100)
    op: Op
    value: Any = None


class CustomerQuery(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    conditions: list[Condition] = Field(default_factory=list)
    branch_id: str | None = None
    team_id: str | None = None
    staff_id: str | None = None
    search: str | None = Field(default=None, max_length=100)
    sort: str | None = None
    descending: bool = False
    page: int = Field(default=1, ge=1)
    page_size: int = Field(default=50, ge=1, le=MAX_PAGE_SIZE)


def _validation_message(exc: ValidationError) -> str:
    parts = []
    for error in exc.errors():
        where = ".".join(str(p) for p in error["loc"]) or "request"
        parts.append(f"{where}: {error['msg']}")
    return "; ".join(parts)


def parse_query(data: dict[str, Any]) -> CustomerQuery:
    """A CustomerQuery from request data; InvalidRequest naming the field when it does not fit."""
    try:
        return CustomerQuery.model_validate(data)
    except ValidationError as exc:
        raise InvalidRequest(_validation_message(exc)) from None


def parse_conditions(data: list[Any]) -> list[Condition]:
    try:
        return [Condition.model_validate(item) for item in data]
    except ValidationError as exc:
        raise InvalidRequest(f"conditions: {_validation_message(exc)}") from None


def _column(snapshot: Snapshot, name: str, what: str = "field") -> sa.Column[Any]:
    if snapshot.column(name) is None:
        raise InvalidRequest(
            f"{what} {name[:100]!r} is not a column of the published profile",
            hint="use one of the profile's columns (see the column list)",
        )
    return snapshot.table.c[name]


def _coerce(kind: str, field: str, value: Any) -> Any:
    try:
        if value is None:
            raise ValueError("a value is needed")
        if kind == "number":
            if isinstance(value, bool):
                raise ValueError("not a number")
            return float(value)
        if kind == "integer":
            if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
                raise ValueError("not a whole number")
            return int(value)
        if kind == "date":
            return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))
        if kind == "boolean":
            if isinstance(value, bool):
                return value
            text = str(value).strip().lower()
            if text in ("true", "1", "yes"):
                return True
            if text in ("false", "0", "no"):
                return False
            raise ValueError("not true or false")
        if isinstance(value, list | dict):
            raise ValueError("not a single text value")
        return str(value)
    except (TypeError, ValueError) as exc:
        raise InvalidRequest(
            f"condition on {field!r}: value {str(value)[:50]!r} does not fit a {kind} column "
            f"({exc})"
        ) from None


def condition_clause(snapshot: Snapshot, condition: Condition) -> ColumnElement[bool]:
    """The SQL for one condition, its field checked and its value bound."""
    column = _column(snapshot, condition.field)
    info = snapshot.column(condition.field)
    kind = info.type if info else "text"
    op, value, field = condition.op, condition.value, condition.field
    if op == "is_null":
        return column.is_(None)
    if op == "not_null":
        return column.is_not(None)
    if op == "in":
        if not isinstance(value, list) or not value or len(value) > MAX_IN_VALUES:
            raise InvalidRequest(
                f"condition on {field!r}: `in` needs a list of 1 to {MAX_IN_VALUES} values"
            )
        return column.in_([_coerce(kind, field, v) for v in value])
    if op == "between":
        if not isinstance(value, list) or len(value) != 2:
            raise InvalidRequest(f"condition on {field!r}: `between` needs [low, high]")
        return column.between(_coerce(kind, field, value[0]), _coerce(kind, field, value[1]))
    bound = _coerce(kind, field, value)
    if op == "eq":
        return column == bound
    if op == "ne":
        return column != bound
    if op == "gt":
        return column > bound
    if op == "ge":
        return column >= bound
    if op == "lt":
        return column < bound
    return column <= bound


def conditions_clauses(snapshot: Snapshot, conditions: list[Condition]) -> list[Any]:
    return [condition_clause(snapshot, c) for c in conditions]


def like_escape(text: str) -> str:
    """`text` with LIKE's wildcards and the escape character itself escaped (escape `\\`)."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def search_clause(snapshot: Snapshot, search: str) -> ColumnElement[bool]:
    """customer_id starting with, or name containing, the search text."""
    table = snapshot.table
    text = like_escape(search.strip())
    clauses = [table.c.customer_id.like(f"{text}%", escape="\\")]
    if "name" in table.c:
        clauses.append(table.c["name"].like(f"%{text}%", escape="\\"))
    return sa.or_(*clauses)


def order_by(snapshot: Snapshot, sort: str | None, descending: bool) -> list[Any]:
    """ORDER BY a known column NULLS LAST, then customer_id so that pages are stable.

    NULLS LAST both ways, as `duckdb_order_by`: the store and the columnar copy return the same
    page (SQLite and PostgreSQL otherwise put NULLs at opposite ends)."""
    key = snapshot.table.c.customer_id
    if sort is None or sort == "customer_id":
        return [key.desc() if descending else key.asc()]
    column = _column(snapshot, sort, "sort")
    first = column.desc() if descending else column.asc()
    return [first.nulls_last(), key.asc()]


# --- the same, rendered for DuckDB over the profile's Parquet copy ----------------------------


def quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def duckdb_column(snapshot: Snapshot, name: str, what: str = "field") -> str:
    """A column of the snapshot, quoted; only known names ever reach the SQL."""
    _column(snapshot, name, what)
    return quote_ident(name)


def duckdb_condition(snapshot: Snapshot, condition: Condition) -> tuple[str, list[Any]]:
    """One condition as DuckDB SQL and its bound values (checked as `condition_clause`)."""
    column = duckdb_column(snapshot, condition.field)
    info = snapshot.column(condition.field)
    kind = info.type if info else "text"
    op, value, field = condition.op, condition.value, condition.field
    if op == "is_null":
        return f"{column} IS NULL", []
    if op == "not_null":
        return f"{column} IS NOT NULL", []
    if op == "in":
        if not isinstance(value, list) or not value or len(value) > MAX_IN_VALUES:
            raise InvalidRequest(
                f"condition on {field!r}: `in` needs a list of 1 to {MAX_IN_VALUES} values"
            )
        values = [_coerce(kind, field, v) for v in value]
        return f"{column} IN ({', '.join('?' for _ in values)})", values
    if op == "between":
        if not isinstance(value, list) or len(value) != 2:
            raise InvalidRequest(f"condition on {field!r}: `between` needs [low, high]")
        low, high = _coerce(kind, field, value[0]), _coerce(kind, field, value[1])
        return f"{column} BETWEEN ? AND ?", [low, high]
    symbol = {"eq": "=", "ne": "<>", "gt": ">", "ge": ">=", "lt": "<", "le": "<="}[op]
    return f"{column} {symbol} ?", [_coerce(kind, field, value)]


def duckdb_search(snapshot: Snapshot, search: str) -> tuple[str, list[Any]]:
    """As `search_clause`. LIKE is case-sensitive here as on PostgreSQL (SQLite's ignores ASCII
    case)."""
    text = like_escape(search.strip())
    sql, params = "customer_id LIKE ? ESCAPE '\\'", [f"{text}%"]
    if snapshot.column("name") is not None:
        sql, params = f"({sql} OR name LIKE ? ESCAPE '\\')", [*params, f"%{text}%"]
    return sql, params


def duckdb_order_by(snapshot: Snapshot, sort: str | None, descending: bool) -> str:
    """As `order_by`."""
    if sort is None or sort == "customer_id":
        return "customer_id DESC" if descending else "customer_id ASC"
    column = duckdb_column(snapshot, sort, "sort")
    return f"{column} {'DESC' if descending else 'ASC'} NULLS LAST, customer_id ASC"
