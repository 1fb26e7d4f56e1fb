"""Finding date folders and feed files."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from brokerlens.errors import DateRejected, InputError
from brokerlens.ingest.discover import check_calendar, discover_dates, list_feed_files
from support.factories import D1, D2, make_trade, write_feed


def test_date_folders_in_order_other_entries_ignored(tmp_path: Path) -> None:
    for name in ("2025-01-03", "2025-01-02", "_ground_truth", "2025-13-01", "notes.txt"):
        (tmp_path / name).mkdir()
    assert [f.day for f in discover_dates(tmp_path)] == [D1, D2]


def test_inbox_must_exist(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="not a directory"):
        discover_dates(tmp_path / "missing")


def test_feed_files_in_load_order_unknown_files_ignored(tmp_path: Path) -> None:
    folder = tmp_path / D1.isoformat()
    write_feed(folder, "trades", [make_trade("T1", D1)])
    write_feed(folder, "customers", [])
    (folder / "readme.txt").write_text("hi")
    [date_folder] = discover_dates(tmp_path)
    list_feed_files(date_folder)
    assert [f.feed for f in date_folder.files] == ["customers", "trades"]
    assert date_folder.ignored == ["readme.txt"]


def test_calendar_checks() -> None:
    check_calendar(D2, None, allow_gap=False, rejected=set())  # first date ever: no gap check
    check_calendar(D1, D2, allow_gap=False, rejected=set())  # an earlier date: a re-delivery
    with pytest.raises(DateRejected, match="not a trading day"):
        check_calendar(dt.date(2025, 1, 1), None, allow_gap=True, rejected=set())
    with pytest.raises(DateRejected, match="outside the known SSE calendar"):
        check_calendar(dt.date(1900, 1, 2), None, allow_gap=True, rejected=set())
