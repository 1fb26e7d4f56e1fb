"""KPI scheme files, versioned like the classification catalog, under `<home>/kpi/`:

- `versions/NNNN.yaml`: each applied file, byte for byte, never rewritten;
- `history.jsonl`: one record per apply (version, sha256, applied_by, applied_at, note);
- `schemes.yaml`: the active file, replaced atomically. No file: the shipped default
  (`default_schemes.yaml`, version "default").
Applies are serialised by an flock on `.apply.lock`, so two never take the same number.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import hashlib
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from brokerlens.atomic import write_text_atomically
from brokerlens.brokers.kpi.errors import SchemeError
from brokerlens.brokers.kpi.model import SchemeFile
from brokerlens.config import Settings
from brokerlens.errors import NotFound
from brokerlens.settings_file import YamlProblem, read_yaml

DEFAULT_NAME = "default_schemes.yaml"
DEFAULT_VERSION = "default"


@dataclass(frozen=True)
class VersionRecord:
    version: int
    sha256: str
    applied_by: str
    applied_at: str  # ISO 8601, UTC
    note: str | None = None


def kpi_dir(settings: Settings) -> Path:
    return settings.home / "kpi"


def active_path(settings: Settings) -> Path:
    return kpi_dir(settings) / "schemes.yaml"


def _history_path(settings: Settings) -> Path:
    return kpi_dir(settings) / "history.jsonl"


def _version_path(settings: Settings, version: int) -> Path:
    return kpi_dir(settings) / "versions" / f"{version:04d}.yaml"


def default_text() -> str:
    return resources.files("brokerlens.brokers.kpi").joinpath(DEFAULT_NAME).read_text("utf-8")


def sha256_of(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def parse_schemes(text: str, file: str) -> SchemeFile:
    """A checked scheme file from YAML text; `file` names it in every error."""
    try:
        data = read_yaml(text)
    except YamlProblem as exc:
        raise SchemeError(f"{file}{exc.where()}: not valid YAML: {exc.problem}") from None
    if not isinstance(data, dict):
        raise SchemeError(f"{file}: expected a mapping with `schemes:` at the top")
    try:
        return SchemeFile.model_validate(data)
    except ValidationError as exc:
        raise SchemeError(f"{file}: {_describe(exc, data)}") from None


def active_text(settings: Settings) -> str:
    path = active_path(settings)
    return path.read_text("utf-8") if path.exists() else default_text()


def load_active(settings: Settings) -> SchemeFile:
    path = active_path(settings)
    return parse_schemes(active_text(settings), str(path) if path.exists() else DEFAULT_NAME)


def history(settings: Settings) -> list[VersionRecord]:
    """Every applied version, oldest first."""
    path = _history_path(settings)
    if not path.exists():
        return []
    lines = path.read_text("utf-8").splitlines()
    return [VersionRecord(**json.loads(line)) for line in lines if line.strip()]


def version_text(settings: Settings, version: str) -> str:
    """The YAML of a version: `default` (shipped), a number, or `active`."""
    if version == "active":
        return active_text(settings)
    if version == DEFAULT_VERSION:
        return default_text()
    path = _version_path(settings, int(version)) if version.isdigit() else None
    if path is None or not path.exists():
        raise NotFound(
            f"no KPI scheme version {version[:20]!r}", hint="see `brokerlens kpi schemes`"
        )
    return path.read_text("utf-8")


def active_version(settings: Settings) -> str:
    """The active schemes' version: its number, `default`, or `local-<sha>` (a hand-placed
    file no apply recorded)."""
    path = active_path(settings)
    if not path.exists():
        return DEFAULT_VERSION
    digest = sha256_of(path.read_text("utf-8"))
    matches = [r.version for r in history(settings) if r.sha256 == digest]
    return str(matches[-1]) if matches else f"local-{digest[:8]}"


def apply_text(
    settings: Settings, text: str, source: str, *, user: str, note: str | None = None
) -> VersionRecord:
    """Validate the YAML `text`, store it as the next version, record it, make it active."""
    parse_schemes(text, source)
    with _apply_lock(settings):
        number = max((r.version for r in history(settings)), default=0) + 1
        target = _version_path(settings, number)
        target.parent.mkdir(parents=True, exist_ok=True)
        with target.open("x", encoding="utf-8") as out:  # "x": never overwrite a kept version
            out.write(text)
        now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        record = VersionRecord(number, sha256_of(text), user, now, note)
        with _history_path(settings).open("a", encoding="utf-8") as log:
            log.write(json.dumps(asdict(record), ensure_ascii=False) + "\n")
            log.flush()
            os.fsync(log.fileno())
        write_text_atomically(active_path(settings), text, sync=True)
    return record


@contextmanager
def _apply_lock(settings: Settings) -> Iterator[None]:
    kpi_dir(settings).mkdir(parents=True, exist_ok=True)
    fd = os.open(kpi_dir(settings) / ".apply.lock", os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def _describe(exc: ValidationError, data: dict[str, Any]) -> str:
    problems = []
    for error in exc.errors():
        loc = list(error["loc"])
        parts = []
        if loc[:1] == ["schemes"] and len(loc) > 1 and isinstance(loc[1], int):
            parts.append(_position(data, loc[1]))
            loc = loc[2:]
            if loc[:1] == ["metrics"] and len(loc) > 1 and isinstance(loc[1], int):
                parts.append(f"metric {loc[1] + 1}")
                loc = loc[2:]
        if loc:
            parts.append(f"field `{'.'.join(map(str, loc))}`")
        where = ", ".join(parts) or "top level"
        message = str(error["msg"]).removeprefix("Value error, ")
        problems.append(f"{where}: {message}")
    return "; ".join(problems)


def _position(data: dict[str, Any], index: int) -> str:
    try:
        return f"scheme {data['schemes'][index]['position']!r}"
    except (KeyError, IndexError, TypeError):
        return f"scheme #{index + 1}"
