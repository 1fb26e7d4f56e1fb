"""brokerlens.atomic: a file or a directory is swapped in whole, or not at all."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from brokerlens.atomic import (
    atomic_dir,
    atomic_file,
    remove_stale_scratch,
    scratch_dir,
    write_text_atomically,
)


def test_a_file_appears_only_when_written_whole(tmp_path: Path) -> None:
    target = tmp_path / "a" / "x.txt"
    with atomic_file(target) as scratch:
        scratch.write_text("new")
        assert not target.exists() and scratch.name.startswith(".")
    assert target.read_text() == "new"
    with pytest.raises(RuntimeError), atomic_file(target) as scratch:
        scratch.write_text("half")
        raise RuntimeError("killed")
    assert target.read_text() == "new"
    assert [p.name for p in target.parent.iterdir()] == ["x.txt"]  # no scratch left


def test_a_directory_replaces_the_old_one_or_nothing(tmp_path: Path) -> None:
    target = tmp_path / "reports" / "2025-01-02"
    with atomic_dir(target) as scratch:
        (scratch / "a.parquet").write_text("1")
    with atomic_dir(target) as scratch:
        (scratch / "b.parquet").write_text("2")
    assert [p.name for p in target.iterdir()] == ["b.parquet"]
    with pytest.raises(RuntimeError), atomic_dir(target) as scratch:
        (scratch / "c.parquet").write_text("3")
        raise RuntimeError("killed")
    assert [p.name for p in target.iterdir()] == ["b.parquet"]
    with pytest.raises(FileExistsError), atomic_dir(target, replace=False) as scratch:
        (scratch / "d.parquet").write_text("4")
    assert [p.name for p in target.iterdir()] == ["b.parquet"]
    assert [p.name for p in target.parent.iterdir()] == ["2025-01-02"]


def test_text_is_replaced_atomically(tmp_path: Path) -> None:
    target = tmp_path / "state.json"
    write_text_atomically(target, "{}")
    write_text_atomically(target, '{"a": 1}', sync=True)
    assert target.read_text() == '{"a": 1}'


def test_a_killed_job_s_old_scratch_is_removed_a_live_one_s_and_kept_files_stay(
    tmp_path: Path,
) -> None:
    kept = tmp_path / "2025-03-04.parquet"
    kept.write_text("kept")
    with scratch_dir(tmp_path) as live:
        (live / "spill").mkdir()
        old_dir = tmp_path / ".work.1-dead.partial"
        old_dir.mkdir()
        old_file = tmp_path / ".2025-03-03.parquet.1-dead.partial"
        old_file.write_text("half")
        for path in (old_dir, old_file):
            os.utime(path, (time.time() - 7200, time.time() - 7200))
        remove_stale_scratch(tmp_path)
        assert live.is_dir() and kept.read_text() == "kept"
        assert not old_dir.exists() and not old_file.exists()
    assert not live.exists()  # removed on leaving
