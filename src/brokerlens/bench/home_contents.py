"""What a home holds, as a reader sees it: every table of the warehouse, the lookup and the
store, as sorted rows, without what differs between two runs of the same data anyway (wall-clock
stamps, the lake's per-delivery folder names, surrogate snapshot ids and the table names built
from them). Two homes with equal contents answer every page, API call and query alike. The
daily bench's kill drill and the daily job's tests compare homes with it.

Not bytes: even two uninterrupted runs write different bytes, as DuckDB writes Parquet from
parallel threads in no fixed row order and the lake names each delivery's folder afresh."""

from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path
from typing import Any

import duckdb

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


def _rows(columns: list[str], rows: list[tuple[Any, ...]]) -> list[str]:
    keep = [i for i, c in enumerate(columns) if c not in VOLATILE_COLUMNS]
    return sorted(repr(tuple(_value(row[i]) for i in keep)) for row in rows)


def _sqlite_tables(path: Path, *, skip: re.Pattern[str] | None = None) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    with sqlite3.connect(path) as db:
        names = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        for name in names:
            if skip is not None and skip.match(name):
                continue
            cursor = db.execute(f'SELECT * FROM "{name}"')  # names from sqlite_master itself
            columns = [d[0] for d in cursor.description]
            out[name] = _rows(columns, cursor.fetchall())
    return out


def _served(path: Path) -> dict[str, list[str]]:
    """The served snapshot: its date, rows and columns, and its profile table's rows."""
    with sqlite3.connect(path) as db:
        row = db.execute(
            "SELECT s.as_of_date, s.rows, s.columns, s.catalog_version, s.table_name "
            "FROM serving v JOIN snapshots s ON s.snapshot_id = v.snapshot_id"
        ).fetchone()
        if row is None:
            return {"served": []}
        cursor = db.execute(f'SELECT * FROM "{row[4]}"')  # the name the store itself keeps
        columns = [d[0] for d in cursor.description]
        profile = _rows(columns, cursor.fetchall())
        cursor = db.execute(
            "SELECT c.* FROM profile_changes c JOIN serving v ON v.snapshot_id = c.snapshot_id"
        )
        changes = _rows([d[0] for d in cursor.description], cursor.fetchall())
        return {"served": [repr(row[:4])], "served profile": profile, "served changes": changes}


def home_contents(home: Path) -> dict[str, Any]:
    """Every table of a home (SQLite store) as sorted rows; see the module docstring."""
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
                out[rel] = _sqlite_tables(path)
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
    store = home / "brokerlens.db"
    # the profile tables and snapshot rows are named by id: the served one is compared instead
    out["store"] = _sqlite_tables(store, skip=re.compile(r"^(profile_\d+|snapshots)$"))
    out.update(_served(store))
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
