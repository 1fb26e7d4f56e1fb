"""The operational store (SQLite by default, PostgreSQL at scale): what the serving app reads.

Data flows warehouse -> publish -> store -> access (scope, masking, audit) -> api / web / cli.
"""

from brokerlens.store.db import dispose_engines, fill_pool, is_sqlite, store_engine
from brokerlens.store.migrate import open_store, store_if_present, upgrade

__all__ = [
    "dispose_engines",
    "fill_pool",
    "is_sqlite",
    "open_store",
    "store_engine",
    "store_if_present",
    "upgrade",
]
