"""org_units, staff and relationships as of T replace the store's copies."""

from __future__ import annotations

import datetime as dt

import duckdb
import sqlalchemy as sa

from brokerlens.ingest.sqltext import ident
from brokerlens.publish.bulk import bulk_load
from brokerlens.publish.source import staged_batches
from brokerlens.store.schema import org_units, relationships, staff
from brokerlens.warehouse.views import as_of_sql

REFERENCE_TABLES = (org_units, staff, relationships)


def staged_name(table: sa.Table) -> str:
    return f"publish_{table.name}"


def stage_reference(duck: duckdb.DuckDBPyConnection, as_of: dt.date, *, sqlite: bool) -> None:
    """The reference tables as of T in the store's form, made before the transaction."""
    for table in REFERENCE_TABLES:
        exprs = []
        for column in table.columns:
            name = ident(column.name)
            if isinstance(column.type, sa.Date) and sqlite:
                exprs.append(f"CAST({name} AS VARCHAR) AS {name}")
            elif isinstance(column.type, sa.Float):
                exprs.append(f"CAST({name} AS DOUBLE) AS {name}")
            else:
                exprs.append(name)
        duck.execute(
            f"CREATE OR REPLACE TEMP TABLE {ident(staged_name(table))} AS "
            f"SELECT {', '.join(exprs)} FROM ({as_of_sql(table.name, as_of)})"
        )


def replace_reference(connection: sa.Connection, duck: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Replace the store's reference tables with the staged ones (caller's transaction)."""
    counts = {}
    for table in REFERENCE_TABLES:
        connection.execute(table.delete())
        counts[table.name] = bulk_load(connection, table, staged_batches(duck, staged_name(table)))
    return counts
