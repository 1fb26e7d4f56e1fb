"""SQLAlchemy Core expressions rendered for DuckDB, so each filter is written once.

Scope, conditions, search and sort are built once as SQLAlchemy Core expressions over the
served profile's table (`conditions`, `scope`). The store runs them as they are (SQLite or
PostgreSQL); the columnar copy of the profile, read by DuckDB, gets the same expressions
rendered here: DuckDB speaks PostgreSQL's SQL, so PostgreSQL's compiler renders them, with
`?` placeholders (values stay bound, in order), column names quoted where needed and never
qualified by the store's table name (the columnar query reads a Parquet file).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql.base import PGDialect
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import ColumnElement


def like_escape(text: str) -> str:
    """`text` with LIKE's wildcards and the escape character itself escaped (escape `\\`)."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


class DuckDBDialect(PGDialect):
    """PostgreSQL's compiler with DuckDB's `?` placeholders, for rendering only."""

    name = "duckdb"
    default_paramstyle = "qmark"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(paramstyle="qmark", **kwargs)
        # DuckDB strings are standard: `ESCAPE '\'` is one backslash.
        self._backslash_escapes = False


_DIALECT = DuckDBDialect()


class IdsIn(ColumnElement[bool]):
    """`column IN (ids)`. The store binds each id; DuckDB gets the ids as one list parameter
    (`IN (SELECT unnest(?::VARCHAR[]))`), so any number of ids is one prepared statement."""

    inherit_cache = False
    type = sa.Boolean()

    def __init__(self, column: ColumnElement[Any], ids: Iterable[str]) -> None:
        self.column = column
        self.ids = sorted(set(ids))


@compiles(IdsIn)
def _ids_in(element: IdsIn, compiler: SQLCompiler, **kw: Any) -> str:
    return compiler.process(element.column.in_(element.ids), **kw)


@compiles(IdsIn, "duckdb")
def _ids_in_duckdb(element: IdsIn, compiler: SQLCompiler, **kw: Any) -> str:
    ids = sa.bindparam("ids", element.ids, unique=True, type_=sa.types.NullType())
    column = compiler.process(element.column, **kw)
    return f"{column} IN (SELECT unnest({compiler.process(ids, **kw)}::VARCHAR[]))"


def ids_in(column: ColumnElement[Any], ids: Iterable[str]) -> ColumnElement[bool]:
    return IdsIn(column, ids)


def duckdb_sql(clause: ColumnElement[Any]) -> tuple[str, list[Any]]:
    """One expression as DuckDB SQL over unqualified column names, and its bound values."""
    compiled = clause.compile(
        dialect=_DIALECT, compile_kwargs={"render_postcompile": True, "include_table": False}
    )
    params = compiled.params
    return str(compiled), [params[name] for name in compiled.positiontup or ()]


@dataclass(frozen=True)
class Where:
    """A DuckDB WHERE clause and its parameters in order."""

    sql: str = "TRUE"
    params: list[Any] = field(default_factory=list)


def duckdb_where(clauses: Sequence[ColumnElement[bool]]) -> Where:
    """The clauses joined by AND, rendered for DuckDB."""
    if not clauses:
        return Where()
    sql, params = duckdb_sql(sa.and_(*clauses))
    return Where(sql, params)


def duckdb_order(clauses: Sequence[ColumnElement[Any]]) -> str:
    """ORDER BY items rendered for DuckDB (known columns only: nothing to bind)."""
    parts = []
    for clause in clauses:
        sql, params = duckdb_sql(clause)
        if params:
            raise ValueError("an ORDER BY item with bound values")
        parts.append(sql)
    return ", ".join(parts)
