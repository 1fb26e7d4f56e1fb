"""`brokerlens publish [--as-of T]`: serve a computed profile from the operational store."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Annotated

import typer

from brokerlens.cli.main import app, parse_date, settings_of
from brokerlens.config import Settings
from brokerlens.console import console

if TYPE_CHECKING:
    from brokerlens.publish import PublishReport


def report_line(report: object) -> str:
    from brokerlens.publish import PublishReport

    assert isinstance(report, PublishReport)
    return (
        f"published {report.rows:,} customers as of {report.as_of_date} in "
        f"{report.seconds:.2f} s (snapshot {report.snapshot_id}, table {report.table_name}; "
        f"{report.changes:,} changes, {len(report.scope_days)} new trend date(s); "
        f"{report.care:,} care message(s) to the outbox, "
        f"{report.campaign_conversions:,} campaign conversion(s), "
        f"{report.callbacks:,} call-back task(s))"
    )


def publish_and_refresh(settings: Settings, as_of: dt.date | None) -> PublishReport:
    """Publish, then count every saved segment on the newly served date."""
    from brokerlens.access import refresh_groups
    from brokerlens.publish import publish
    from brokerlens.store import open_store

    report = publish(settings, as_of=as_of)
    console.print(report_line(report))
    grouped, counted = refresh_groups(open_store(settings), settings)  # issue 25
    console.print(f"refreshed the counts of {counted:,} segment(s) as of {report.as_of_date}")
    console.print(f"refreshed the membership of {grouped:,} group(s) as of {report.as_of_date}")
    return report


@app.command()
def publish(
    ctx: typer.Context,
    as_of: Annotated[
        str | None,
        typer.Option("--as-of", help="Computed date to publish [default: latest computed]."),
    ] = None,
) -> None:
    """Publish a computed profile and the reference data as of its date to the store."""
    report = publish_and_refresh(settings_of(ctx), parse_date(as_of, "--as-of"))
    if report.steps:  # seconds per step: where a slow publish spends its time
        console.print(
            "steps: " + ", ".join(f"{name} {sec:.2f} s" for name, sec in report.steps.items()),
            highlight=False,
        )
