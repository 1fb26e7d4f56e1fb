"""`brokerlens run [--as-of T] [--engine duckdb|spark] [--no-publish]`: indicators and
classifications as of T, then published to the store."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from brokerlens.cli.main import app, parse_date, settings_of
from brokerlens.console import console


@app.command()
def run(
    ctx: typer.Context,
    as_of: Annotated[
        str | None,
        typer.Option("--as-of", help="Business date to compute as of [default: latest loaded]."),
    ] = None,
    engine: Annotated[
        str, typer.Option("--engine", help="SQL engine: duckdb or spark.")
    ] = "duckdb",
    full: Annotated[
        bool,
        typer.Option(
            "--full", help="Discard the running aggregates and recompute them from the lake."
        ),
    ] = False,
    no_publish: Annotated[
        bool,
        typer.Option("--no-publish", help="Compute only; do not publish to the store."),
    ] = False,
) -> None:
    """Compute every customer's indicators and classifications as of a loaded date."""
    from brokerlens.cli.publish import publish_and_refresh
    from brokerlens.pipeline import run_pipeline

    day = parse_date(as_of, "--as-of")
    settings = settings_of(ctx)
    report = run_pipeline(settings, as_of=day, engine=engine, full=full)
    where = f"spark on {settings.spark_master}" if report.engine == "spark" else report.engine
    table = Table(title=f"brokerlens run as of {report.as_of} ({where})")
    table.add_column("step")
    table.add_column("runs on")
    table.add_column("seconds", justify="right")
    table.add_column("rows", justify="right")
    table.add_column("result")
    for step in report.steps:
        rows = "" if step.result.rows is None else f"{step.result.rows:,}"
        table.add_row(step.name, step.engine, f"{step.seconds:.2f}", rows, step.result.note)
    console.print(table)
    console.print(
        f"{report.customers:,} customers profiled with catalog {report.catalog_version}; "
        f"built {report.days_built} day(s), {report.months_built} month(s), "
        f"matched lots for {report.lot_days} day(s)"
    )
    fired = ", ".join(f"{alert} {n:,}" for alert, n in report.alerts.items() if n)
    console.print(
        f"alerts on {report.as_of}: {sum(report.alerts.values()):,}"
        + (f" ({fired})" if fired else "")
    )
    console.print(f"churn: {report.churn}")
    console.print(f"behavioural risk preference: {report.note('riskpref levels')}")
    console.print(f"recommendations: {report.note('recommendations')}")
    removed = ", ".join(f"{why} {n:,}" for why, n in report.gate_removed.items() if n)
    if removed:
        console.print(f"suitability gate removed from the top lists: {removed}")
    console.print('query them: brokerlens sql "select * from customer_profile limit 10"')
    if not no_publish:
        publish_and_refresh(settings, report.as_of)
