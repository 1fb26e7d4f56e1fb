"""What the warehouse was built from (`<home>/warehouse/state.json`), to rebuild only what changed.

Each computed day records the lake directory it was read from; a re-delivered date has a new
directory, so its day, its month and the FIFO lots are rebuilt, and nothing else.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

from brokerlens.atomic import write_text_atomically


@dataclass
class LotState:
    days: dict[str, str] = field(default_factory=dict)  # date -> lake dirname, processed
    batches: list[str] = field(default_factory=list)  # file stems under lots/buys, lots/pieces
    counters: str | None = None  # file under lots/state/
    open: str | None = None


@dataclass
class WarehouseState:
    days: dict[str, str] = field(default_factory=dict)  # customer_day date -> lake dirname
    day_files: dict[str, list[str]] = field(default_factory=dict)  # file stem -> its dates
    months: dict[str, str] = field(default_factory=dict)  # YYYY-MM-01 -> fingerprint of its days
    lots: LotState = field(default_factory=LotState)


def read_state(path: Path) -> WarehouseState:
    if not path.exists():
        return WarehouseState()
    raw = json.loads(path.read_text("utf-8"))
    return WarehouseState(
        days=raw.get("days", {}),
        day_files=raw.get("day_files", {}),
        months=raw.get("months", {}),
        lots=LotState(**raw.get("lots", {})),
    )


def write_state(path: Path, state: WarehouseState) -> None:
    """Write the whole state and swap it in, so a crash leaves the previous state intact."""
    write_text_atomically(path, json.dumps(asdict(state), indent=1, sort_keys=True))


def fingerprint(dirnames: list[str]) -> str:
    return hashlib.sha256("\n".join(sorted(dirnames)).encode()).hexdigest()[:16]
