"""The segment condition `churn_probability <op> <value>` (issue 20): the customers whose
newest stored churn score on or before the served date has a probability (0..1) above or below
the value; not a column of the profile.

Compiled like `recommended_product` (recommended.py): DuckDB over the profile's columnar copy
gets a subquery on the scores file (`churn/scores/<T>.parquet`), the store (SQLite,
PostgreSQL) gets the ids read now and bound as one JSON array. The comparison comes from a
fixed table (never request text), the value is a bound number, the path the warehouse's own.
Scope and every other condition still apply.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
from collections import OrderedDict
from pathlib import Path
from typing import Any

import duckdb
import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import ColumnElement

from brokerlens.config import Settings
from brokerlens.errors import InvalidRequest
from brokerlens.warehouse.served import kept_file, newest_date, parquet_source

FIELD = "churn_probability"
# the operators a probability may be compared with: their SQL, written here
COMPARISONS = {"gt": ">", "ge": ">=", "lt": "<", "le": "<="}
OPS = (*COMPARISONS, "between")


def scores_file(settings: Settings, up_to: dt.date | None) -> tuple[dt.date | None, Path | None]:
    """(the newest churn score date on or before `up_to`, its file), (None, None) if none."""
    day = newest_date(settings, "churn_scores", up_to)
    if day is None:
        return None, None
    return day, kept_file(settings, "churn_scores", day)


def _probability(value: Any) -> float:
    try:
        if isinstance(value, bool) or value is None or isinstance(value, list | dict):
            raise ValueError
        number = float(value)
    except (TypeError, ValueError):
        number = float("nan")
    if not 0 <= number <= 1:
        raise InvalidRequest(
            f"condition on {FIELD!r}: value {str(value)[:50]!r} is not a probability",
            hint="give a number from 0 to 1, e.g. 0.3 for 30%",
        )
    return number


def probability_values(op: str, value: Any) -> tuple[float, ...]:
    """The condition's value(s): one probability, or [low, high] for `between`."""
    if op not in OPS:
        raise InvalidRequest(
            f"condition on {FIELD!r}: `{op}` is not possible",
            hint="compare the probability with 大于, 大于等于, 小于, 小于等于 or 介于",
        )
    if op == "between":
        if not isinstance(value, list) or len(value) != 2:
            raise InvalidRequest(f"condition on {FIELD!r}: `between` needs [low, high]")
        return _probability(value[0]), _probability(value[1])
    return (_probability(value),)


def _predicate(op: str, values: tuple[float, ...], bind: Any) -> str:
    """The WHERE on the scores file, the values through `bind` (which returns placeholders)."""
    if op == "between":
        return f"probability BETWEEN {bind(values[0], 0)} AND {bind(values[1], 1)}"
    return f"probability {COMPARISONS[op]} {bind(values[0], 0)}"


_ids: OrderedDict[tuple[str, int, str, tuple[float, ...]], list[str]] = OrderedDict()
_ids_lock = threading.Lock()
_KEPT = 8


def churn_ids(path: Path, op: str, values: tuple[float, ...]) -> list[str]:
    """The customers of the scores file whose probability meets the condition."""
    try:
        key = (str(path), path.stat().st_mtime_ns, op, values)
    except OSError:
        return []
    with _ids_lock:
        if key in _ids:
            _ids.move_to_end(key)
            return _ids[key]
    params: list[float] = []

    def bind(value: float, _: int) -> str:
        params.append(value)
        return "?"

    connection = duckdb.connect(":memory:")
    try:
        found = connection.execute(
            f"SELECT customer_id FROM {parquet_source(path)} WHERE {_predicate(op, values, bind)}",
            params,
        ).fetchall()
    finally:
        connection.close()
    ids = [str(r[0]) for r in found]
    with _ids_lock:
        _ids[key] = ids
        while len(_ids) > _KEPT:
            _ids.popitem(last=False)
    return ids


class ChurnMembers(ColumnElement[bool]):
    """`column IN (customers whose churn probability meets the condition)`."""

    inherit_cache = False
    type = sa.Boolean()

    def __init__(
        self, column: ColumnElement[Any], path: Path, op: str, values: tuple[float, ...]
    ) -> None:
        self.column = column
        self.path = path
        self.comparison = op  # `op` is a ColumnElement's method
        self.values = values


@compiles(ChurnMembers)
def _members(element: ChurnMembers, compiler: SQLCompiler, **kw: Any) -> str:
    ids = churn_ids(element.path, element.comparison, element.values)
    return compiler.process(element.column.in_(ids), **kw)


def _json_ids(element: ChurnMembers, compiler: SQLCompiler, **kw: Any) -> tuple[str, str]:
    ids = json.dumps(churn_ids(element.path, element.comparison, element.values))
    bound = sa.bindparam("churn_ids", ids, unique=True, type_=sa.Text())
    return compiler.process(element.column, **kw), compiler.process(bound, **kw)


@compiles(ChurnMembers, "sqlite")
def _members_sqlite(element: ChurnMembers, compiler: SQLCompiler, **kw: Any) -> str:
    column, ids = _json_ids(element, compiler, **kw)
    return f"{column} IN (SELECT value FROM json_each({ids}))"


@compiles(ChurnMembers, "postgresql")
def _members_postgresql(element: ChurnMembers, compiler: SQLCompiler, **kw: Any) -> str:
    column, ids = _json_ids(element, compiler, **kw)
    return f"{column} IN (SELECT jsonb_array_elements_text(CAST({ids} AS jsonb)))"


@compiles(ChurnMembers, "duckdb")
def _members_duckdb(element: ChurnMembers, compiler: SQLCompiler, **kw: Any) -> str:
    column = compiler.process(element.column, **kw)

    def bind(value: float, i: int) -> str:
        param = sa.bindparam(f"churn_p{i}", value, unique=True, type_=sa.Float())
        return compiler.process(param, **kw)

    where = _predicate(element.comparison, element.values, bind)
    return f"{column} IN (SELECT customer_id FROM {parquet_source(element.path)} WHERE {where})"


def churn_clause(
    table: sa.Table | sa.TableClause,
    as_of: dt.date,
    op: str,
    value: Any,
    settings: Settings | None,
    *,
    require_scores: bool = False,
) -> ColumnElement[bool]:
    """The condition's SQL over the profile `table` as of the served date: the newest stored
    churn scores on or before it (none: nobody; with `require_scores`, refused)."""
    values = probability_values(op, value)
    if settings is None:
        raise InvalidRequest(f"condition on {FIELD!r}: not available here")
    _, path = scores_file(settings, as_of)
    if path is None:
        if require_scores:
            raise InvalidRequest(
                f"condition on {FIELD!r}: no churn scores yet",
                hint="fit a churn model (brokerlens churn fit), then `brokerlens run` scores",
            )
        return sa.false()
    return ChurnMembers(table.c.customer_id, path, op, values)
