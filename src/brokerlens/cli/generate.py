"""`brokerlens generate`: write a synthetic brokerage's daily feed deliveries."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from brokerlens.cli.main import app, parse_date
from brokerlens.console import console


@app.command()
def generate(
    out: Annotated[Path, typer.Option("--out", help="Output folder (one sub-folder per date).")],
    customers: Annotated[int, typer.Option(help="Customers over the whole run.")] = 10_000,
    start: Annotated[str, typer.Option(help="First business date, YYYY-MM-DD.")] = "2025-01-02",
    end: Annotated[str | None, typer.Option(help="Last business date (or use --days).")] = None,
    days: Annotated[int | None, typer.Option(help="Number of trading days [default: 20].")] = None,
    seed: Annotated[int, typer.Option(help="Random seed; same seed, same bytes.")] = 42,
    bad_rows: Annotated[
        float, typer.Option("--bad-rows", help="Share of broken rows to inject, 0..0.5.")
    ] = 0.0,
    fmt: Annotated[str, typer.Option("--format", help="csv or parquet.")] = "csv",
    encoding: Annotated[str, typer.Option(help="CSV encoding: utf-8 or gbk.")] = "utf-8",
    force: Annotated[
        bool, typer.Option(help="Write into a non-empty folder that is not a previous output.")
    ] = False,
    actions: Annotated[
        Path | None,
        typer.Option(
            help="CSV of contacts and campaign treatments made in brokerlens"
            " (customer_id,date,action[,product_id]): they act from their date on;"
            " earlier dates come out identical. See docs/generator-effects.md."
        ),
    ] = None,
) -> None:
    """Generate a synthetic brokerage: feeds per SSE trading day, manifests and ground truth."""
    from brokerlens.generate import GenerateOptions
    from brokerlens.generate import generate as run

    start_date = parse_date(start, "--start")
    assert start_date is not None
    options = GenerateOptions(
        out=out,
        customers=customers,
        start=start_date,
        end=parse_date(end, "--end"),
        days=days,
        seed=seed,
        bad_rows=bad_rows,
        format=fmt.lower(),
        encoding=encoding.lower(),
        force=force,
        actions=actions,
    )
    summary = run(options)
    table = Table(title=f"generated {summary.dates} dates into {summary.out}")
    table.add_column("feed")
    table.add_column("rows", justify="right")
    for name, rows in summary.rows.items():
        table.add_row(name, f"{rows:,}")
    console.print(table)
    if summary.bad_rows:
        console.print(
            f"bad rows injected: {summary.bad_rows:,} (see _ground_truth/bad_rows.parquet)"
        )
    if summary.actions:
        console.print(f"actions read: {summary.actions:,}")
    console.print(
        f"contact effects applied: {summary.effects:,} (see _ground_truth/effects.parquet)"
    )
    console.print(f"done in {summary.seconds:.1f} s")
