"""Atomic writes: a file or a directory is written beside its target and swapped in whole.

Every file under `<home>/warehouse` (and the catalog's active file) is written this way, so a
reader sees the old file or the new one, never half of one, and a crash leaves no partial file
under the real name. Scratch names start with a dot, so globbing for kept files skips them.
"""

from __future__ import annotations

import os
import shutil
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def _scratch(path: Path) -> Path:
    return path.with_name(f".{path.name}.{os.getpid()}-{uuid.uuid4().hex[:8]}.partial")


@contextmanager
def atomic_file(path: Path) -> Iterator[Path]:
    """Yield a scratch path beside `path` to write; on success it replaces `path`, on an error
    it is removed and `path` is left as it was."""
    path.parent.mkdir(parents=True, exist_ok=True)
    scratch = _scratch(path)
    try:
        yield scratch
        os.replace(scratch, path)
    except BaseException:
        scratch.unlink(missing_ok=True)
        raise


@contextmanager
def atomic_dir(path: Path, *, replace: bool = True) -> Iterator[Path]:
    """Yield a new scratch directory beside `path` to fill; on success it becomes `path` (an
    existing `path` is replaced when `replace`, else FileExistsError), on an error it is removed."""
    path.parent.mkdir(parents=True, exist_ok=True)
    scratch = _scratch(path)
    scratch.mkdir()
    try:
        yield scratch
        if path.exists():
            if not replace:
                raise FileExistsError(path)
            old = _scratch(path)
            os.replace(path, old)
            os.replace(scratch, path)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(scratch, path)
    except BaseException:
        shutil.rmtree(scratch, ignore_errors=True)
        raise


@contextmanager
def scratch_dir(parent: Path) -> Iterator[Path]:
    """A scratch folder in `parent` for one job's temporary files, removed on leaving (one a
    killed job left is removed by `remove_stale_scratch`)."""
    parent.mkdir(parents=True, exist_ok=True)
    path = _scratch(parent / "work")
    path.mkdir()
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def remove_stale_scratch(folder: Path, older_than_s: float = 3600.0) -> None:
    """Remove the scratch files and folders a killed process left in `folder`, those older
    than `older_than_s` (a live job's scratch is younger)."""
    stale = time.time() - older_than_s
    for path in folder.glob(".*.partial"):
        try:
            if path.stat().st_mtime >= stale:
                continue
        except OSError:
            continue
        if path.is_dir():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)


def write_text_atomically(path: Path, text: str, *, sync: bool = False) -> None:
    """Replace `path` with `text` (UTF-8) atomically; `sync` flushes it to disk first."""
    with atomic_file(path) as scratch, scratch.open("w", encoding="utf-8") as out:
        out.write(text)
        if sync:
            out.flush()
            os.fsync(out.fileno())
