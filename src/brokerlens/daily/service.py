"""`run_daily`: the one job a data centre schedules after the counter's day-end export.

1. ingest every date of the inbox the lake lacks, oldest first (each date all or nothing);
2. run every registered step as of the newest loaded date (incrementally: the running
   aggregates carry on from the last run);
3. publish that date (readers switch from the old date to the new one in one flip);
4. count every saved segment on it.

One run at a time (`<home>/runs/daily.lock`). A run killed anywhere is finished by the next
(journal.py says why that gives what an uninterrupted run gives). Every run, finished or not,
leaves `<home>/runs/daily-<started>.json`."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from brokerlens.access import refresh_groups
from brokerlens.config import Settings
from brokerlens.daily.journal import lake_fingerprint, read_journal
from brokerlens.daily.report import (
    EXIT_ERROR,
    EXIT_NOTHING_NEW,
    EXIT_QUARANTINE,
    EXIT_REJECTED,
    DailyReport,
    StepLine,
    now_iso,
    peak_rss_mb,
)
from brokerlens.errors import BrokerlensError, LakeError, RunBusy
from brokerlens.ingest import DateResult, ingest_inbox
from brokerlens.ingest.summary import LOADED_WITH_QUARANTINE, REJECTED
from brokerlens.lake.catalog import read_catalog
from brokerlens.lake.layout import LakeLayout
from brokerlens.lake.lock import file_lock
from brokerlens.pipeline import StepOutcome, run_pipeline
from brokerlens.publish import publish
from brokerlens.store import open_store

Progress = Callable[[StepLine], None]


def _busy(lock: Path) -> Callable[[str], BrokerlensError]:
    def busy(holder: str) -> BrokerlensError:
        return RunBusy(
            f"another daily run is running on this home (pid {holder}, lock {lock})",
            hint="nothing was done; the lock goes when that run ends (or is killed)",
        )

    return busy


def run_daily(
    settings: Settings,
    inbox: Path,
    *,
    allow_gap: bool = False,
    threshold: float | None = None,
    engine: str = "duckdb",
    progress: Progress | None = None,
) -> DailyReport:
    """Bring the home up to the inbox's newest date; see the module docstring. Raises
    `RunBusy` when another run holds the lock, a `BrokerlensError` when a phase fails (its
    report says which, and the next run resumes there)."""
    runs = settings.runs_dir
    lock = runs / "daily.lock"
    report = DailyReport(inbox=str(inbox), started_at=now_iso())
    began = time.perf_counter()
    with file_lock(lock, _busy(lock)):
        try:
            _run(settings, inbox, report, allow_gap, threshold, engine, progress)
        except BaseException as exc:  # a failure leaves its report too, and says where it is
            report.status, report.exit_code = "failed", EXIT_ERROR
            report.error = f"{exc.__class__.__name__}: {exc}"
            if isinstance(exc, BrokerlensError):
                report.exit_code, report.error = exc.exit_code, str(exc)
            path = _finish(report, runs, began)
            if isinstance(exc, BrokerlensError):
                where = f"this run's report: {path}"
                exc.hint = f"{exc.hint}; {where}" if exc.hint else where
            raise
        _finish(report, runs, began)
    return report


def _finish(report: DailyReport, runs: Path, began: float) -> Path:
    report.finished_at = now_iso()
    report.seconds = round(time.perf_counter() - began, 2)
    report.peak_rss_mb = peak_rss_mb()
    return report.write(runs)


def _run(
    settings: Settings,
    inbox: Path,
    report: DailyReport,
    allow_gap: bool,
    threshold: float | None,
    engine: str,
    progress: Progress | None,
) -> None:
    def emit(line: StepLine) -> None:
        report.steps.append(line)
        if progress is not None:
            progress(line)

    # 1. ingest: only the dates the lake lacks (a re-run after a kill skips those committed).
    def loaded(date: DateResult) -> None:
        day = date.day.isoformat()
        (report.dates_rejected if date.status == REJECTED else report.dates_loaded).append(day)
        note = date.status if date.reason is None else f"{date.status}: {date.reason}"
        seconds = round(date.duration_s, 2)
        emit(StepLine("ingest", day, seconds, date.rows_loaded, note, peak_rss_mb()))

    ingested = ingest_inbox(
        settings, inbox, allow_gap=allow_gap, threshold=threshold, new_only=True, on_date=loaded
    )
    report.already_loaded = ingested.already_loaded
    latest = read_catalog(LakeLayout(settings.lake_dir)).latest
    if latest is None:
        raise LakeError(
            "the lake holds no loaded date, so there is nothing to compute",
            hint="look at the rejected dates above, fix the inbox and run `daily` again",
        )
    report.as_of = latest.isoformat()
    journal_path = settings.runs_dir / "daily-journal.json"
    journal = read_journal(journal_path, latest, lake_fingerprint(settings.lake_dir))
    if journal.finished() and not report.dates_loaded:
        report.status, report.exit_code = "nothing new", EXIT_NOTHING_NEW
        if report.dates_rejected:
            report.status, report.exit_code = "rejected", EXIT_REJECTED
        return
    report.resumed = list(journal.done)

    # 2. run every step as of the newest date.
    if "run" not in journal.done:

        def step_done(outcome: StepOutcome) -> None:
            emit(
                StepLine(
                    "run",
                    outcome.name,
                    outcome.seconds,
                    outcome.result.rows,
                    outcome.result.note,
                    peak_rss_mb(),
                )
            )

        run_pipeline(settings, as_of=latest, engine=engine, on_step=step_done)
        journal.mark(journal_path, "run")

    # 3. publish it: readers see the previous date until the flip, then this one.
    if "publish" not in journal.done:
        published = publish(
            settings,
            as_of=latest,
            on_step=lambda name, seconds: emit(
                StepLine("publish", name, seconds, None, "", peak_rss_mb())
            ),
        )
        journal.snapshot_id = published.snapshot_id
        journal.mark(journal_path, "publish")
        emit(
            StepLine(
                "publish",
                "published",
                0.0,
                published.rows,
                f"snapshot {published.snapshot_id}, {published.changes:,} changes",
                peak_rss_mb(),
            )
        )
    report.snapshot_id = journal.snapshot_id

    # 4. the saved segments' counts and the groups' membership on the new date.
    if "segments" not in journal.done:
        clock = time.perf_counter()
        # issue 25: every dynamic group's membership as of T and who entered / left, then
        # every segment's count (a dynamic group's from its membership)
        _, counted = refresh_groups(open_store(settings), settings)
        report.segments_counted = counted
        emit(
            StepLine(
                "segments",
                "counts",
                round(time.perf_counter() - clock, 2),
                counted,
                "",
                peak_rss_mb(),
            )
        )
        journal.mark(journal_path, "segments")

    if report.dates_rejected:
        report.status, report.exit_code = "rejected", EXIT_REJECTED
    elif any(d.status == LOADED_WITH_QUARANTINE for d in ingested.dates):
        report.status, report.exit_code = "quarantined", EXIT_QUARANTINE
    else:
        report.status = "done"
