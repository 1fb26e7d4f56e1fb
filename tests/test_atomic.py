"""brokerlens.atomic: a file or a directory is swapped in whole, or not at all."""

from __future__ import annotations

from pathlib import Path

import pytest

from brokerlens.atomic import atomic_dir, atomic_file, write_text_atomically


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
