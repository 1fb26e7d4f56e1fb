"""What the ledger step reads of the operational store: the handover items the store carries
now (`overlaid`), as a typed Arrow table for the run's engine (`handover_items`). Read only."""

from __future__ import annotations

import pyarrow as pa
import sqlalchemy as sa

from brokerlens.brokers.ledger.overlay import overlaid_items

ITEM_SCHEMA = pa.schema(
    [
        ("handover_id", pa.int64()),
        ("customer_id", pa.string()),
        ("role", pa.string()),
        ("giver_id", pa.string()),
        ("receiver_id", pa.string()),
        ("effective_date", pa.date32()),
        ("share_pct", pa.float64()),
        ("giver_start", pa.date32()),
        ("giver_end", pa.date32()),
        ("receiver_start", pa.date32()),
        ("receiver_end", pa.date32()),
        ("receiver_share", pa.float64()),
        ("inserted", pa.bool_()),
    ]
)


def read_overlaid(db: sa.Engine | None) -> pa.Table:
    """The overlaid items (none without a store: `run --no-publish` on a new home)."""
    if db is None:
        return ITEM_SCHEMA.empty_table()
    with db.connect() as connection:
        rows = overlaid_items(connection)
    columns = {f.name: [row[f.name] for row in rows] for f in ITEM_SCHEMA}
    return pa.table(columns, schema=ITEM_SCHEMA)
