"""profile_changes: what moved between the previous published profile and this one.

Worked out by DuckDB between the two profile Parquet files: one row per customer and
classification whose value differs, plus `_customer` rows (new_value `new` for a customer not in
the previous profile, `closed` for one gone from it or whose status became closed)."""

from __future__ import annotations

from pathlib import Path

import duckdb
import sqlalchemy as sa

from brokerlens.ingest.sqltext import ident, literal
from brokerlens.publish.bulk import bulk_load
from brokerlens.publish.source import BATCH_ROWS
from brokerlens.store.schema import profile_changes

CUSTOMER_FIELD = "_customer"


def changes_sql(old: Path, new: Path, classifications: list[str], snapshot_id: int) -> str:
    o = f"read_parquet({literal(str(old))})"
    n = f"read_parquet({literal(str(new))})"
    sid = int(snapshot_id)
    parts = [
        f"SELECT {sid} AS snapshot_id, n.customer_id, '{CUSTOMER_FIELD}' AS field, "
        "CAST(NULL AS VARCHAR) AS old_value, 'new' AS new_value "
        f"FROM {n} n ANTI JOIN {o} o ON o.customer_id = n.customer_id",
        f"SELECT {sid}, o.customer_id, '{CUSTOMER_FIELD}', o.status, 'closed' "
        f"FROM {o} o LEFT JOIN {n} n ON n.customer_id = o.customer_id "
        "WHERE n.customer_id IS NULL OR (n.status = 'closed' AND o.status <> 'closed')",
    ]
    for field in classifications:
        was, now = ident("old_" + field), ident("new_" + field)
        parts.append(
            f"SELECT {sid}, customer_id, {literal(field)}, CAST({was} AS VARCHAR), "
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


def write_changes(
    connection: sa.Connection,
    duck: duckdb.DuckDBPyConnection,
    *,
    old: Path,
    new: Path,
    classifications: list[str],
    snapshot_id: int,
) -> int:
    """Insert the changes of `new` against `old`; only classifications both files carry."""
    names_old = _columns(duck, old)
    names_new = _columns(duck, new)
    common = [c for c in classifications if c in names_old and c in names_new]
    sql = changes_sql(old, new, common, snapshot_id)
    return bulk_load(connection, profile_changes, duck.sql(sql).to_arrow_reader(BATCH_ROWS))


def _columns(duck: duckdb.DuckDBPyConnection, path: Path) -> set[str]:
    rel = duck.sql(f"SELECT * FROM read_parquet({literal(str(path))}) LIMIT 0")
    return {str(c[0]) for c in rel.description}
