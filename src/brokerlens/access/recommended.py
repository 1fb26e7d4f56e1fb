"""The segment condition `recommended_product = <product id>`: the customers whose top 10 of the
newest recommendation run (issue 16 section 3) holds the product, its target customers.

It is not a column of the profile: membership in the run's targets file (sorted by product, so
DuckDB reads only the product's row groups). DuckDB over the profile's columnar copy gets it as a
subquery on that file; the store (SQLite, PostgreSQL) gets the ids read now and bound. The
product id is always a bound value and the file's path is the run's own, never request text.
Scope and every other condition still apply: a segment of targets shows each viewer only the
targets in their scope.
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

FIELD = "recommended_product"
MAX_PRODUCT_ID = 40


def targets_file(settings: Settings, up_to: dt.date | None) -> tuple[dt.date | None, Path | None]:
    """(the newest run's date on or before `up_to`, its targets file), (None, None) if none."""
    day = newest_date(settings, "targets", up_to)
    if day is None:
        return None, None
    return day, kept_file(settings, "targets", day)


def product_value(value: Any) -> str:
    """The condition's value: one product id (text of 1 to 40 characters)."""
    if not isinstance(value, str) or not value.strip() or len(value.strip()) > MAX_PRODUCT_ID:
        shown = str(value)[:50]
        raise InvalidRequest(
            f"condition on {FIELD!r}: value {shown!r} is not a product code",
            hint="give one product code, e.g. from the product's target customers page",
        )
    return value.strip()


_ids: OrderedDict[tuple[str, int, str], list[str]] = OrderedDict()
_ids_lock = threading.Lock()
_KEPT = 8  # products' id lists kept per process (a list is up to a few hundred thousand ids)


def target_ids(path: Path, product_id: str) -> list[str]:
    """The product's target customers in the file, read once per file version."""
    try:
        key = (str(path), path.stat().st_mtime_ns, product_id)
    except OSError:
        return []
    with _ids_lock:
        if key in _ids:
            _ids.move_to_end(key)
            return _ids[key]
    connection = duckdb.connect(":memory:")
    try:
        found = connection.execute(
            f"SELECT customer_id FROM {parquet_source(path)} WHERE product_id = ?", [product_id]
        ).fetchall()
    finally:
        connection.close()
    ids = [str(r[0]) for r in found]
    with _ids_lock:
        _ids[key] = ids
        while len(_ids) > _KEPT:
            _ids.popitem(last=False)
    return ids


class TargetMembers(ColumnElement[bool]):
    """`column IN (the product's target customers)`: a subquery on the targets file for DuckDB,
    the ids bound for the store."""

    inherit_cache = False
    type = sa.Boolean()

    def __init__(self, column: ColumnElement[Any], path: Path, product_id: str) -> None:
        self.column = column
        self.path = path
        self.product_id = product_id


@compiles(TargetMembers)
def _members(element: TargetMembers, compiler: SQLCompiler, **kw: Any) -> str:
    ids = target_ids(element.path, element.product_id)
    return compiler.process(element.column.in_(ids), **kw)


def _json_ids(element: TargetMembers, compiler: SQLCompiler, **kw: Any) -> tuple[str, str]:
    """(the column, one bound JSON array of the ids): a product has up to a few hundred
    thousand targets, past SQLite's and PostgreSQL's limits of bound values per statement."""
    ids = json.dumps(target_ids(element.path, element.product_id))
    bound = sa.bindparam("target_ids", ids, unique=True, type_=sa.Text())
    return compiler.process(element.column, **kw), compiler.process(bound, **kw)


@compiles(TargetMembers, "sqlite")
def _members_sqlite(element: TargetMembers, compiler: SQLCompiler, **kw: Any) -> str:
    column, ids = _json_ids(element, compiler, **kw)
    return f"{column} IN (SELECT value FROM json_each({ids}))"


@compiles(TargetMembers, "postgresql")
def _members_postgresql(element: TargetMembers, compiler: SQLCompiler, **kw: Any) -> str:
    column, ids = _json_ids(element, compiler, **kw)
    return f"{column} IN (SELECT jsonb_array_elements_text(CAST({ids} AS jsonb)))"


@compiles(TargetMembers, "duckdb")
def _members_duckdb(element: TargetMembers, compiler: SQLCompiler, **kw: Any) -> str:
    column = compiler.process(element.column, **kw)
    product = sa.bindparam("product", element.product_id, unique=True, type_=sa.String())
    return (
        f"{column} IN (SELECT customer_id FROM {parquet_source(element.path)} "
        f"WHERE product_id = {compiler.process(product, **kw)})"
    )


def recommended_clause(
    table: sa.Table | sa.TableClause,
    as_of: dt.date,
    op: str,
    value: Any,
    settings: Settings | None,
    *,
    require_run: bool = False,
) -> ColumnElement[bool]:
    """The condition's SQL over the profile `table` as of the served date: membership in the
    newest run's targets of the product (no run: nobody; with `require_run`, refused)."""
    if op != "eq":
        raise InvalidRequest(
            f"condition on {FIELD!r}: only `eq` (one product) is possible",
            hint="choose 等于 and one product code",
        )
    product_id = product_value(value)
    if settings is None:
        raise InvalidRequest(f"condition on {FIELD!r}: not available here")
    _, path = targets_file(settings, as_of)
    if path is None:
        if require_run:
            raise InvalidRequest(
                f"condition on {FIELD!r}: no recommendation run yet",
                hint="run `brokerlens run` to make the recommendations first",
            )
        return sa.false()
    return TargetMembers(table.c.customer_id, path, product_id)
