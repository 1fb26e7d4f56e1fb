"""The rows to publish, read with DuckDB: the profile Parquet as of T joined with the customers
reference as of T (and region_id, the branch's parent unit)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path

import duckdb
import pyarrow as pa

from brokerlens.classify import Catalog
from brokerlens.engine.sqltext import ident, literal
from brokerlens.indicators import Indicators
from brokerlens.publish.columns import CUSTOMER_COLUMNS, ColumnSpec, column_kind, column_type
from brokerlens.warehouse.views import as_of_sql

PROFILE_VIEW = "publish_profile"
PROFILE_ROWS = "publish_profile_rows"
BATCH_ROWS = 100_000


def create_profile_view(
    conn: duckdb.DuckDBPyConnection, profile_path: Path, as_of: dt.date
) -> None:
    """`publish_profile`: customer columns as of T first, then the rest of the profile."""
    profile_cols = [str(c[0]) for c in conn.sql(_read(profile_path) + " LIMIT 0").description]
    select = []
    for name in CUSTOMER_COLUMNS:
        if name == "region_id":
            select.append("u.parent_id AS region_id")
        elif name == "customer_id":
            select.append("p.customer_id")
        elif name in profile_cols:  # the profile carries a few; the reference wins when present
            select.append(f"coalesce(c.{ident(name)}, p.{ident(name)}) AS {ident(name)}")
        else:
            select.append(f"c.{ident(name)}")
    select += [f"p.{ident(n)}" for n in profile_cols if n not in CUSTOMER_COLUMNS]
    conn.execute(
        f"CREATE OR REPLACE TEMP VIEW {PROFILE_VIEW} AS SELECT {', '.join(select)} "
        f"FROM ({_read(profile_path)}) p "
        f"LEFT JOIN ({as_of_sql('customers', as_of)}) c ON c.customer_id = p.customer_id "
        f"LEFT JOIN ({as_of_sql('org_units', as_of)}) u "
        "ON u.unit_id = coalesce(c.branch_id, p.branch_id)"
    )


def _read(path: Path) -> str:
    return f"SELECT * FROM read_parquet({literal(str(path))})"


def column_specs(
    conn: duckdb.DuckDBPyConnection, relation: str, catalog: Catalog, known: Indicators
) -> list[ColumnSpec]:
    """Each column of `relation` with its kind; `known` are the installation's indicators."""
    indicators = set(known)
    classifications = set(catalog.ids)
    return [
        ColumnSpec(str(name), column_kind(str(name), indicators, classifications), column_type(t))
        for name, t in conn.execute(
            "SELECT column_name, column_type FROM (DESCRIBE " + relation + ")"
        ).fetchall()
    ]


def load_select(columns: list[ColumnSpec], relation: str, *, sqlite: bool) -> str:
    """SQL giving the rows in the form the store's bulk load takes.

    Decimals become doubles, non-finite numbers NULL; SQLite gets ISO text for dates and 0/1
    for booleans, which is how SQLAlchemy stores them there."""
    exprs = []
    for col in columns:
        name = ident(col.name)
        if col.type == "number":
            exprs.append(
                f"CASE WHEN isfinite(CAST({name} AS DOUBLE)) THEN CAST({name} AS DOUBLE) END"
            )
        elif col.type == "integer":
            exprs.append(f"CAST({name} AS BIGINT)")
        elif col.type == "date" and sqlite:
            exprs.append(f"CAST({name} AS VARCHAR)")
        elif col.type == "boolean" and sqlite:
            exprs.append(f"CAST({name} AS INTEGER)")
        elif col.type == "text":
            exprs.append(f"CAST({name} AS VARCHAR)")
        else:
            exprs.append(name)
    aliased = ", ".join(f"{e} AS {ident(c.name)}" for e, c in zip(exprs, columns, strict=True))
    return f"SELECT {aliased} FROM {relation}"


def stage_profile(
    conn: duckdb.DuckDBPyConnection, columns: list[ColumnSpec], *, sqlite: bool
) -> None:
    """The rows to load, made whole by DuckDB before the store's transaction begins: the
    transaction (and on SQLite the write lock) then lasts only as long as the inserts. In
    customer order, kept on reading (insertion order is preserved), so the load needs no
    second sort; a table of the database, not TEMP, so a second cursor writes the served
    Parquet copy from it while the store takes the rows."""
    conn.execute(
        f"CREATE OR REPLACE TABLE {PROFILE_ROWS} AS "
        f"{load_select(columns, PROFILE_VIEW, sqlite=sqlite)} ORDER BY customer_id"
    )


def staged_batches(
    conn: duckdb.DuckDBPyConnection, name: str, key: Sequence[str] = ()
) -> pa.RecordBatchReader:
    """The staged rows in batches, in `key` order when given: rows arriving in the order of
    the table's primary key append to its B-tree instead of landing all over it (SQLite: a
    million relationships load in 20 s instead of 48)."""
    order = f" ORDER BY {', '.join(ident(k) for k in key)}" if key else ""
    return conn.sql(f"SELECT * FROM {ident(name)}{order}").to_arrow_reader(BATCH_ROWS)
