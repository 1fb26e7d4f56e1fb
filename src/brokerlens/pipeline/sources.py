"""The lake as relations on an engine: one per feed, plus `<feed>_history` for versioned feeds.

The same relations the `sql` command sees (warehouse/views.py), built through the engine
protocol so that they exist on DuckDB and on Spark alike.
"""

from __future__ import annotations

import datetime as dt

from brokerlens.contract.feeds import FEEDS, LAKE_TYPES, LOAD_ORDER
from brokerlens.engine import Engine
from brokerlens.ingest.sqltext import ident
from brokerlens.lake.catalog import Catalog
from brokerlens.lake.layout import DELIVERED_COLUMN, LakeLayout
from brokerlens.warehouse.views import history_sql, versioned


def register_lake(
    engine: Engine, layout: LakeLayout, catalog: Catalog, *, through: dt.date | None = None
) -> None:
    """Every feed of the dates loaded up to `through` (all when None) as relations on `engine`."""
    for name in LOAD_ORDER:
        feed = FEEDS[name]
        files = [
            path
            for day, path in catalog.files_of(layout, name)
            if through is None or day <= through
        ]
        columns = [(c.name, LAKE_TYPES[c.type]) for c in feed.columns]
        if not versioned(feed):
            engine.register_parquet(name, files, columns)
            continue
        raw = f"{name}__delivered"
        engine.register_parquet(raw, files, [*columns, (DELIVERED_COLUMN, "DATE")])
        engine.create_view(f"{name}_history", history_sql(feed, f"SELECT * FROM {ident(raw)}"))
        cols = ", ".join(ident(c) for c in feed.column_names)
        engine.create_view(
            name,
            f"SELECT {cols}, valid_from FROM {ident(name + '_history')} WHERE valid_to IS NULL",
        )
