"""What every engine offers. SQL given to these methods is canonical (DuckDB dialect)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import ClassVar, Protocol

import pyarrow as pa

from brokerlens.engine.render import Value

Params = Mapping[str, Value]
Columns = Sequence[tuple[str, str]]  # (name, DuckDB type) of a relation that may be empty


class Engine(Protocol):
    name: ClassVar[str]
    dialect: ClassVar[str]  # the SQLGlot dialect SQL is rendered to

    def register_parquet(self, name: str, files: Sequence[Path], columns: Columns) -> None:
        """A relation `name` over Parquet files: the given columns, in order; none = empty."""

    def register_table(self, name: str, table: pa.Table) -> None:
        """A relation `name` over a small Arrow table (settings, days: data, never SQL text)."""

    def create_view(self, name: str, sql: str, params: Params | None = None) -> None:
        """A view `name` defined by a canonical query (replaces any earlier one)."""

    def write_parquet(
        self, sql: str, path: Path, params: Params | None = None, *, row_group: int | None = None
    ) -> int:
        """Materialise a query's result into one Parquet file, atomically; returns its rows.
        `row_group`: rows per row group, for files read back one key at a time."""

    def fetch(self, sql: str, params: Params | None = None) -> pa.Table:
        """A (small) query result as an Arrow table."""

    def limit_memory(self, limit: str) -> None:
        """Cap the engine's working memory from the next query on (a share of
        `duckdb_memory` while a publish loads beside the run); an engine whose memory is its
        cluster's ignores it."""

    def close(self) -> None: ...
