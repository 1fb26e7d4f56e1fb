"""Marketing tables of the operational store as `brokerlens sql` tables (issue 17), read into
the query's DuckDB only when the query names them (a query of the lake never opens the store).

- `service_records`, `campaigns`, `care_messages`: the store's rows as they are.
- `campaign_members`: the members with `converted` (converted_on is not null).
- `callbacks`, `callback_attempts`, `approvals`, `work_orders` (issue 18): the store's rows;
  `complaints_log`: the store's `complaints` (the feed's merged with the workbench's; the lake's
  own delivered rows stay `complaints`). JSON objects (answers, payload) read as JSON text.
  `callback_samples`: the year's call-back sample as drawn, per stratum (base, quota).
- `points_ledger` (issue 23): the points awards and the store's points entries
  (`warehouse/points_tables.py`).
- `work_items`: every kept work list row (`marketing/worklist/<T>.parquet`) with the broker's
  latest state of it (status open when none; done, snoozed or dismissed), `snooze_until`,
  `state_reason`, `state_by`, `state_at`.
"""

from __future__ import annotations

import json
import re
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import sqlalchemy as sa

from brokerlens.config import Settings
from brokerlens.engine.sqltext import ident, path_list
from brokerlens.store import open_store
from brokerlens.store.compliance_schema import (
    approvals,
    callback_attempts,
    callback_samples,
    callbacks,
    complaints,
    work_orders,
)
from brokerlens.store.marketing_schema import (
    campaign_members,
    campaigns,
    care_messages,
    service_records,
    work_item_states,
)
from brokerlens.warehouse.layout import WarehouseLayout
from brokerlens.warehouse.points_tables import add_points_ledger  # issue 23
from brokerlens.warehouse.statement_tables import add_commission_statements  # issue 19 C

STORE_TABLES: dict[str, sa.Table] = {
    "service_records": service_records,
    "campaigns": campaigns,
    "campaign_members": campaign_members,
    "care_messages": care_messages,
    "callbacks": callbacks,
    "callback_attempts": callback_attempts,
    "callback_samples": callback_samples,
    "complaints_log": complaints,
    "approvals": approvals,
    "work_orders": work_orders,
}
TABLES = (*STORE_TABLES, "work_items")
TABLES = (*TABLES, "commission_statements")  # issue 19 C: settled lines, else the preview
TABLES = (*TABLES, "points_ledger")  # issue 23: the awards and the store's points entries

_TYPES: dict[type, pa.DataType] = {
    sa.Integer: pa.int64(),
    sa.BigInteger: pa.int64(),
    sa.Float: pa.float64(),
    sa.Date: pa.date32(),
    sa.DateTime: pa.timestamp("us", tz="UTC"),
    sa.Boolean: pa.bool_(),
}


def _arrow_type(column: sa.Column[Any]) -> pa.DataType:
    if isinstance(column.type, sa.JSON):
        return pa.string() if column.info.get("json") == "object" else pa.list_(pa.string())
    for kind, arrow in _TYPES.items():
        if isinstance(column.type, kind):
            return arrow
    return pa.string()


def _plain(value: Any, arrow: pa.DataType) -> Any:
    if value is None:
        return None
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    if pa.types.is_list(arrow):
        return [str(v) for v in value] if isinstance(value, list) else [str(value)]
    return value


def _read(db: sa.Engine, table: sa.Table) -> pa.Table:
    schema = pa.schema([(c.name, _arrow_type(c)) for c in table.columns])
    with db.connect() as connection:
        rows = connection.execute(sa.select(table)).all()
    data = {
        f.name: pa.array([_plain(r._mapping[f.name], f.type) for r in rows], f.type) for f in schema
    }
    return pa.table(data, schema=schema)


def named_tables(sql: str) -> set[str]:
    """The store tables the query's text names, as whole words. A word that is something else
    (a column or alias of that name) only costs reading the table; DuckDB's own lookup of a
    query's tables binds it, and fails where the tables are not there yet."""
    words = set(re.findall(r"[a-z_][a-z0-9_]*", sql.lower()))
    return words & set(TABLES)


def _create(conn: duckdb.DuckDBPyConnection, name: str, table: pa.Table) -> None:
    conn.register(f"__store_{name}", table)
    conn.execute(f"CREATE TABLE {ident(name)} AS SELECT * FROM {ident('__store_' + name)}")
    conn.unregister(f"__store_{name}")


def add_store_tables(conn: duckdb.DuckDBPyConnection, settings: Settings, names: set[str]) -> None:
    """Create the named tables in the query's DuckDB (before it is locked down)."""
    if not names:
        return
    db = open_store(settings)
    for name in sorted(names & set(STORE_TABLES)):
        table = _read(db, STORE_TABLES[name])
        if name == "campaign_members":
            converted = pc.is_valid(table.column("converted_on"))
            table = table.append_column("converted", converted)
        _create(conn, name, table)
    if "work_items" in names:
        _create(conn, "__work_item_states", _read(db, work_item_states))
        warehouse = WarehouseLayout(settings.warehouse_dir)
        files = [warehouse.worklist_file(d) for d in warehouse.worklist_dates()]
        rows = (
            f"SELECT * FROM read_parquet({path_list(files)})"
            if files
            else "SELECT CAST(NULL AS DATE) AS as_of_date, CAST(NULL AS VARCHAR) AS staff_id, "
            "CAST(NULL AS VARCHAR) AS customer_id WHERE false"
        )
        conn.execute(
            f"CREATE VIEW work_items AS WITH latest AS ("
            "SELECT *, row_number() OVER (PARTITION BY as_of_date, staff_id, customer_id "
            'ORDER BY "at" DESC, state_id DESC) AS nth FROM __work_item_states) '
            "SELECT w.*, coalesce(s.status, 'open') AS status, s.snooze_until, "
            's.reason AS state_reason, s.username AS state_by, s."at" AS state_at '
            f"FROM ({rows}) w LEFT JOIN latest s ON s.nth = 1 AND s.as_of_date = w.as_of_date "
            "AND s.staff_id = w.staff_id AND s.customer_id = w.customer_id"
        )
    if "commission_statements" in names:  # issue 19 C
        add_commission_statements(conn, db, WarehouseLayout(settings.warehouse_dir))
    if "points_ledger" in names:  # issue 23
        add_points_ledger(conn, db, WarehouseLayout(settings.warehouse_dir))
