"""Catalog versions under `<home>/catalog/`: every applied file kept, the active one swapped in.

- `versions/NNNN.yaml`: each applied file, byte for byte, never rewritten.
- `history.jsonl`: one record per apply (version, sha256, applied_by, applied_at, note).
- `catalog.yaml`: the active file, replaced atomically (write beside, then rename).
Applies are serialised by an flock on `.apply.lock`, so two never take the same number.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import getpass
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path

from brokerlens.atomic import write_text_atomically
from brokerlens.classify.errors import CatalogError, UnknownName
from brokerlens.classify.loader import (
    active_path,
    load_active_catalog,
    load_catalog,
    load_default_catalog,
    parse_catalog,
    sha256_of,
)
from brokerlens.classify.model import Catalog
from brokerlens.config import Settings
from brokerlens.indicators import load_indicators


@dataclass(frozen=True)
class VersionRecord:
    version: int
    sha256: str
    applied_by: str
    applied_at: str  # ISO 8601, UTC
    note: str | None = None


def history_path(settings: Settings) -> Path:
    return settings.catalog_dir / "history.jsonl"


def version_path(settings: Settings, version: int) -> Path:
    return settings.catalog_dir / "versions" / f"{version:04d}.yaml"


def history(settings: Settings) -> list[VersionRecord]:
    """Every applied version, oldest first."""
    path = history_path(settings)
    if not path.exists():
        return []
    lines = path.read_text("utf-8").splitlines()
    return [VersionRecord(**json.loads(line)) for line in lines if line.strip()]


def load_version(settings: Settings, version: int | None) -> Catalog:
    """A stored version; 0 is the shipped default; None is the active catalog."""
    if version is None:
        path = active_path(settings)
        return load_active_catalog(settings)
    if version == 0:
        return load_default_catalog()
    path = version_path(settings, version)
    if not path.exists():
        raise UnknownName(f"no catalog version {version}", hint="see `brokerlens catalog history`")
    return load_catalog(path, load_indicators(settings))


def catalog_version(settings: Settings) -> str:
    """A short id of the active catalog: its version number, `default`, or `local-<sha>`."""
    path = active_path(settings)
    if not path.exists():
        return "default"
    digest = sha256_of(path.read_text("utf-8"))
    matches = [r.version for r in history(settings) if r.sha256 == digest]
    return str(matches[-1]) if matches else f"local-{digest[:8]}"


def apply_catalog(
    settings: Settings, path: Path, *, user: str | None = None, note: str | None = None
) -> VersionRecord:
    """Validate `path`, store it as the next version, record it, and make it active."""
    try:
        text = path.read_text("utf-8")
    except OSError as exc:
        raise CatalogError(f"{path}: cannot read the catalog file: {exc.strerror}") from None
    return apply_catalog_text(settings, text, str(path), user=user, note=note)


def apply_catalog_text(
    settings: Settings, text: str, source: str, *, user: str | None = None, note: str | None = None
) -> VersionRecord:
    """`apply_catalog` of a catalog's YAML text; `source` names it in a validation error."""
    parse_catalog(text, source, load_indicators(settings))
    with _apply_lock(settings):
        number = max((r.version for r in history(settings)), default=0) + 1
        target = version_path(settings, number)
        target.parent.mkdir(parents=True, exist_ok=True)
        with target.open("x", encoding="utf-8") as out:  # "x": never overwrite a kept version
            out.write(text)
        record = VersionRecord(number, sha256_of(text), user or _os_user(), _now(), note)
        with history_path(settings).open("a", encoding="utf-8") as log:
            log.write(json.dumps(asdict(record), ensure_ascii=False) + "\n")
            log.flush()
            os.fsync(log.fileno())
        write_text_atomically(active_path(settings), text, sync=True)
    return record


@contextmanager
def _apply_lock(settings: Settings) -> Iterator[None]:
    settings.catalog_dir.mkdir(parents=True, exist_ok=True)
    fd = os.open(settings.catalog_dir / ".apply.lock", os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)  # applies are short: wait for the other one
        yield
    finally:
        os.close(fd)


def _os_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
