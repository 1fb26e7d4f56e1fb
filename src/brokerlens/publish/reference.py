"""org_units, staff and relationships as of T replace the store's copies (caller's transaction)."""

from __future__ import annotations

import datetime as dt

import duckdb
import sqlalchemy as sa

from brokerlens.ingest.sqltext import ident
from brokerlens.publish.bulk import bulk_load
from brokerlens.publish.source import BATCH_ROWS
from brokerlens.store.schema import org_units, relationships, staff
from brokerlens.warehouse.views import as_of_sql

REFERENCE_TABLES = (org_units, staff, relationships)


def replace_reference(
    connection: sa.Connection, duck: duckdb.DuckDBPyConnection, as_of: dt.date
) -> dict[str, int]:
    sqlite = connection.dialect.name == "sqlite"
    counts = {}
    # Children first would matter with foreign keys between them; there are none, so any order.
    for table in REFERENCE_TABLES:
        connection.execute(table.delete())
        exprs = []
        for column in table.columns:
            name = ident(column.name)
            if isinstance(column.type, sa.Date) and sqlite:
                exprs.append(f"CAST({name} AS VARCHAR) AS {name}")
            elif isinstance(column.type, sa.Float):
                exprs.append(f"CAST({name} AS DOUBLE) AS {name}")
            else:
                exprs.append(name)
        sql = f"SELECT {', '.join(exprs)} FROM ({as_of_sql(table.name, as_of)})"
        reader = duck.sql(sql).to_arrow_reader(BATCH_ROWS)
        counts[table.name] = bulk_load(connection, table, reader)
    return counts
