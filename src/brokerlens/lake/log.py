"""The append-only ingest log (`<lake>/ingest_log.jsonl`): one line per date load attempt.

It records rejected attempts too, which the catalog (only loaded dates) cannot.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field

from brokerlens.lake.layout import LakeLayout

# Column types of the `ingest_log` view (read_json needs them explicitly).
LOG_COLUMNS: dict[str, str] = {
    "business_date": "DATE",
    "status": "VARCHAR",
    "rows_loaded": "BIGINT",
    "rows_quarantined": "BIGINT",
    "feeds": "JSON",
    "reason": "VARCHAR",
    "started_at": "TIMESTAMP",
    "finished_at": "TIMESTAMP",
    "duration_s": "DOUBLE",
}


@dataclass
class LogRecord:
    business_date: str
    status: str  # loaded | loaded_with_quarantine | rejected
    rows_loaded: int
    rows_quarantined: int
    started_at: str
    finished_at: str
    duration_s: float
    reason: str | None = None
    feeds: dict[str, dict[str, int]] = field(default_factory=dict)


def append_log(layout: LakeLayout, record: LogRecord) -> None:
    layout.root.mkdir(parents=True, exist_ok=True)
    line = json.dumps(asdict(record), ensure_ascii=False, sort_keys=True)
    with layout.log_path.open("a", encoding="utf-8") as fh:
        fh.write(line + "\n")
        fh.flush()
        os.fsync(fh.fileno())
