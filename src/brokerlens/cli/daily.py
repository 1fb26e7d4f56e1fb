"""`brokerlens daily INBOX`: the scheduled day-end job (ingest new dates, run, publish, count)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from brokerlens.cli.ingest import AllowGap, Threshold
from brokerlens.cli.main import app, settings_of
from brokerlens.console import console

if TYPE_CHECKING:
    from brokerlens.daily import StepLine

PHASES_ZH = {"ingest": "入库", "run": "计算", "publish": "发布", "segments": "客户群计数"}


def _line(line: StepLine) -> None:
    rows = "" if line.rows is None else f"{line.rows:,} 行"
    note = f"  {line.note}" if line.note else ""
    console.print(
        f"{dt.datetime.now():%H:%M:%S} {PHASES_ZH.get(line.phase, line.phase)} "
        f"{line.name}  {line.seconds:.2f} s  {rows}  峰值内存 {line.peak_rss_mb:,} MB{note}",
        highlight=False,
        soft_wrap=True,
    )


@app.command()
def daily(
    ctx: typer.Context,
    inbox: Annotated[Path, typer.Argument(help="The inbox the counter's day-end exports land in.")],
    allow_gap: AllowGap = False,
    threshold: Threshold = None,
    engine: Annotated[
        str, typer.Option("--engine", help="SQL engine of the run: duckdb or spark.")
    ] = "duckdb",
) -> None:
    """The day-end job: load the inbox's new dates, compute as of the newest, publish it and
    count the saved segments; one line per date and step as it finishes, and a JSON report
    in <home>/runs/. A run killed anywhere is finished by running it again.

    Exit codes (docs/operations.md):
    0 done;
    1 done, some rows quarantined;
    2 stopped on an error (fix it and run again: it resumes);
    3 a date was rejected (the newest good date is published);
    4 another daily run is running (nothing done);
    5 nothing new in the inbox (nothing done).
    """
    from brokerlens.daily import EXIT_CODES, run_daily

    settings = settings_of(ctx)
    report = run_daily(
        settings, inbox, allow_gap=allow_gap, threshold=threshold, engine=engine, progress=_line
    )
    if report.resumed:
        console.print(f"continued an interrupted run (already done: {', '.join(report.resumed)})")
    loaded = len(report.dates_loaded)
    console.print(
        f"{loaded} new date(s) loaded, {len(report.dates_rejected)} rejected, "
        f"{report.already_loaded} already in the lake; as of {report.as_of}: "
        f"{EXIT_CODES[report.exit_code]} in {report.seconds:.1f} s, "
        f"peak memory {report.peak_rss_mb:,} MB",
        highlight=False,
    )
    console.print(f"report: {report.path}", highlight=False, soft_wrap=True)
    if report.exit_code:
        raise typer.Exit(report.exit_code)
