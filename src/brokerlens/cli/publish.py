"""`brokerlens publish [--as-of T]`: serve a computed profile from the operational store."""

from __future__ import annotations

from typing import Annotated

import typer

import brokerlens.bench.serve  # noqa: F401  (registers the `serve` bench suite)
from brokerlens.cli.main import app, parse_date, settings_of
from brokerlens.console import console


def report_line(report: object) -> str:
    from brokerlens.publish import PublishReport

    assert isinstance(report, PublishReport)
    return (
        f"published {report.rows:,} customers as of {report.as_of_date} in "
        f"{report.seconds:.2f} s (snapshot {report.snapshot_id}, table {report.table_name}; "
        f"{report.changes:,} changes, {len(report.scope_days)} new trend date(s))"
    )


@app.command()
def publish(
    ctx: typer.Context,
    as_of: Annotated[
        str | None,
        typer.Option("--as-of", help="Computed date to publish [default: latest computed]."),
    ] = None,
) -> None:
    """Publish a computed profile and the reference data as of its date to the store."""
    from brokerlens.publish import publish as publish_profile

    report = publish_profile(settings_of(ctx), as_of=parse_date(as_of, "--as-of"))
    console.print(report_line(report))
    if report.steps:  # seconds per step: where a slow publish spends its time
        console.print(
            "steps: " + ", ".join(f"{name} {sec:.2f} s" for name, sec in report.steps.items()),
            highlight=False,
        )
