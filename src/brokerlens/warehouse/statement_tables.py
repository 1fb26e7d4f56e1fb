"""`brokerlens sql` table `commission_statements` (issue 19 section 3): every month's commission
statement lines. A settled month's are the store's (`commission_lines`: the settled lines and
the adjusting entries); any other month's are the run's kept file (the preview, month to date).

columns: month, status (preview | complete: counted to its last day, not settled | settled),
through, entry (preview | settled | adjustment), request_id (an adjustment's approval request),
staff_id (NULL: income nobody held in the role), unit_id, role, income_kind (commission |
product_fee), amount_cents, customers. Per month, role and income kind the lines add up to the
customers' income to the cent.
"""

from __future__ import annotations

import datetime as dt

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import sqlalchemy as sa

from brokerlens.store.brokers_statements_schema import commission_lines, commission_periods
from brokerlens.warehouse.layout import WarehouseLayout

SCHEMA = pa.schema(
    [
        ("month", pa.date32()),
        ("status", pa.string()),
        ("through", pa.date32()),
        ("entry", pa.string()),
        ("request_id", pa.int64()),
        ("staff_id", pa.string()),
        ("unit_id", pa.string()),
        ("role", pa.string()),
        ("income_kind", pa.string()),
        ("amount_cents", pa.int64()),
        ("customers", pa.int64()),
    ]
)
FILE_COLUMNS = ["staff_id", "unit_id", "role", "income_kind", "amount_cents", "customers"]


def _last_day(month: dt.date) -> dt.date:
    return (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)


def _settled_rows(db: sa.Engine) -> tuple[set[dt.date], list[dict[str, object]]]:
    with db.connect() as connection:
        periods = {r.month: r.through for r in connection.execute(sa.select(commission_periods))}
        lines = connection.execute(sa.select(commission_lines)).mappings().all()
    rows: list[dict[str, object]] = [
        {
            **{name: line[name] for name in (*FILE_COLUMNS, "entry", "request_id")},
            "month": line["month"],
            "status": "settled",
            "through": periods.get(line["month"]),
        }
        for line in lines
    ]
    return set(periods), rows


def _file_rows(warehouse: WarehouseLayout, month: dt.date) -> list[dict[str, object]]:
    path = warehouse.statements_file(month)
    if not path.is_file():
        return []
    found = pq.read_table(path, columns=[*FILE_COLUMNS, "through"]).to_pylist()
    return [
        {
            **row,
            "month": month,
            "status": "complete" if row["through"] == _last_day(month) else "preview",
            "entry": "preview",
            "request_id": None,
        }
        for row in found
    ]


def add_commission_statements(
    conn: duckdb.DuckDBPyConnection, db: sa.Engine, warehouse: WarehouseLayout
) -> None:
    settled, rows = _settled_rows(db)
    for month in warehouse.statements_months():
        if month not in settled:
            rows += _file_rows(warehouse, month)
    table = pa.Table.from_pylist(rows, schema=SCHEMA)
    conn.register("__store_commission_statements", table)
    conn.execute(
        "CREATE TABLE commission_statements AS SELECT * FROM __store_commission_statements"
    )
    conn.unregister("__store_commission_statements")
