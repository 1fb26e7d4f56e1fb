"""Exclusive locks that die with their holder: an flock on a file holding the owner's pid.

`lake_lock` keeps one ingest at a time on a lake (`<lake>/.ingest.lock`); the daily job takes
its own (`<home>/runs/daily.lock`) with `file_lock`. The kernel releases a flock when its process
dies, so a killed ingest or daily run never leaves a stale lock.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from brokerlens.errors import BrokerlensError, LakeError
from brokerlens.lake.layout import LakeLayout


@contextmanager
def file_lock(path: Path, busy: Callable[[str], BrokerlensError]) -> Iterator[None]:
    """Hold an exclusive lock on `path` (created if need be); when another process holds it,
    raise `busy(<its pid>)` at once rather than wait."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 64, 0).decode("ascii", "replace").strip() or "unknown"
            raise busy(holder) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode("ascii"), 0)
        try:
            yield
        finally:
            os.ftruncate(fd, 0)
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


@contextmanager
def lake_lock(layout: LakeLayout) -> Iterator[None]:
    def busy(holder: str) -> BrokerlensError:
        return LakeError(
            f"another ingest is running on this lake (pid {holder}, lock {layout.lock_path})",
            hint="wait for it to finish; the lock is released automatically when it ends",
        )

    with file_lock(layout.lock_path, busy):
        yield
