"""`run_daily`: the one job a data centre schedules after the counter's day-end export.

1. ingest every date of the inbox the lake lacks, oldest first (each date all or nothing);
2. run every registered step as of the newest loaded date (incrementally: the running
   aggregates carry on from the last run);
3. publish that date (readers switch from the old date to the new one in one flip); its
   profile table loads while the run's steps after `profile` still compute;
4. count every saved segment on it.

One run at a time (`<home>/runs/daily.lock`). A run killed anywhere is finished by the next
(journal.py says why that gives what an uninterrupted run gives). Every run, finished or not,
leaves `<home>/runs/daily-<started>.json`."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path

from brokerlens.access import refresh_groups
from brokerlens.config import Settings, memory_share
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
from brokerlens.publish import Publishing
from brokerlens.store import open_store

Progress = Callable[[StepLine], None]

PROFILE_STEP = "profile"  # the run step whose output the publish loads
# DuckDB's cap while the publish loads beside the run: a share to each, together under the cap
# (the run's own Arrow tables and SQLite's cache come on top, hence not a full split).
RUN_SHARE = 0.6
PUBLISH_SHARE = 0.25


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
    printing = threading.Lock()  # the publish reports from its own thread beside the run

    def emit(line: StepLine) -> None:
        with printing:
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

    # 2. run every step as of the newest date; 3. publish it: readers see the previous date
    # until the flip, then this one. The publish loads the new profile table while the run's
    # steps after `profile` compute (they share DuckDB's memory cap meanwhile), and flips once
    # the run is done: a publish killed or failed before the flip leaves nothing served.
    def publish_step(name: str, seconds: float) -> None:
        emit(StepLine("publish", name, seconds, None, "", peak_rss_mb()))

    early: Publishing | None = None
    if "run" not in journal.done:

        def step_done(outcome: StepOutcome) -> None:
            nonlocal early
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
            if outcome.name == PROFILE_STEP and "publish" not in journal.done:
                try:
                    early = Publishing(
                        settings,
                        as_of=latest,
                        on_step=publish_step,
                        memory_limit=memory_share(settings.duckdb_memory, PUBLISH_SHARE),
                    )
                except Exception:  # the publish after the run meets it again and says so
                    return
                early.prepare_in_background()

        def memory() -> str:
            if early is None or early.prepared():
                return settings.duckdb_memory
            return memory_share(settings.duckdb_memory, RUN_SHARE)

        try:
            run_pipeline(settings, as_of=latest, engine=engine, on_step=step_done, memory=memory)
        except BaseException:
            if early is not None:
                early.cancel()
            raise
        journal.mark(journal_path, "run")

    if "publish" not in journal.done:
        if early is None:
            early = Publishing(settings, as_of=latest, on_step=publish_step)
            early.prepare()
        published = early.finish()
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
