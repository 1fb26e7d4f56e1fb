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
    for folder in ("lake", "warehouse"):
        (home / folder).symlink_to(computed.home / folder, target_is_directory=True)
    return home
