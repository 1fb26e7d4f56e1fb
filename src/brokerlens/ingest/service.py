"""`ingest_inbox`: load every date folder of an inbox into the lake, in trading-calendar order."""

from __future__ import annotations

import datetime as dt
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from brokerlens.config import Settings
from brokerlens.console import progress_over
from brokerlens.errors import ConfigError, DateRejected, InputError
from brokerlens.ingest.discover import check_calendar, discover_dates
from brokerlens.ingest.load import IngestSession, stage_date
from brokerlens.ingest.summary import REJECTED, DateResult, IngestReport
from brokerlens.lake.catalog import read_catalog
from brokerlens.lake.commit import collect_garbage, commit_date
from brokerlens.lake.layout import LakeLayout
from brokerlens.lake.lock import lake_lock
from brokerlens.lake.log import LogRecord, append_log


def ingest_inbox(
    settings: Settings,
    inbox: Path,
    *,
    allow_gap: bool = False,
    threshold: float | None = None,
    new_only: bool = False,
    on_date: Callable[[DateResult], None] | None = None,
) -> IngestReport:
    """Load the inbox's date folders, oldest first; each date is all-or-nothing.

    A date is rejected (nothing of it visible) when a file cannot be parsed, lacks a column,
    breaks its manifest, quarantines more than `threshold` of a feed's rows, is not a trading
    day, or follows a gap of trading days (unless `allow_gap`). A rejected date leaves a gap,
    so the dates after it are refused too. Re-delivering a loaded date replaces it, unless
    `new_only` (the daily job): then the dates the lake holds already are left alone and only
    those it lacks are loaded. `on_date` hears of each date as it is loaded or rejected.
    """
    limit = settings.quarantine_threshold if threshold is None else threshold
    if not 0.0 <= limit <= 1.0:
        raise ConfigError(f"threshold {limit} must be between 0 and 1", hint="e.g. 0.01 for 1%")
    folders = discover_dates(inbox)
    if not folders:
        raise InputError(
            "the inbox holds no date folders", file=str(inbox), hint="expected <inbox>/YYYY-MM-DD/"
        )
    layout = LakeLayout(settings.lake_dir)
    report = IngestReport(str(inbox))
    with lake_lock(layout):
        catalog = read_catalog(layout)
        report.garbage_collected = collect_garbage(layout, catalog)
        if new_only:
            report.already_loaded = sum(f.day in catalog.dates for f in folders)
            folders = [f for f in folders if f.day not in catalog.dates]
        rejected: set[dt.date] = set()
        with (
            tempfile.TemporaryDirectory(prefix=".work-", dir=layout.root) as tmp,
            IngestSession(layout, Path(tmp), settings.duckdb_memory) as session,
        ):
            upcoming = iter([*folders[1:], None])
            for folder in progress_over(folders, len(folders), "ingest"):
                following = next(upcoming)
                started = dt.datetime.now()
                reason: str | None = None
                clock = time.perf_counter()
                try:
                    check_calendar(
                        folder.day, catalog.latest, allow_gap=allow_gap, rejected=rejected
                    )
                    entry = stage_date(session, catalog, folder, limit, following)
                    replaced = folder.day in catalog.dates
                    catalog = commit_date(layout, catalog, folder.day, entry)
                    session.committed(folder.day, entry)
                    result = DateResult(
                        folder.day,
                        entry.status,
                        {f: (c.loaded, c.quarantined) for f, c in entry.feeds.items()},
                        replaced=replaced,
                    )
                except DateRejected as exc:
                    session.discard()
                    rejected.add(folder.day)
                    result = DateResult(folder.day, REJECTED, reason=exc.message)
                    reason = str(exc).replace("\n", " ")
                result.duration_s = time.perf_counter() - clock
                append_log(
                    layout,
                    LogRecord(
                        business_date=folder.day.isoformat(),
                        status=result.status,
                        rows_loaded=result.rows_loaded,
                        rows_quarantined=result.rows_quarantined,
                        started_at=started.isoformat(sep=" ", timespec="seconds"),
                        finished_at=dt.datetime.now().isoformat(sep=" ", timespec="seconds"),
                        duration_s=round(result.duration_s, 3),
                        reason=reason,
                        feeds={
                            f: {"loaded": a, "quarantined": b} for f, (a, b) in result.feeds.items()
                        },
                    ),
                )
                report.dates.append(result)
                if on_date is not None:
                    on_date(result)
    return report
