"""What a daily run did: one line per date and step as it finishes, and the JSON run report
kept under `<home>/runs/` (what a scheduler or a monitoring check reads)."""

from __future__ import annotations

import datetime as dt
import json
import os
import resource
from dataclasses import asdict, dataclass, field
from pathlib import Path

from brokerlens.atomic import write_text_atomically

# The exit codes a scheduler acts on (docs/operations.md).
EXIT_OK = 0  # every new date loaded clean, computed and published
EXIT_QUARANTINE = 1  # done, but some rows were quarantined: look at them
EXIT_ERROR = 2  # stopped on an error (the message says what to do); run `daily` again after
EXIT_REJECTED = 3  # a date was rejected: the newest good date is computed and published
EXIT_BUSY = 4  # another daily run holds the lock: this one did nothing
EXIT_NOTHING_NEW = 5  # no new date in the inbox and the newest one is published already
EXIT_CODES = {
    EXIT_OK: "done",
    EXIT_QUARANTINE: "done, some rows quarantined",
    EXIT_ERROR: "stopped on an error; run it again once fixed (it resumes)",
    EXIT_REJECTED: "a date was rejected; the newest good date is published",
    EXIT_BUSY: "another daily run is running; nothing done",
    EXIT_NOTHING_NEW: "nothing new in the inbox; nothing done",
}


def peak_rss_mb() -> int:
    """The peak resident memory of this process (and any child it waited for), in MB."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return round(max(own, children) / 1024)  # Linux reports KB


@dataclass(frozen=True)
class StepLine:
    """One finished piece of work: a loaded date, a run step, the publish, the counts."""

    phase: str  # ingest | run | publish | segments
    name: str
    seconds: float
    rows: int | None = None
    note: str = ""
    peak_rss_mb: int = 0


@dataclass
class DailyReport:
    inbox: str
    started_at: str
    as_of: str | None = None
    status: str = "running"  # done | quarantined | rejected | failed | nothing new
    exit_code: int = EXIT_OK
    resumed: list[str] = field(default_factory=list)  # phases an interrupted run had finished
    dates_loaded: list[str] = field(default_factory=list)
    dates_rejected: list[str] = field(default_factory=list)
    already_loaded: int = 0
    steps: list[StepLine] = field(default_factory=list)
    snapshot_id: int | None = None
    segments_counted: int | None = None
    error: str | None = None
    finished_at: str | None = None
    seconds: float = 0.0
    peak_rss_mb: int = 0
    path: str | None = None  # where this report is kept

    def phase_seconds(self) -> dict[str, float]:
        totals: dict[str, float] = {}
        for line in self.steps:
            totals[line.phase] = round(totals.get(line.phase, 0.0) + line.seconds, 2)
        return totals

    def write(self, runs_dir: Path) -> Path:
        stamp = self.started_at.replace("-", "").replace(":", "")[:15]
        path = runs_dir / f"daily-{stamp}-{os.getpid()}.json"
        self.path = str(path)
        body = asdict(self)
        body["phase_seconds"] = self.phase_seconds()
        write_text_atomically(path, json.dumps(body, ensure_ascii=False, indent=1) + "\n")
        return path


def now_iso() -> str:
    return dt.datetime.now().isoformat(timespec="seconds")
