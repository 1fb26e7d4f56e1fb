"""Make a written date directory visible (catalog swap) and collect garbage."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import time
from pathlib import Path

from brokerlens.lake.catalog import Catalog, DateEntry, fsync_dir, write_catalog
from brokerlens.lake.layout import LakeLayout

# Test-only hook: seconds to sleep after a date directory is written and before the catalog swap,
# so a test can kill the process there. Unset (the default) means no pause.
PAUSE_ENV = "BROKERLENS_TEST_PAUSE_BEFORE_COMMIT"


def fsync_tree(directory: Path) -> None:
    """fsync every file of a freshly written directory, then the directory and its parent."""
    for path in directory.iterdir():
        if path.is_file():
            fd = os.open(path, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
    fsync_dir(directory)
    fsync_dir(directory.parent)


def _test_pause() -> None:
    value = os.environ.get(PAUSE_ENV)
    if value:
        time.sleep(float(value))


def commit_date(layout: LakeLayout, catalog: Catalog, day: dt.date, entry: DateEntry) -> Catalog:
    """Publish `entry` (whose directory is already written) for `day`; return the new catalog.

    The directory is fsynced first, then the catalog is swapped; only then is the directory of a
    previous load of the same date deleted.
    """
    fsync_tree(layout.date_dir(entry.dirname))
    _test_pause()
    previous = catalog.dates.get(day)
    updated = catalog.with_date(day, entry)
    write_catalog(layout, updated)
    if previous is not None and previous.dirname != entry.dirname:
        shutil.rmtree(layout.date_dir(previous.dirname), ignore_errors=True)
    return updated


def collect_garbage(layout: LakeLayout, catalog: Catalog) -> list[str]:
    """Delete date directories no catalog entry names (left by killed or rejected loads)."""
    if not layout.dates_dir.exists():
        return []
    live = {entry.dirname for entry in catalog.dates.values()}
    removed = []
    for path in layout.dates_dir.iterdir():
        if path.name not in live:
            if path.is_dir():
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink(missing_ok=True)
            removed.append(path.name)
    for tmp in layout.root.glob(".catalog.json.*.tmp"):
        tmp.unlink(missing_ok=True)
    for work in layout.root.glob(".work-*"):  # scratch of a killed ingest (the lock is ours)
        shutil.rmtree(work, ignore_errors=True)
    return removed
