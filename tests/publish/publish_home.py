"""The computed warehouse publish tests share, and a home per test linking to it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Computed:
    home: Path
    earlier: dt.date  # the second-to-last loaded date
    latest: dt.date


def linked_home(computed: Computed, tmp_path: Path) -> Path:
    """A home reading the computed lake and warehouse, with its own (SQLite) store file."""
    home = tmp_path / "home"
    home.mkdir()
    (home / "lake").symlink_to(computed.home / "lake", target_is_directory=True)
    # The warehouse's entries are shared, but not `served/`: its files are named by snapshot
    # id, which every test's own store numbers from 1, so a shared folder mixed the tests' copies.
    (home / "warehouse").mkdir()
    for entry in (computed.home / "warehouse").iterdir():
        if entry.name != "served":
            (home / "warehouse" / entry.name).symlink_to(entry, target_is_directory=entry.is_dir())
    return home
