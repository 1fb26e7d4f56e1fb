"""The profile leaf of a condition: a field of the served profile, an operator, a value.

Each operator is written here once as SQLAlchemy Core; `condition_clause` checks the field
against the snapshot's columns (never pasted into SQL) and binds the value converted to the
column's type. `conditions` (flat filters) and `condition_tree` (nested groups, issue 25) both
compile profile leaves here.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal, get_args

import sqlalchemy as sa
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.sql.elements import ColumnElement

from brokerlens.access.churn_condition import FIELD as CHURN_PROBABILITY
from brokerlens.access.churn_condition import churn_clause
from brokerlens.access.recommended import FIELD as RECOMMENDED_PRODUCT
from brokerlens.access.recommended import recommended_clause
from brokerlens.access.snapshot import Snapshot
from brokerlens.config import Settings
from brokerlens.errors import InvalidRequest

MAX_IN_VALUES = 1000
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1

Arity = Literal["none", "one", "list", "pair"]


@dataclass(frozen=True)
class Operator:
    """One condition operator: how many values it takes and its SQL (SQLAlchemy Core)."""

    arity: Arity
    sql: Callable[[ColumnElement[Any], Any], ColumnElement[bool]]


# Every operator, once. A new one is a line here and its name in `Op` (checked at import).
OPERATORS: dict[str, Operator] = {
    "eq": Operator("one", lambda column, value: column == value),
    "ne": Operator("one", lambda column, value: column != value),
    "in": Operator("list", lambda column, values: column.in_(values)),
    "gt": Operator("one", lambda column, value: column > value),
    "ge": Operator("one", lambda column, value: column >= value),
    "lt": Operator("one", lambda column, value: column < value),
    "le": Operator("one", lambda column, value: column <= value),
    "between": Operator("pair", lambda column, pair: column.between(pair[0], pair[1])),
    "is_null": Operator("none", lambda column, _: column.is_(None)),
    "not_null": Operator("none", lambda column, _: column.is_not(None)),
}
Op = Literal["eq", "ne", "in", "gt", "ge", "lt", "le", "between", "is_null", "not_null"]
OPS: tuple[str, ...] = tuple(OPERATORS)
NO_VALUE_OPS = frozenset(name for name, op in OPERATORS.items() if op.arity == "none")
if set(get_args(Op)) != set(OPERATORS):  # pragma: no cover - a definition error
    raise RuntimeError("conditions.Op and conditions.OPERATORS name different operators")


class Condition(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    field: str = Field(min_length=1, max_length=100)
    op: Op
    value: Any = None


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
            number = float(value)
            if not math.isfinite(number):  # NaN compares differently in each database
                raise ValueError("not a finite number")
            return number
        if kind == "integer":
            if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
                raise ValueError("not a whole number")
            whole = int(value)
            if not INT64_MIN <= whole <= INT64_MAX:  # past what the stores' integers hold
                raise ValueError("too large a number")
            return whole
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
        text = str(value)
        if "\x00" in text:  # PostgreSQL's text holds none
            raise ValueError("a NUL character")
        return text
    except (TypeError, ValueError) as exc:
        raise InvalidRequest(
            f"condition on {field!r}: value {str(value)[:50]!r} does not fit a {kind} column "
            f"({exc})"
        ) from None


def _values(operator: Operator, kind: str, field: str, op: str, value: Any) -> Any:
    """The condition's value(s) checked for the operator's arity and converted."""
    if operator.arity == "none":
        return None
    if operator.arity == "list":
        if not isinstance(value, list) or not value or len(value) > MAX_IN_VALUES:
            raise InvalidRequest(
                f"condition on {field!r}: `{op}` needs a list of 1 to {MAX_IN_VALUES} values"
            )
        return [_coerce(kind, field, v) for v in value]
    if operator.arity == "pair":
        if not isinstance(value, list) or len(value) != 2:
            raise InvalidRequest(f"condition on {field!r}: `{op}` needs [low, high]")
        return [_coerce(kind, field, value[0]), _coerce(kind, field, value[1])]
    return _coerce(kind, field, value)


def condition_clause(
    snapshot: Snapshot,
    condition: Condition,
    settings: Settings | None = None,
    *,
    require_run: bool = False,
) -> ColumnElement[bool]:
    """The SQL for one condition, its field checked and its value bound. `recommended_product`
    (a product's target customers, `recommended`) and `churn_probability` (the newest stored
    churn scores, `churn_condition`) are no profile columns: they need `settings` to find the
    newest recommendation run or churn scores."""
    if condition.field == RECOMMENDED_PRODUCT:
        return recommended_clause(
            snapshot.table,
            snapshot.as_of_date,
            condition.op,
            condition.value,
            settings,
            require_run=require_run,
        )
    if condition.field == CHURN_PROBABILITY:  # issue 20: the newest stored churn scores
        return churn_clause(
            snapshot.table,
            snapshot.as_of_date,
            condition.op,
            condition.value,
            settings,
            require_scores=require_run,
        )
    column = _column(snapshot, condition.field)
    info = snapshot.column(condition.field)
    operator = OPERATORS[condition.op]
    value = _values(
        operator, info.type if info else "text", condition.field, condition.op, condition.value
    )
    return operator.sql(column, value)


profile_clause = condition_clause
