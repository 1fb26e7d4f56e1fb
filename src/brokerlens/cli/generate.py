"""`brokerlens generate`: write a synthetic brokerage's daily feed deliveries."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from brokerlens.cli.main import app, parse_date
from brokerlens.console import console

if TYPE_CHECKING:
    from brokerlens.generate import GenerateSummary


@app.command()
def generate(
    out: Annotated[
        Path | None, typer.Option("--out", help="Output folder (one sub-folder per date).")
    ] = None,
    customers: Annotated[
        int | None, typer.Option(help="Customers over the whole run [default: 10000].")
    ] = None,
    start: Annotated[
        str | None, typer.Option(help="First business date, YYYY-MM-DD [default: 2025-01-02].")
    ] = None,
    end: Annotated[str | None, typer.Option(help="Last business date (or use --days).")] = None,
    days: Annotated[
        int | None,
        typer.Option(help="Number of trading days [default: 20]; with --continue, to add."),
    ] = None,
    seed: Annotated[
        int | None, typer.Option(help="Random seed; same seed, same bytes [default: 42].")
    ] = None,
    bad_rows: Annotated[
        float | None, typer.Option("--bad-rows", help="Share of broken rows to inject, 0..0.5.")
    ] = None,
    fmt: Annotated[str | None, typer.Option("--format", help="csv or parquet.")] = None,
    encoding: Annotated[str | None, typer.Option(help="CSV encoding: utf-8 or gbk.")] = None,
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
    continue_: Annotated[
        Path | None,
        typer.Option(
            "--continue",
            help="A folder made by `generate`: write its next --days business dates, as the"
            " run would have gone on (dates already there are never rewritten).",
        ),
    ] = None,
) -> None:
    """Generate a synthetic brokerage: feeds per SSE trading day, manifests and ground truth."""
    from brokerlens.errors import ConfigError
    from brokerlens.generate import ContinueOptions, GenerateOptions, continue_generation
    from brokerlens.generate import generate as run

    if continue_ is not None:
        given = {
            "--out": out, "--customers": customers, "--start": start, "--end": end,
            "--seed": seed, "--bad-rows": bad_rows, "--format": fmt, "--encoding": encoding,
            "--force": force or None, "--actions": actions,
        }  # fmt: skip
        clash = [name for name, value in given.items() if value is not None]
        if clash:
            raise ConfigError(
                f"--continue takes only --days: {', '.join(clash)} given",
                hint="a continuation keeps the run's options (see its _generator.json)",
            )
        summary = continue_generation(ContinueOptions(inbox=continue_, days=days))
        _print(summary, f"added {summary.dates} dates to {summary.out}")
        return
    if out is None:
        raise ConfigError("--out is missing", hint="pass --out FOLDER, or --continue FOLDER")
    start_date = parse_date(start or "2025-01-02", "--start")
    assert start_date is not None
    options = GenerateOptions(
        out=out,
        customers=10_000 if customers is None else customers,
        start=start_date,
        end=parse_date(end, "--end"),
        days=days,
        seed=42 if seed is None else seed,
        bad_rows=0.0 if bad_rows is None else bad_rows,
        format=(fmt or "csv").lower(),
        encoding=(encoding or "utf-8").lower(),
        force=force,
        actions=actions,
    )
    summary = run(options)
    _print(summary, f"generated {summary.dates} dates into {summary.out}")


def _print(summary: GenerateSummary, title: str) -> None:
    table = Table(title=title)
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
