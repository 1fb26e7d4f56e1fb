"""The scale-out engine: Apache Spark SQL (local or a cluster) over the same Parquet lake.

SQL arrives canonical (DuckDB) and is rendered for Spark by `render`. Each engine works in its own
`SparkSession.newSession()` of the process's shared session (`spark_session`): its temp views are
its own, while the JVM and SparkContext are started once per process.

Results written by `write_parquet` have the same on-disk layout as DuckDB's (one Parquet file at
exactly the given path), with types DuckDB reads back as they were: zone-less microsecond
timestamps (not INT96), decimals, dates.
"""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import ClassVar

import pyarrow as pa
import pyarrow.parquet as pq

# Imported here, not lazily: without PySpark, importing this module fails and the registry says
# which extra to install.
from pyspark.errors import PySparkException
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql.pandas.types import from_arrow_schema
from pyspark.sql.types import StructType
from sqlglot import exp

from brokerlens.atomic import atomic_file
from brokerlens.config import Settings
from brokerlens.engine.base import Columns, Params
from brokerlens.engine.render import render
from brokerlens.engine.spark_session import get_session
from brokerlens.engine.sqltext import spark_ident
from brokerlens.errors import BrokerlensError

# DuckDB types whose SQLGlot rendering Spark does not accept, and what the lake means by them.
_TYPE_OVERRIDES: dict[str, str] = {
    "JSON": "STRING",  # the lake keeps JSON as text; Spark has no JSON column type
    "HUGEINT": "DECIMAL(38, 0)",
    "UTINYINT": "SMALLINT",
    "USMALLINT": "INT",
    "UINTEGER": "BIGINT",
    "UBIGINT": "DECIMAL(20, 0)",
}


def spark_type(duckdb_type: str) -> str:
    """The Spark SQL type for a DuckDB type name (`TIMESTAMP` is zone-less: `TIMESTAMP_NTZ`)."""
    key = " ".join(duckdb_type.upper().split())
    if key in _TYPE_OVERRIDES:
        return _TYPE_OVERRIDES[key]
    try:
        return exp.DataType.build(duckdb_type, dialect="duckdb").sql(dialect="spark")
    except Exception as exc:  # SQLGlot raises several error types for an unknown type name
        raise BrokerlensError(f"no Spark type for DuckDB type {duckdb_type!r}: {exc}") from None


class SparkEngine:
    name: ClassVar[str] = "spark"
    dialect: ClassVar[str] = "spark"

    def __init__(self, settings: Settings | None = None) -> None:
        # The process's one session starts with these settings' master (None: the environment's)
        self.settings = settings
        self.spark: SparkSession = get_session(settings).newSession()
        self._views: set[str] = set()

    def register_parquet(self, name: str, files: Sequence[Path], columns: Columns) -> None:
        if not columns:
            raise BrokerlensError(f"relation {name!r} needs at least one column")
        frame = self._read_parquet(files, columns) if files else self._empty(columns)
        frame.createOrReplaceTempView(name)
        self._views.add(name)

    def register_table(self, name: str, table: pa.Table) -> None:
        schema = from_arrow_schema(table.schema, prefer_timestamp_ntz=True)
        self.spark.createDataFrame(table, schema=schema).createOrReplaceTempView(name)
        self._views.add(name)

    def create_view(self, name: str, sql: str, params: Params | None = None) -> None:
        query = render(sql, self.dialect, params)
        self.spark.sql(f"CREATE OR REPLACE TEMP VIEW {spark_ident(name)} AS {query}")
        self._views.add(name)

    def write_parquet(
        self, sql: str, path: Path, params: Params | None = None, *, row_group: int | None = None
    ) -> int:
        frame = self.spark.sql(render(sql, self.dialect, params))
        path.parent.mkdir(parents=True, exist_ok=True)
        # Spark writes a directory of part files; write one part into a scratch directory beside
        # the target (same file system, so the final move is an atomic rename), then move it.
        scratch = path.with_name(f".{path.name}.spark-{uuid.uuid4().hex}")
        try:
            # coalesce, not repartition: no extra shuffle, and an ORDER BY's order is kept.
            frame.coalesce(1).write.mode("overwrite").parquet(str(scratch))
            parts = sorted(scratch.glob("part-*.parquet"))
            if len(parts) != 1:
                raise BrokerlensError(
                    f"Spark wrote {len(parts)} Parquet parts for {path.name}, expected one"
                )
            with atomic_file(path) as partial:
                if row_group is None:
                    parts[0].replace(partial)
                else:
                    # Spark sizes row groups in bytes; rewrite the one part in rows instead
                    _regroup(parts[0], partial, row_group)
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
        # The footer has the row count; re-running the query to count would compute it twice.
        return pq.ParquetFile(path).metadata.num_rows

    def fetch(self, sql: str, params: Params | None = None) -> pa.Table:
        return self.spark.sql(render(sql, self.dialect, params)).toArrow()

    def limit_memory(self, limit: str) -> None:
        """The executors' memory is the cluster's, set when it starts."""

    def close(self) -> None:
        # The shared session outlives an engine (other engines and tests reuse it); only this
        # engine's views go. The session is stopped at process exit.
        for view in self._views:
            self.spark.catalog.dropTempView(view)
        self._views.clear()

    def _read_parquet(self, files: Sequence[Path], columns: Columns) -> DataFrame:
        # Files of one relation may differ slightly (a later file has an extra column, or an
        # integer column written narrower). Group files by their footer schema (cheap: footers
        # only), read each group at once, and select the wanted columns cast to their types, a
        # missing one as a typed NULL. mergeSchema alone would fail on a widened type.
        groups: dict[tuple[tuple[str, str], ...], list[str]] = {}
        for file in files:
            present = tuple((f.name, str(f.type)) for f in pq.read_schema(file))
            groups.setdefault(present, []).append(str(file))
        frames = []
        for present, paths in groups.items():
            names = {n.lower() for n, _ in present}
            select = [
                f"CAST({spark_ident(n) if n.lower() in names else 'NULL'} AS {spark_type(t)}) "
                f"AS {spark_ident(n)}"
                for n, t in columns
            ]
            reader = self.spark.read
            schema = _spark_schema(paths[0])
            if schema is not None:
                # Spark would otherwise run a job just to read a footer pyarrow has read already.
                reader = reader.schema(schema)
            frames.append(reader.parquet(*paths).selectExpr(*select))
        frame = frames[0]
        for other in frames[1:]:
            frame = frame.unionByName(other)
        return frame

    def _empty(self, columns: Columns) -> DataFrame:
        select = ", ".join(f"CAST(NULL AS {spark_type(t)}) AS {spark_ident(n)}" for n, t in columns)
        return self.spark.sql(f"SELECT {select} WHERE false")


def _regroup(source: Path, target: Path, rows: int) -> None:
    """Copy a Parquet file with `rows` rows per row group (batch by batch)."""
    reader = pq.ParquetFile(source)
    with pq.ParquetWriter(target, reader.schema_arrow, compression="zstd") as writer:
        for batch in reader.iter_batches(batch_size=rows):
            writer.write_table(pa.Table.from_batches([batch]), row_group_size=rows)


def _spark_schema(path: str) -> StructType | None:
    """A Parquet file's schema as Spark's, or None when an Arrow type has no Spark equivalent."""
    try:
        return from_arrow_schema(pq.read_schema(path), prefer_timestamp_ntz=True)
    except (TypeError, ValueError, NotImplementedError, PySparkException):
        return None  # Spark infers it then (one small job)
