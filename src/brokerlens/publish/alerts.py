"""Loading T's alerts into the store's `alerts` table when T is published.

Only rows not there yet are inserted (by customer, alert and date), so a re-publish keeps the
status people set, and a publish cut short is completed by the next one; nor one whose customer
still has that alert open from an earlier date (`OPEN`). Bulk loaded in short
transactions (`publish.bulk.load_in_batches`): COPY on PostgreSQL, executemany on SQLite.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pyarrow as pa
import sqlalchemy as sa

from brokerlens.alerts.evaluate import read_alerts
from brokerlens.config import Settings
from brokerlens.publish.bulk import load_in_batches
from brokerlens.store.alerts_schema import alerts
from brokerlens.warehouse.layout import WarehouseLayout

_FROM_FILE = ("customer_id", "branch_id", "alert_id", "explanation")
# A customer's alert still open in the inbox from an earlier date is not added again: a state
# that lasts (沉睡, 问卷过期, ...) fires every day, and the inbox shows it once until someone
# handles or dismisses it. The warehouse keeps every date's firings.
OPEN = ("new", "acknowledged")
# The columns a publish writes (the rest keep their defaults), as a table object of its own so
# the bulk loader names just these.
_LOADED = sa.Table(
    "alerts",
    sa.MetaData(),
    *(
        sa.Column(c.name, c.type)
        for c in alerts.columns
        if c.name
        in (
            "as_of_date",
            "customer_id",
            "branch_id",
            "alert_id",
            "explanation",
            "status",
            "created_at",
        )
    ),
)


def publish_alerts(db: sa.Engine, settings: Settings, as_of: dt.date) -> int:
    """Insert the alerts of `as_of` the store lacks; returns how many were inserted."""
    table = read_alerts(WarehouseLayout(settings.warehouse_dir), as_of)
    if table is None or table.num_rows == 0:
        return 0
    with db.connect() as connection:
        found = connection.execute(
            sa.select(alerts.c.customer_id, alerts.c.alert_id).where(
                sa.or_(
                    alerts.c.as_of_date == as_of,
                    sa.and_(alerts.c.status.in_(OPEN), alerts.c.as_of_date < as_of),
                )
            )
        )
        have = {(row.customer_id, row.alert_id) for row in found}
    # A set lookup in Python: fast enough for the rows of one date, and no compute kernels.
    columns = {name: table[name].to_pylist() for name in _FROM_FILE}
    keep = [
        i
        for i, key in enumerate(zip(columns["customer_id"], columns["alert_id"], strict=True))
        if key not in have
    ]
    if not keep:
        return 0
    kept = {name: [values[i] for i in keep] for name, values in columns.items()}
    rows = _store_form(kept, as_of, sqlite=db.dialect.name == "sqlite")
    return load_in_batches(db, _LOADED, rows.to_batches(max_chunksize=50_000))


def _store_form(kept: dict[str, list[Any]], as_of: dt.date, *, sqlite: bool) -> pa.Table:
    """Rows in `_LOADED`'s column order, as each store takes them: SQLite the text SQLAlchemy
    would write (ISO date, naive UTC timestamp), PostgreSQL typed values for COPY."""
    n = len(kept["customer_id"])
    now = dt.datetime.now(dt.UTC)
    if sqlite:
        day = pa.array([as_of.isoformat()] * n, pa.string())
        created = pa.array([now.replace(tzinfo=None).isoformat(" ")] * n, pa.string())
    else:
        day = pa.array([as_of] * n, pa.date32())
        created = pa.array([now] * n, pa.timestamp("us", tz="UTC"))
    values = {
        "as_of_date": day,
        **{name: pa.array(kept[name], pa.string()) for name in _FROM_FILE},  # JSON as text
        "status": pa.array(["new"] * n, pa.string()),
        "created_at": created,
    }
    return pa.table({c.name: values[c.name] for c in _LOADED.columns})
