"""The lake as relations on an engine: one per feed, plus `<feed>_history` for versioned feeds.

The same relations the `sql` command sees (warehouse/views.py), built through the engine
protocol so that they exist on DuckDB and on Spark alike. Big dated fact feeds are re-registered
over just the dates a step needs, so that a step's cost does not grow with the history.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property

from brokerlens.contract.feeds import FEEDS, LAKE_TYPES, LOAD_ORDER
from brokerlens.engine import Engine
from brokerlens.engine.sqltext import ident
from brokerlens.lake.catalog import Catalog
from brokerlens.lake.layout import DELIVERED_COLUMN, LakeLayout
from brokerlens.warehouse.views import BACKFILLED, backfilled_sql, history_sql, versioned


def _columns(name: str) -> list[tuple[str, str]]:
    return [(c.name, LAKE_TYPES[c.type]) for c in FEEDS[name].columns]


@dataclass(frozen=True)
class LakeFiles:
    layout: LakeLayout
    catalog: Catalog

    @cached_property
    def days(self) -> dict[dt.date, str]:
        """Loaded business date -> the lake directory holding it."""
        return {day: entry.dirname for day, entry in self.catalog.ordered()}

    def register_all(self, engine: Engine) -> None:
        """Every feed over every loaded date."""
        for name in LOAD_ORDER:
            feed = FEEDS[name]
            files = [path for _, path in self.catalog.files_of(self.layout, name)]
            if name in BACKFILLED:  # the daily rows; the full series is made below
                engine.register_parquet(f"{name}__daily", files, _columns(name))
                continue
            if not versioned(feed):
                engine.register_parquet(name, files, _columns(name))
                continue
            raw = f"{name}__delivered"
            engine.register_parquet(raw, files, [*_columns(name), (DELIVERED_COLUMN, "DATE")])
            history = history_sql(feed, f"SELECT * FROM {ident(raw)}")
            engine.create_view(f"{name}_history", history)
            cols = ", ".join(ident(c) for c in feed.column_names)
            latest = f"SELECT {cols}, valid_from FROM {ident(name + '_history')}"
            engine.create_view(name, f"{latest} WHERE valid_to IS NULL")
        for name in BACKFILLED:  # daily rows plus the backfilled past (product_nav since launch)
            engine.create_view(name, backfilled_sql(FEEDS[name], f"{name}__daily"))

    def register_facts(self, engine: Engine, feeds: Iterable[str], days: Iterable[dt.date]) -> None:
        """Dated fact feeds as relations over the files of `days` only."""
        wanted = set(days)
        for name in feeds:
            files = [p for day, p in self.catalog.files_of(self.layout, name) if day in wanted]
            engine.register_parquet(name, files, _columns(name))
