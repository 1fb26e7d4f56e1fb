"""Where things live inside the lake directory."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from pathlib import Path

CATALOG_NAME = "catalog.json"
LOG_NAME = "ingest_log.jsonl"
LOCK_NAME = ".ingest.lock"
DATES_DIR = "dates"
QUARANTINE_FILE = "_quarantine.parquet"
DELIVERED_COLUMN = "_delivered"  # business date a reference row (or undated fact) was delivered


@dataclass(frozen=True)
class LakeLayout:
    """Paths of one lake: `<root>/catalog.json`, `<root>/dates/<YYYY-MM-DD>@<uuid>/...`."""

    root: Path

    @property
    def catalog_path(self) -> Path:
        return self.root / CATALOG_NAME

    @property
    def log_path(self) -> Path:
        return self.root / LOG_NAME

    @property
    def lock_path(self) -> Path:
        return self.root / LOCK_NAME

    @property
    def dates_dir(self) -> Path:
        return self.root / DATES_DIR

    def new_date_dir(self, day: dt.date) -> Path:
        """A fresh, not yet existing directory name for a load of `day`."""
        return self.dates_dir / f"{day.isoformat()}@{uuid.uuid4().hex}"

    def date_dir(self, dirname: str) -> Path:
        return self.dates_dir / dirname

    def feed_file(self, dirname: str, feed: str) -> Path:
        return self.dates_dir / dirname / f"{feed}.parquet"

    def quarantine_file(self, dirname: str) -> Path:
        return self.dates_dir / dirname / QUARANTINE_FILE
