"""`brokerlens ingest INBOX`: load the inbox's date folders into the lake."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from brokerlens.cli.main import app, settings_of
from brokerlens.console import console
from brokerlens.errors import LakeError

# The options `daily` shares with `ingest`.
AllowGap = Annotated[
    bool, typer.Option("--allow-gap", help="Load a date even after missing trading days.")
]
Threshold = Annotated[
    float | None,
    typer.Option(
        min=0.0,
        max=1.0,
        help="Share of a feed's rows that may be quarantined before its date is rejected "
        "[default: BROKERLENS_QUARANTINE_THRESHOLD or 0.01].",
    ),
]


@app.command()
def ingest(
    ctx: typer.Context,
    inbox: Annotated[Path, typer.Argument(help="Folder holding one YYYY-MM-DD folder per date.")],
    allow_gap: AllowGap = False,
    threshold: Threshold = None,
) -> None:
    """Validate and load daily feed folders into the lake, oldest first; each date all or nothing.

    Bad rows go to quarantine (see `brokerlens sql "select * from quarantine"`); a date with an
    unparseable file, a missing column, a manifest mismatch, too many bad rows, a non-trading
    day or a gap before it is rejected and nothing of it becomes visible. Delivering a date
    again replaces it.

    Exit codes: 0 every date loaded clean; 1 loaded, with rows quarantined; 3 some date
    rejected; 2 an error (nothing loaded).
    """
    from brokerlens.ingest import ingest_inbox
    from brokerlens.ingest.summary import date_table, feed_table

    try:
        report = ingest_inbox(settings_of(ctx), inbox, allow_gap=allow_gap, threshold=threshold)
    except OSError as exc:  # disk full, permissions ...: a clear message, not a traceback
        raise LakeError(f"the ingest stopped: {exc}", hint="the lake is unchanged") from exc
    console.print(feed_table(report))
    console.print(date_table(report))
    loaded = len(report.dates) - len(report.rejected)
    console.print(
        f"{loaded} date(s) loaded, {len(report.rejected)} rejected, "
        f"{sum(d.rows_quarantined for d in report.dates):,} row(s) quarantined"
    )
    if report.exit_code:
        raise typer.Exit(report.exit_code)
