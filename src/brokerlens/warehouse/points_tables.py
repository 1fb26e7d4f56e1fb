"""`brokerlens sql` view `points_ledger` (issue 23 section 1): every entry of every customer's
points ledger, read when a query names it.

columns: customer_id, entry_date, source (the rule id of an award, 'adjustment', or
'redemption': an order placed, points < 0, and its return when cancelled, points > 0), points
(signed), expires_on (an award's or a positive adjustment's), branch_id (the customer's when the
entry was made), ref (an award's month, year or assessment id; the order or approval request of
a store entry). The awards are the run's kept files, one per date, each replaced by a re-run of
its date, so a re-run leaves the ledger as it was. A balance is not a column: it is the FIFO of
these entries as of a day (docs/points.md).
"""

from __future__ import annotations

import duckdb
import pyarrow as pa
import sqlalchemy as sa

from brokerlens.engine.sqltext import path_list
from brokerlens.store.points_schema import points_entries
from brokerlens.warehouse.layout import WarehouseLayout

COLUMNS = "customer_id, entry_date, source, points, expires_on, branch_id, ref"
SCHEMA = pa.schema(
    [
        ("customer_id", pa.string()),
        ("entry_date", pa.date32()),
        ("source", pa.string()),
        ("points", pa.int64()),
        ("expires_on", pa.date32()),
        ("branch_id", pa.string()),
        ("ref", pa.string()),
    ]
)
EMPTY_AWARDS = (
    "SELECT CAST(NULL AS VARCHAR) AS customer_id, CAST(NULL AS DATE) AS entry_date, "
    "CAST(NULL AS VARCHAR) AS source, CAST(NULL AS BIGINT) AS points, "
    "CAST(NULL AS DATE) AS expires_on, CAST(NULL AS VARCHAR) AS branch_id, "
    "CAST(NULL AS VARCHAR) AS ref WHERE false"
)


def _store_rows(db: sa.Engine) -> pa.Table:
    e = points_entries.c
    with db.connect() as connection:
        rows = connection.execute(
            sa.select(
                e.customer_id,
                e.entry_date,
                e.kind,
                e.points,
                e.expires_on,
                e.branch_id,
                e.order_id,
                e.request_id,
            ).order_by(e.entry_id)
        ).mappings()
        out = [
            {
                "customer_id": r["customer_id"],
                "entry_date": r["entry_date"],
                "source": "adjustment" if r["kind"] == "adjustment" else "redemption",
                "points": int(r["points"]),
                "expires_on": r["expires_on"],
                "branch_id": r["branch_id"],
                "ref": _ref(r["order_id"], r["request_id"]),
            }
            for r in rows
        ]
    return pa.Table.from_pylist(out, schema=SCHEMA)


def _ref(order_id: int | None, request_id: int | None) -> str | None:
    if order_id is not None:
        return f"order {order_id}"
    return f"request {request_id}" if request_id is not None else None


def add_points_ledger(
    conn: duckdb.DuckDBPyConnection, db: sa.Engine, warehouse: WarehouseLayout
) -> None:
    conn.register("__store_points_entries", _store_rows(db))
    conn.execute("CREATE TABLE __points_store AS SELECT * FROM __store_points_entries")
    conn.unregister("__store_points_entries")
    files = [warehouse.points_awards_file(d) for d in warehouse.points_award_dates()]
    awards = (
        "SELECT customer_id, entry_date, rule_id AS source, points, expires_on, branch_id, ref "
        f"FROM read_parquet({path_list(files)})"
        if files
        else EMPTY_AWARDS
    )
    conn.execute(
        f"CREATE VIEW points_ledger AS {awards} UNION ALL SELECT {COLUMNS} FROM __points_store"
    )
