"""The catalog: which directory holds each loaded business date, with its counts.

It is the single source of truth of what is visible. It is replaced atomically (temp file, fsync,
os.replace, fsync of the directory), so a reader sees either the old or the new catalog.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path

from brokerlens.errors import LakeError
from brokerlens.lake.layout import LakeLayout

CATALOG_VERSION = 1


@dataclass
class FeedCounts:
    loaded: int
    quarantined: int


@dataclass
class DateEntry:
    """One loaded business date."""

    dirname: str
    status: str  # loaded | loaded_with_quarantine
    loaded_at: str
    feeds: dict[str, FeedCounts] = field(default_factory=dict)

    @property
    def rows_loaded(self) -> int:
        return sum(c.loaded for c in self.feeds.values())

    @property
    def rows_quarantined(self) -> int:
        return sum(c.quarantined for c in self.feeds.values())


@dataclass
class Catalog:
    dates: dict[dt.date, DateEntry] = field(default_factory=dict)

    @property
    def latest(self) -> dt.date | None:
        return max(self.dates) if self.dates else None

    def ordered(self) -> list[tuple[dt.date, DateEntry]]:
        return sorted(self.dates.items())

    def files_of(
        self, layout: LakeLayout, feed: str, *, before: dt.date | None = None
    ) -> list[tuple[dt.date, Path]]:
        """(date, parquet path) of every loaded delivery of `feed`, oldest first."""
        return [
            (day, layout.feed_file(entry.dirname, feed))
            for day, entry in self.ordered()
            if feed in entry.feeds and (before is None or day < before)
        ]

    def with_date(self, day: dt.date, entry: DateEntry) -> Catalog:
        dates = dict(self.dates)
        dates[day] = entry
        return Catalog(dates)

    def to_json(self) -> str:
        """`json.dumps({"dates": ..., "version": ...}, indent=1, sort_keys=True)`, built from
        cached per-date pieces: the catalog is rewritten after every date, so its cost would
        grow with the lake."""
        if not self.dates:
            return json.dumps({"version": CATALOG_VERSION, "dates": {}}, indent=1, sort_keys=True)
        entries = ",\n".join(
            f"  {json.dumps(d.isoformat())}: {_entry_json(_entry_key(e))}"
            for d, e in self.ordered()
        )
        return (
            '{\n "dates": {\n' + entries + f'\n }},\n "version": {json.dumps(CATALOG_VERSION)}\n}}'
        )


def _entry_key(entry: DateEntry) -> tuple[object, ...]:
    feeds = tuple((name, c.loaded, c.quarantined) for name, c in entry.feeds.items())
    return (entry.dirname, entry.status, entry.loaded_at, feeds)


@functools.lru_cache(maxsize=8192)
def _entry_json(key: tuple[object, ...]) -> str:
    """One date's entry as `to_json` nests it (two levels deep)."""
    dirname, status, loaded_at, feeds = key
    assert isinstance(feeds, tuple)
    entry = DateEntry(
        str(dirname), str(status), str(loaded_at), {n: FeedCounts(a, b) for n, a, b in feeds}
    )
    return json.dumps(asdict(entry), indent=1, sort_keys=True).replace("\n", "\n  ")


def read_catalog(layout: LakeLayout) -> Catalog:
    """The current catalog; an empty one when the lake has never been loaded."""
    path = layout.catalog_path
    if not path.exists():
        return Catalog()
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        dates = {
            dt.date.fromisoformat(day): DateEntry(
                dirname=str(e["dirname"]),
                status=str(e["status"]),
                loaded_at=str(e["loaded_at"]),
                feeds={
                    str(name): FeedCounts(int(c["loaded"]), int(c["quarantined"]))
                    for name, c in dict(e["feeds"]).items()
                },
            )
            for day, e in dict(raw["dates"]).items()
        }
    except (ValueError, KeyError, TypeError) as exc:
        raise LakeError(
            f"the lake catalog {path} is unreadable ({exc})",
            hint="restore it from a backup, or move the lake away and ingest again",
        ) from exc
    return Catalog(dates)


def fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_catalog(layout: LakeLayout, catalog: Catalog) -> None:
    """Replace the catalog atomically and durably."""
    layout.root.mkdir(parents=True, exist_ok=True)
    tmp = layout.root / f".{layout.catalog_path.name}.{os.getpid()}.tmp"
    with tmp.open("w", encoding="utf-8") as fh:
        fh.write(catalog.to_json())
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, layout.catalog_path)
    fsync_dir(layout.root)
