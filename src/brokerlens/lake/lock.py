"""One ingest at a time: an exclusive flock on `<lake>/.ingest.lock` holding the owner's pid.

The kernel releases a flock when its process dies, so a killed ingest never leaves a stale lock.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager

from brokerlens.errors import LakeError
from brokerlens.lake.layout import LakeLayout


@contextmanager
def lake_lock(layout: LakeLayout) -> Iterator[None]:
    layout.root.mkdir(parents=True, exist_ok=True)
    fd = os.open(layout.lock_path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 64, 0).decode("ascii", "replace").strip() or "unknown"
            raise LakeError(
                f"another ingest is running on this lake (pid {holder}, lock {layout.lock_path})",
                hint="wait for it to finish; the lock is released automatically when it ends",
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode("ascii"), 0)
        try:
            yield
        finally:
            os.ftruncate(fd, 0)
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)
