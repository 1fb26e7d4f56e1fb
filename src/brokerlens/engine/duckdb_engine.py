"""The embedded engine: DuckDB in-process, over Parquet files."""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from pathlib import Path
from typing import ClassVar

import duckdb
import pyarrow as pa

from brokerlens.atomic import atomic_file
from brokerlens.engine.base import Columns, Params
from brokerlens.engine.render import render
from brokerlens.engine.sqltext import ident, literal, path_list

ROW_GROUP = 122_880  # DuckDB's own default


def empty_select(columns: Columns) -> str:
    cols = ", ".join(f"CAST(NULL AS {t}) AS {ident(n)}" for n, t in columns)
    return f"SELECT {cols} WHERE false"


def limit_memory(
    conn: duckdb.DuckDBPyConnection, memory_limit: str | None, spill_dir: Path | None
) -> None:
    """Cap DuckDB's buffers and name where it spills past the cap (its default, a folder in the
    working directory, would land wherever a scheduler starts the job)."""
    if memory_limit:
        conn.execute(f"SET memory_limit = {literal(memory_limit)}")
    if spill_dir is not None:
        # DuckDB makes the last folder only; a read-only home fails only if it ever spills
        with contextlib.suppress(OSError):
            spill_dir.parent.mkdir(parents=True, exist_ok=True)
        conn.execute(f"SET temp_directory = {literal(str(spill_dir))}")


class DuckDBEngine:
    name: ClassVar[str] = "duckdb"
    dialect: ClassVar[str] = "duckdb"

    def __init__(
        self,
        *,
        memory_limit: str | None = None,
        threads: int | None = None,
        spill_dir: Path | None = None,
    ) -> None:
        self.conn = duckdb.connect(":memory:")
        limit_memory(self.conn, memory_limit, spill_dir)
        if threads:
            self.conn.execute(f"SET threads = {int(threads)}")
        self.conn.execute("SET preserve_insertion_order = false")
        self.conn.execute("SET enable_progress_bar = false")  # callers print their own

    def register_parquet(self, name: str, files: Sequence[Path], columns: Columns) -> None:
        names = ", ".join(ident(n) for n, _ in columns)
        source = (
            f"SELECT {names} FROM read_parquet({path_list(files)}, union_by_name = true)"
            if files
            else empty_select(columns)
        )
        self.conn.execute(f"CREATE OR REPLACE VIEW {ident(name)} AS {source}")

    def register_table(self, name: str, table: pa.Table) -> None:
        hidden = f"__table_{name}"
        self.conn.register(hidden, table)
        self.conn.execute(f"CREATE OR REPLACE VIEW {ident(name)} AS SELECT * FROM {ident(hidden)}")

    def create_view(self, name: str, sql: str, params: Params | None = None) -> None:
        self.conn.execute(f"CREATE OR REPLACE VIEW {ident(name)} AS {render(sql, params=params)}")

    def write_parquet(
        self, sql: str, path: Path, params: Params | None = None, *, row_group: int | None = None
    ) -> int:
        query = render(sql, params=params)
        with atomic_file(path) as partial:
            written = self.conn.execute(
                f"COPY ({query}) TO {literal(str(partial))} "
                f"(FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE {int(row_group or ROW_GROUP)})"
            ).fetchone()
        return int(written[0]) if written else 0

    def fetch(self, sql: str, params: Params | None = None) -> pa.Table:
        return self.conn.sql(render(sql, params=params)).to_arrow_table()

    def limit_memory(self, limit: str) -> None:
        self.conn.execute(f"SET memory_limit = {literal(limit)}")

    def close(self) -> None:
        self.conn.close()
