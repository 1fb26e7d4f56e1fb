"""The lake: one immutable directory per loaded business date, named by an atomic catalog.

Readers see only the directories the catalog names; a load writes its directory completely,
then swaps the catalog in one `os.replace`. A killed load therefore leaves the lake as it was.
"""

from brokerlens.lake.catalog import Catalog, DateEntry, FeedCounts, read_catalog, write_catalog
from brokerlens.lake.layout import LakeLayout
from brokerlens.lake.lock import lake_lock

__all__ = [
    "Catalog",
    "DateEntry",
    "FeedCounts",
    "LakeLayout",
    "lake_lock",
    "read_catalog",
    "write_catalog",
]
