"""Where an interrupted daily run stopped: `<home>/runs/daily-journal.json`.

It names the date being brought out, the lake it was computed from (the catalog's hash: a date
loaded or delivered again since makes it stale) and the phases finished. Each phase is written
atomically and only after it finished, and each phase is safe to repeat (the lake commits a
date whole, the warehouse replaces files whole, a publish flips whole), so a run killed anywhere
repeats at most the phase it was in and ends where an uninterrupted run would."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

from brokerlens.atomic import write_text_atomically
from brokerlens.lake.catalog import read_catalog
from brokerlens.lake.layout import LakeLayout

PHASES = ("run", "publish", "segments")


def lake_fingerprint(lake_dir: Path) -> str:
    """A hash of the lake's catalog: which dates are loaded, from which delivery."""
    text = read_catalog(LakeLayout(lake_dir)).to_json()
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


@dataclass
class Journal:
    as_of: str
    lake: str
    done: list[str] = field(default_factory=list)
    snapshot_id: int | None = None

    def finished(self) -> bool:
        return all(phase in self.done for phase in PHASES)

    def mark(self, path: Path, phase: str) -> None:
        if phase not in self.done:
            self.done.append(phase)
        write_text_atomically(path, json.dumps(asdict(self), indent=1) + "\n", sync=True)


def read_journal(path: Path, as_of: dt.date, lake: str) -> Journal:
    """The journal of bringing out `as_of` from this lake, or a fresh one: a journal of another
    date or lake, or an unreadable one, counts for nothing."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        journal = Journal(
            as_of=str(raw["as_of"]),
            lake=str(raw["lake"]),
            done=[str(p) for p in raw.get("done", []) if p in PHASES],
            snapshot_id=raw.get("snapshot_id"),
        )
    except (OSError, ValueError, KeyError, TypeError):
        return Journal(as_of.isoformat(), lake)
    if journal.as_of != as_of.isoformat() or journal.lake != lake:
        return Journal(as_of.isoformat(), lake)
    return journal
