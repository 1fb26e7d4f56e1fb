"""Read-only SQL over the warehouse: `run_query(settings, sql)`.

Only a single SELECT is accepted, decided by DuckDB's own parser. The connection is
in-memory, holds only views, and is locked down before the user's statement runs: no external
access outside the lake directory, no extension installs or loads, configuration locked.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from brokerlens.config import Settings
from brokerlens.engine.duckdb_engine import limit_memory
from brokerlens.errors import BrokerlensError, LakeError, ReadOnlyError
from brokerlens.lake.catalog import read_catalog
from brokerlens.lake.layout import LakeLayout
from brokerlens.warehouse.layout import WarehouseLayout
from brokerlens.warehouse.store_tables import add_store_tables, named_tables
from brokerlens.warehouse.views import create_computed_views, create_views

ALLOWED = {"SELECT"}  # not EXPLAIN: EXPLAIN ANALYZE would run what it explains


@dataclass
class QueryResult:
    columns: list[str]
    types: list[str]
    rows: list[tuple[Any, ...]] = field(default_factory=list)
    truncated: bool = False  # more rows than the limit existed


def open_warehouse(
    settings: Settings, *, lock_down: bool = True, query: str | None = None
) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB with the warehouse views; read-only to the lake and locked down.
    The store's marketing tables (`warehouse/store_tables.py`) are added when `query` names
    them."""
    layout = LakeLayout(settings.lake_dir)
    catalog = read_catalog(layout)
    if not catalog.dates:
        raise LakeError(
            f"the lake at {layout.root} holds no loaded dates",
            hint="run `brokerlens ingest INBOX` first (or pass the right --home)",
        )
    conn = duckdb.connect(":memory:")
    limit_memory(conn, settings.duckdb_memory, settings.spill_dir)
    create_views(conn, layout, catalog)
    warehouse = WarehouseLayout(settings.warehouse_dir)
    create_computed_views(conn, warehouse)
    if query is not None:
        add_store_tables(conn, settings, named_tables(query))
    if lock_down:
        roots = [str(p.resolve()) + "/" for p in (layout.root, warehouse.root)]
        conn.execute("SET autoinstall_known_extensions = false")
        conn.execute("SET autoload_known_extensions = false")
        conn.execute("SET allowed_directories = $dirs", {"dirs": roots})
        conn.execute("SET enable_external_access = false")
        conn.execute("SET lock_configuration = true")
    return conn


def check_read_only(conn: duckdb.DuckDBPyConnection, sql: str) -> None:
    """Refuse anything but one SELECT statement, using DuckDB's parser."""
    try:
        statements = conn.extract_statements(sql)
    except duckdb.Error as exc:
        raise BrokerlensError(f"the query does not parse: {exc}") from None
    if not statements:
        raise ReadOnlyError("the query is empty")
    if len(statements) > 1:
        raise ReadOnlyError(
            f"{len(statements)} statements given; `sql` runs exactly one read-only statement",
            hint="send one SELECT at a time",
        )
    kind = str(statements[0].type).rsplit(".", 1)[-1].upper()
    kind = kind.removesuffix("_STATEMENT")
    if kind not in ALLOWED:
        raise ReadOnlyError(
            f"{kind} statements are refused: the warehouse is read-only",
            hint="only SELECT queries are allowed",
        )


def run_query(settings: Settings, sql: str, *, limit: int | None = None) -> QueryResult:
    """Run one read-only query; at most `limit` rows are returned (None = all)."""
    conn = open_warehouse(settings, query=sql)
    try:
        check_read_only(conn, sql)
        try:
            cursor = conn.execute(sql)
            description = cursor.description or []
            rows = cursor.fetchall() if limit is None else cursor.fetchmany(limit + 1)
        except duckdb.PermissionException as exc:
            raise ReadOnlyError(
                f"refused: {exc}", hint="queries may read the warehouse's tables only"
            ) from None
        except duckdb.Error as exc:
            raise BrokerlensError(f"the query failed: {exc}") from None
        truncated = limit is not None and len(rows) > limit
        return QueryResult(
            columns=[str(d[0]) for d in description],
            types=[str(d[1]) for d in description],
            rows=rows[:limit] if limit is not None else rows,
            truncated=truncated,
        )
    finally:
        conn.close()


_scratch: duckdb.DuckDBPyConnection | None = None
_scratch_lock = threading.Lock()


@contextmanager
def scratch_cursor() -> Iterator[duckdb.DuckDBPyConnection]:
    """A cursor of one in-memory DuckDB shared by the process, for reading a few rows of files
    the warehouse wrote: opening a database costs ~30 ms, a cursor well under 1 ms. Nothing is
    created in it; each caller's cursor is its own (threads do not share one)."""
    global _scratch
    with _scratch_lock:
        if _scratch is None:
            _scratch = duckdb.connect(":memory:")
        conn = _scratch.cursor()
    try:
        yield conn
    finally:
        conn.close()


def customer_rows(files: list[Path], customer_id: str, order_by: str) -> list[dict[str, Any]]:
    """One customer's rows of several Parquet files the warehouse wrote (a model's versions or
    dates), united by name, in `order_by` (a column list of the caller's, never user text)."""
    if not files:
        return []
    with scratch_cursor() as conn:
        result = conn.execute(
            "SELECT * FROM read_parquet($files, union_by_name = true) "
            f"WHERE customer_id = $customer ORDER BY {order_by}",
            {"files": [str(f) for f in files], "customer": customer_id},
        )
        columns = [d[0] for d in result.description or []]
        return [dict(zip(columns, row, strict=True)) for row in result.fetchall()]
