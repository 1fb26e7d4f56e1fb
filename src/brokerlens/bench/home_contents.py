"""What a home holds, as a reader sees it: every table of the warehouse, the lookup and the
store, as sorted rows, without what differs between two runs of the same data anyway (wall-clock
stamps, the lake's per-delivery folder names, surrogate snapshot ids and the table names built
from them). Two homes with equal contents answer every page, API call and query alike. The
daily bench's kill drill and the daily job's tests compare homes with it.

The store is read through SQLAlchemy, the home's SQLite file or a PostgreSQL database (`store`,
a URL), its tables named by the database's own catalog. PostgreSQL's values (Decimal, date,
datetime, bool, JSON as objects) are normalised so that two homes on PostgreSQL compare alike;
a home on SQLite is not compared with one on PostgreSQL.

Not bytes: even two uninterrupted runs write different bytes, as DuckDB writes Parquet from
parallel threads in no fixed row order and the lake names each delivery's folder afresh."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import sqlalchemy as sa
from sqlalchemy.pool import NullPool

from brokerlens.store.db import with_driver

VOLATILE_COLUMNS = frozenset(
    {
        "created_at",
        "started_at",
        "published_at",
        "loaded_at",
        "finished_at",
        "retired_at",
        "updated_at",
        "fitted_at",
        "columnar_path",
        "table_name",
        "snapshot_id",
    }
)
DELIVERY = re.compile(r"@[0-9a-f]{32}")  # a lake delivery folder's name
GENERATION = re.compile(r"-[0-9a-f]{32}(?=\.)")  # a state file's generation in its name


def _value(value: Any) -> Any:
    # Floats to 9 significant digits: a float summed by parallel threads differs in its last
    # bits from run to run, more after a subtraction (money is exact and compared as it is).
    return float(f"{value:.9g}") if isinstance(value, float) else value


def _pg_value(value: Any) -> Any:
    # What PostgreSQL's driver hands back as objects, as fixed text or numbers: JSON with its
    # keys sorted (jsonb keeps its own order), instants in UTC whatever the session's zone.
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, Decimal):
        return value.normalize()  # 1.50 and 1.5: one amount, exactly
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(dt.UTC)
        return value.isoformat(" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dict | list):
        return json.dumps(value, sort_keys=True, ensure_ascii=False)
    return _value(value)


def _rows(
    columns: list[str], rows: Sequence[Any], value: Callable[[Any], Any] = _value
) -> list[str]:
    keep = [i for i, c in enumerate(columns) if c not in VOLATILE_COLUMNS]
    return sorted(repr(tuple(value(row[i]) for i in keep)) for row in rows)


def store_url(home: Path, store: str | None) -> str:
    """The URL of a home's store: `store`, or the SQLite file in the home when it is None."""
    return store or f"sqlite:///{home / 'brokerlens.db'}"


def driver_url(url: str) -> sa.URL:
    """`url` naming its driver, as the store names it (`store.db.with_driver`)."""
    return with_driver(sa.make_url(url))


@contextmanager
def connected(url: str) -> Iterator[sa.Connection]:
    """One connection, closed on leaving: nothing pooled stays open on the database (a copy
    is made from it as a template, or it is dropped, next)."""
    engine = sa.create_engine(driver_url(url), poolclass=NullPool)
    try:
        with engine.connect() as connection:
            yield connection
    finally:
        engine.dispose()


def _table_names(connection: sa.Connection) -> list[str]:
    if connection.dialect.name == "sqlite":
        query = "SELECT name FROM sqlite_master WHERE type = 'table'"
    else:
        query = "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"
    return [r[0] for r in connection.execute(sa.text(query))]


def _quoted(connection: sa.Connection, name: str) -> str:
    return connection.dialect.identifier_preparer.quote(name)


def _value_of(connection: sa.Connection) -> Callable[[Any], Any]:
    return _value if connection.dialect.name == "sqlite" else _pg_value


def _tables(
    connection: sa.Connection, *, skip: re.Pattern[str] | None = None
) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for name in _table_names(connection):
        if skip is not None and skip.match(name):
            continue
        # the name comes from the database's own catalog
        result = connection.execute(sa.text(f"SELECT * FROM {_quoted(connection, name)}"))
        out[name] = _rows(list(result.keys()), result.fetchall(), _value_of(connection))
    return out


def _served(connection: sa.Connection) -> dict[str, list[str]]:
    """The served snapshot: its date, rows and columns, and its profile table's rows."""
    value = _value_of(connection)
    row = connection.execute(
        sa.text(
            "SELECT s.as_of_date, s.rows, s.columns, s.catalog_version, s.table_name "
            "FROM serving v JOIN snapshots s ON s.snapshot_id = v.snapshot_id"
        )
    ).fetchone()
    if row is None:
        return {"served": []}
    # the name the store itself keeps
    result = connection.execute(sa.text(f"SELECT * FROM {_quoted(connection, row[4])}"))
    profile = _rows(list(result.keys()), result.fetchall(), value)
    result = connection.execute(
        sa.text("SELECT c.* FROM profile_changes c JOIN serving v ON v.snapshot_id = c.snapshot_id")
    )
    changes = _rows(list(result.keys()), result.fetchall(), value)
    head = tuple(row[:4]) if value is _value else tuple(value(v) for v in row[:4])
    return {"served": [repr(head)], "served profile": profile, "served changes": changes}


def home_contents(home: Path, store: str | None = None) -> dict[str, Any]:
    """Every table of a home as sorted rows, its store the SQLite file in the home or the
    database at `store` (a URL); see the module docstring."""
    out: dict[str, Any] = {}
    duck = duckdb.connect()
    try:
        warehouse = home / "warehouse"
        for path in sorted(warehouse.rglob("*")):
            rel = GENERATION.sub("", str(path.relative_to(home)))
            if path.name.startswith(".") or not path.is_file():
                continue
            if rel.startswith("warehouse/served/"):
                continue  # the served snapshot's copy, compared through the store below
            if path.suffix == ".parquet":
                cursor = duck.execute("SELECT * FROM read_parquet(?)", [str(path)])
                columns = [d[0] for d in cursor.description]
                out[rel] = _rows(columns, cursor.fetchall())
            elif path.suffix == ".sqlite":
                with connected(f"sqlite:///{path}") as connection:
                    out[rel] = _tables(connection)
                if "block" in out[rel]:  # a series block: what it was built from names the
                    # lake's delivery folders, which differ between two loads of one date
                    out[rel]["block"] = [DELIVERY.sub("", row) for row in out[rel]["block"]]
            elif path.suffix == ".json":
                text = GENERATION.sub("", DELIVERY.sub("", path.read_text(encoding="utf-8")))
                out[rel] = json.loads(text)
            else:
                out[rel] = path.read_bytes()
    finally:
        duck.close()
    with connected(store_url(home, store)) as connection:
        # the profile tables and snapshot rows are named by id: the served one is compared
        # instead
        out["store"] = _tables(connection, skip=re.compile(r"^(profile_\d+|snapshots)$"))
        out.update(_served(connection))
    return out


def differences(a: dict[str, Any], b: dict[str, Any]) -> list[str]:
    """The names of the tables (or files) whose contents differ, for a readable failure."""
    names = sorted(set(a) | set(b))
    found = []
    for name in names:
        left, right = a.get(name), b.get(name)
        if isinstance(left, dict) and isinstance(right, dict) and name == "store":
            found += [
                f"store.{t}" for t in sorted(set(left) | set(right)) if left.get(t) != right.get(t)
            ]
        elif left != right:
            found.append(name)
    return found
