"""The per-snapshot profile table `profile_<snapshot_id>`: defined from the published columns."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from brokerlens.publish.columns import ColumnSpec

# Indexed after the rows are in (cheaper than maintaining them row by row).
INDEXED = ("branch_id", "region_id", "total_assets_t", "service_level", "customer_tier")

_TYPES: dict[str, sa.types.TypeEngine[Any]] = {
    "text": sa.Text(),
    "number": sa.Float(precision=53),
    "integer": sa.BigInteger(),
    "date": sa.Date(),
    "boolean": sa.Boolean(),
}


def table_name(snapshot_id: int) -> str:
    return f"profile_{snapshot_id}"


def profile_table(name: str, columns: list[ColumnSpec]) -> sa.Table:
    table = sa.Table(name, sa.MetaData())
    for col in columns:
        if col.name == "customer_id":
            table.append_column(sa.Column(col.name, sa.String(32), primary_key=True))
        else:
            table.append_column(sa.Column(col.name, _TYPES[col.type]))
    return table


def create_indexes(db: sa.Engine, table: sa.Table) -> list[str]:
    """One transaction per index: building one holds SQLite's write lock, so each lets go
    before the next."""
    made = []
    for column in INDEXED:
        if column in table.c:
            with db.begin() as connection:
                sa.Index(f"ix_{table.name}_{column}", table.c[column]).create(connection)
            made.append(column)
    return made
