"""The lake store: atomic catalog, one ingest at a time, garbage collection."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from brokerlens.errors import LakeError
from brokerlens.ingest import ingest_inbox
from brokerlens.lake import Catalog, DateEntry, FeedCounts, LakeLayout, lake_lock
from brokerlens.lake.catalog import read_catalog, write_catalog
from brokerlens.lake.commit import collect_garbage, commit_date
from support.factories import D1, fact_date, reference_date, settings_for


def entry(dirname: str) -> DateEntry:
    return DateEntry(dirname, "loaded", "2025-01-02T18:00:00", {"trades": FeedCounts(3, 1)})


def test_catalog_round_trip(tmp_path: Path) -> None:
    layout = LakeLayout(tmp_path)
    assert read_catalog(layout).dates == {}
    catalog = Catalog({dt.date(2025, 1, 2): entry("2025-01-02@a")})
    write_catalog(layout, catalog)
    again = read_catalog(layout)
    assert again == catalog and again.latest == dt.date(2025, 1, 2)
    assert again.dates[dt.date(2025, 1, 2)].rows_quarantined == 1
    assert not list(tmp_path.glob(".catalog*"))  # no temp file left


def test_unreadable_catalog_is_a_lake_error(tmp_path: Path) -> None:
    (tmp_path / "catalog.json").write_text("{not json")
    with pytest.raises(LakeError, match="unreadable"):
        read_catalog(LakeLayout(tmp_path))


def test_commit_replaces_a_date_and_deletes_its_old_directory(tmp_path: Path) -> None:
    layout = LakeLayout(tmp_path)
    day = dt.date(2025, 1, 2)
    for name in ("2025-01-02@old", "2025-01-02@new"):
        (layout.dates_dir / name).mkdir(parents=True)
        (layout.dates_dir / name / "trades.parquet").write_bytes(b"x")
    catalog = commit_date(layout, Catalog(), day, entry("2025-01-02@old"))
    catalog = commit_date(layout, catalog, day, entry("2025-01-02@new"))
    assert read_catalog(layout).dates[day].dirname == "2025-01-02@new"
    assert [p.name for p in layout.dates_dir.iterdir()] == ["2025-01-02@new"]


def test_garbage_collection_keeps_only_catalogued_directories(tmp_path: Path) -> None:
    layout = LakeLayout(tmp_path)
    for name in ("2025-01-02@live", "2025-01-03@dead"):
        (layout.dates_dir / name).mkdir(parents=True)
    (tmp_path / ".work-abc").mkdir()
    catalog = Catalog({dt.date(2025, 1, 2): entry("2025-01-02@live")})
    assert collect_garbage(layout, catalog) == ["2025-01-03@dead"]
    assert [p.name for p in layout.dates_dir.iterdir()] == ["2025-01-02@live"]
    assert not (tmp_path / ".work-abc").exists()


def test_a_second_ingest_is_refused_while_one_runs(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    reference_date(inbox, D1)
    fact_date(inbox, D1)
    settings = settings_for(tmp_path / "home")
    busy = pytest.raises(LakeError, match=r"another ingest is running .*pid \d+")
    with lake_lock(LakeLayout(settings.lake_dir)), busy:
        ingest_inbox(settings, inbox)
    assert ingest_inbox(settings, inbox).exit_code == 0  # released afterwards
