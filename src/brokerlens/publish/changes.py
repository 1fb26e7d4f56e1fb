"""profile_changes: what moved between the previous published profile and this one.

Worked out by DuckDB between the two profile Parquet files: one row per customer and
classification whose value differs, plus `_customer` rows (new_value `new` for a customer not in
the previous profile, `closed` for one gone from it or whose status became closed)."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pyarrow as pa
import sqlalchemy as sa

from brokerlens.engine.sqltext import ident, literal
from brokerlens.publish.bulk import load_in_batches
from brokerlens.publish.source import BATCH_ROWS
from brokerlens.store.schema import profile_changes

CUSTOMER_FIELD = "_customer"


def changes_sql(old: Path, new: Path, classifications: list[str]) -> str:
    o = f"read_parquet({literal(str(old))})"
    n = f"read_parquet({literal(str(new))})"
    parts = [
        f"SELECT n.customer_id, '{CUSTOMER_FIELD}' AS field, "
        "CAST(NULL AS VARCHAR) AS old_value, 'new' AS new_value "
        f"FROM {n} n ANTI JOIN {o} o ON o.customer_id = n.customer_id",
        f"SELECT o.customer_id, '{CUSTOMER_FIELD}', o.status, 'closed' "
        f"FROM {o} o LEFT JOIN {n} n ON n.customer_id = o.customer_id "
        "WHERE n.customer_id IS NULL OR (n.status = 'closed' AND o.status <> 'closed')",
    ]
    for field in classifications:
        was, now = ident("old_" + field), ident("new_" + field)
        parts.append(
            f"SELECT customer_id, {literal(field)}, CAST({was} AS VARCHAR), "
            f"CAST({now} AS VARCHAR) FROM joined WHERE {was} IS DISTINCT FROM {now}"
        )
    pairs = ", ".join(
        f"o.{ident(f)} AS {ident('old_' + f)}, n.{ident(f)} AS {ident('new_' + f)}"
        for f in classifications
    )
    joined = (
        f"joined AS (SELECT n.customer_id{', ' + pairs if pairs else ''} "
        f"FROM {n} n JOIN {o} o ON o.customer_id = n.customer_id)"
    )
    return f"WITH {joined} " + " UNION ALL ".join(parts)


def compute_changes(
    duck: duckdb.DuckDBPyConnection, *, old: Path, new: Path, classifications: list[str]
) -> pa.Table:
    """The changes of `new` against `old` (customer_id, field, old_value, new_value); only
    classifications both files carry are compared."""
    common = [c for c in classifications if c in _columns(duck, old) & _columns(duck, new)]
    return duck.sql(changes_sql(old, new, common)).to_arrow_table()


def write_changes(db: sa.Engine, snapshot_id: int, changes: pa.Table) -> int:
    """The changes under `snapshot_id`, committed in batches (see `bulk.load_in_batches`)."""
    # The id column is added by DuckDB: building it in pyarrow from Python ints would import
    # pandas, a second of start-up for nothing.
    duck = duckdb.connect(":memory:")
    try:
        duck.register("changes", changes)
        rows = duck.sql(f"SELECT CAST({int(snapshot_id)} AS BIGINT) AS snapshot_id, * FROM changes")
        return load_in_batches(db, profile_changes, rows.to_arrow_reader(BATCH_ROWS))
    finally:
        duck.close()


def _columns(duck: duckdb.DuckDBPyConnection, path: Path) -> set[str]:
    rel = duck.sql(f"SELECT * FROM read_parquet({literal(str(path))}) LIMIT 0")
    return {str(c[0]) for c in rel.description}
