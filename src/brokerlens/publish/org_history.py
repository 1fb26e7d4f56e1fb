"""The organisation over time into the store: every version of the org_units and staff feeds
the lake holds up to the published date T (`org_unit_versions`, `staff_versions`).

A version delivered after T is left out and the one before it is open (`valid_to` NULL), so a
store published as of T says what was known on T. The tables are small (a few thousand rows at
3,000,000 customers): the store's rows are compared with the lake's and only the rows that
differ are deleted and inserted, in one transaction."""

from __future__ import annotations

import datetime as dt
from typing import Any

import duckdb
import sqlalchemy as sa

from brokerlens.engine.sqltext import ident, literal
from brokerlens.store.brokers_tree_schema import org_unit_versions, staff_versions

VERSIONED = ((org_unit_versions, "org_units_history"), (staff_versions, "staff_history"))


def versions_sql(table: sa.Table, view: str, day: dt.date) -> str:
    """The feed's versions known on `day`, in the store table's columns."""
    when = f"DATE {literal(day.isoformat())}"
    exprs = [
        f"CASE WHEN valid_to > {when} THEN NULL ELSE valid_to END AS valid_to"
        if c.name == "valid_to"
        else ident(c.name)
        for c in table.columns
    ]
    return f"SELECT {', '.join(exprs)} FROM {ident(view)} WHERE valid_from <= {when}"


def _lake_rows(duck: duckdb.DuckDBPyConnection, table: sa.Table, view: str, day: dt.date) -> set:
    return {tuple(r) for r in duck.execute(versions_sql(table, view, day)).fetchall()}


def _key(table: sa.Table, row: tuple[Any, ...]) -> dict[str, Any]:
    names = [c.name for c in table.columns]
    return {c.name: row[names.index(c.name)] for c in table.primary_key.columns}


def publish_org_history(db: sa.Engine, duck: duckdb.DuckDBPyConnection, day: dt.date) -> int:
    """Bring the version tables to what the lake knew on `day`; returns rows deleted +
    inserted."""
    written = 0
    wanted = {table.name: _lake_rows(duck, table, view, day) for table, view in VERSIONED}
    with db.begin() as connection:
        for table, _ in VERSIONED:
            names = [c.name for c in table.columns]
            have = {tuple(r) for r in connection.execute(sa.select(*table.c))}
            new = wanted[table.name]
            gone = [_key(table, r) for r in have - new]
            keys = [c.name for c in table.primary_key.columns]
            for key in gone:
                connection.execute(table.delete().where(*(table.c[k] == key[k] for k in keys)))
            added = [dict(zip(names, r, strict=True)) for r in new - have]
            if added:
                connection.execute(table.insert(), added)
            written += len(gone) + len(added)
    return written
