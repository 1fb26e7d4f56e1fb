"""org_units, staff and relationships as of T: the store's copies brought to them.

The store holds the reference as of the previously published date (each publish leaves it so).
DuckDB works out, from the lake's history, which rows differ between that date and T: only
those are deleted and inserted, in the flip's transaction, so a next-day publish writes a few
rows there instead of millions. When nothing was published yet, or the store's row counts do
not match the reference as of the previous date (history rewritten, the store edited), the
table is replaced whole."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import duckdb
import sqlalchemy as sa

from brokerlens.engine.sqltext import ident
from brokerlens.publish.bulk import bulk_load, load_in_batches
from brokerlens.publish.source import staged_batches
from brokerlens.store.schema import org_units, relationships, staff
from brokerlens.warehouse.views import as_of_sql

REFERENCE_TABLES = (org_units, staff, relationships)


@dataclass
class ReferencePlan:
    """Per table: replaced whole, or the keys to delete and the rows to insert (staged)."""

    whole: set[str] = field(default_factory=set)
    preloaded: bool = False  # written before the flip (nothing was served yet)
    rows: dict[str, int] = field(default_factory=dict)  # rows as of T
    touched: dict[str, int] = field(default_factory=dict)  # rows the flip deletes + inserts


def staged_name(table: sa.Table, part: str = "new") -> str:
    return f"publish_{table.name}_{part}"


def reference_sql(table_name: str, day: dt.date) -> str:
    """The reference table as of `day` (tests reach in here to change a row)."""
    return as_of_sql(table_name, day)


def _store_form(table: sa.Table, day: dt.date, *, sqlite: bool) -> str:
    exprs = []
    for column in table.columns:
        name = ident(column.name)
        if isinstance(column.type, sa.Date) and sqlite:
            exprs.append(f"CAST({name} AS VARCHAR) AS {name}")
        elif isinstance(column.type, sa.Float):
            exprs.append(f"CAST({name} AS DOUBLE) AS {name}")
        else:
            exprs.append(name)
    return f"SELECT {', '.join(exprs)} FROM ({reference_sql(table.name, day)})"


def stage_reference(
    duck: duckdb.DuckDBPyConnection, as_of: dt.date, previous: dt.date | None, *, sqlite: bool
) -> None:
    """The reference as of T in the store's form and, against the previous date, what differs:
    `_gone` (rows as of the previous date not as of T: their keys are deleted) and `_added`
    (rows as of T not as of the previous date: inserted). A changed row is in both."""
    for table in REFERENCE_TABLES:
        new, old = ident(staged_name(table)), ident(staged_name(table, "old"))
        duck.execute(
            f"CREATE OR REPLACE TEMP TABLE {new} AS {_store_form(table, as_of, sqlite=sqlite)}"
        )
        if previous is None:
            continue
        duck.execute(
            f"CREATE OR REPLACE TEMP TABLE {old} AS {_store_form(table, previous, sqlite=sqlite)}"
        )
        keys = ", ".join(ident(c.name) for c in table.primary_key.columns)
        duck.execute(
            f"CREATE OR REPLACE TEMP TABLE {ident(staged_name(table, 'gone'))} AS "
            f"SELECT {keys} FROM (SELECT * FROM {old} EXCEPT SELECT * FROM {new})"
        )
        duck.execute(
            f"CREATE OR REPLACE TEMP TABLE {ident(staged_name(table, 'added'))} AS "
            f"SELECT * FROM {new} EXCEPT SELECT * FROM {old}"
        )


def plan_reference(
    connection: sa.Connection,
    duck: duckdb.DuckDBPyConnection,
    previous: dt.date | None,
    overlay: dict[str, int] | None = None,
) -> ReferencePlan:
    """Decide per table between the difference and a whole replace (see the module's doc).
    `overlay`: rows per table that brokerlens added on top of the feed (applied handovers,
    publish/handovers.py), taken out before the difference is applied: not a mismatch."""
    plan = ReferencePlan()
    for table in REFERENCE_TABLES:
        plan.rows[table.name] = _count(duck, staged_name(table))
        if previous is None:
            plan.whole.add(table.name)
            continue
        held = connection.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()
        held -= (overlay or {}).get(table.name, 0)
        if held != _count(duck, staged_name(table, "old")):
            plan.whole.add(table.name)
    return plan


def preload_reference(db: sa.Engine, duck: duckdb.DuckDBPyConnection, plan: ReferencePlan) -> None:
    """First publish: nothing is served, so nobody reads the reference tables yet; they are
    filled in committed batches before the flip instead of millions of rows inside it."""
    for table in REFERENCE_TABLES:
        with db.begin() as connection:
            connection.execute(table.delete())
        plan.touched[table.name] = load_in_batches(
            db, table, staged_batches(duck, staged_name(table), _key(table))
        )
    plan.preloaded = True


def apply_reference(
    connection: sa.Connection, duck: duckdb.DuckDBPyConnection, plan: ReferencePlan
) -> dict[str, int]:
    """Bring the store's reference tables to T (caller's transaction); rows touched per table."""
    if plan.preloaded:
        return plan.touched
    for table in REFERENCE_TABLES:
        if table.name in plan.whole:
            connection.execute(table.delete())
            staged = staged_batches(duck, staged_name(table), _key(table))
            loaded = bulk_load(connection, table, staged)
            plan.touched[table.name] = loaded
            continue
        gone = duck.sql(f"SELECT * FROM {ident(staged_name(table, 'gone'))}").fetchall()
        if gone:
            # Untyped parameters: the keys are in the store's form already (ISO dates on SQLite).
            quote = connection.dialect.identifier_preparer.quote
            keys = [c.name for c in table.primary_key.columns]
            where = " AND ".join(f"{quote(k)} = :k{i}" for i, k in enumerate(keys))
            connection.execute(
                sa.text(f"DELETE FROM {quote(table.name)} WHERE {where}"),
                [{f"k{i}": v for i, v in enumerate(row)} for row in gone],
            )
        added = bulk_load(connection, table, staged_batches(duck, staged_name(table, "added")))
        plan.touched[table.name] = len(gone) + added
    return plan.touched


def _key(table: sa.Table) -> list[str]:
    return [c.name for c in table.primary_key.columns]


def _count(duck: duckdb.DuckDBPyConnection, name: str) -> int:
    # fetchall: a result left half read would block the connection's next query
    return int(duck.execute(f"SELECT count(*) FROM {ident(name)}").fetchall()[0][0])
