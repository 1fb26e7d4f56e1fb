"""`brokerlens worklist build | evaluate`: rebuild the work list of an already-run date (the run
step alone), and measure its lists against a generated brokerage's ground truth."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from brokerlens.cli.main import parse_date, settings_of
from brokerlens.cli.worklist import worklist_app
from brokerlens.console import console


@worklist_app.command()
def build(
    ctx: typer.Context,
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="An already-run date (default: the last loaded).")
    ] = None,
) -> None:
    """Rebuild every broker's work list of T (the run's "work list" step alone) from the files
    the run kept for T and the store's states, call-backs, follow-ups and campaigns."""
    from brokerlens.pipeline.single import run_single_step

    day, outcome = run_single_step(
        settings_of(ctx), "work list", as_of=parse_date(as_of, "--as-of")
    )
    console.print(
        f"work list as of {day}: {outcome.result.note} ({outcome.seconds:.2f} s)", markup=False
    )


@worklist_app.command()
def evaluate(
    ctx: typer.Context,
    as_of: Annotated[str, typer.Option("--as-of", help="The work list's date.")],
    truth: Annotated[
        Path,
        typer.Option(help="The generated inbox (or its _ground_truth folder, or customers file)."),
    ] = Path("inbox"),
    horizon: Annotated[
        int, typer.Option(min=1, max=250, help="Churn within this many trading days after T.")
    ] = 20,
    top: Annotated[int, typer.Option(min=1, max=1000, help="The top rows per broker.")] = 20,
    seed: Annotated[int, typer.Option(help="The random baseline's seed.")] = 7,
    output: Annotated[
        Path | None, typer.Option(help="Write the figures as JSON to this file.")
    ] = None,
) -> None:
    """Of the customers who churned within the horizon after T (the ground truth), how many
    were in their broker's top rows on T, against the new alerts of T and a random draw."""
    from brokerlens.atomic import atomic_file
    from brokerlens.marketing.worklist.evaluate import evaluate_worklist

    day = parse_date(as_of, "--as-of")
    if day is None:  # typer requires the option; kept for the type checker
        raise typer.BadParameter("give --as-of YYYY-MM-DD")
    result = evaluate_worklist(settings_of(ctx), day, truth, horizon=horizon, top=top, seed=seed)
    table = Table(
        title=(
            f"work list as of {result.as_of}: {result.churners:,} of {result.customers:,} "
            f"customers ({result.brokers} brokers) churned through {result.through} "
            f"({result.horizon} trading days)"
        )
    )
    for column in ("list", "customers", "churners in it", "precision", "recall"):
        table.add_column(column, justify="left" if column == "list" else "right")
    for r in result.rows:
        table.add_row(
            r.ranking,
            f"{r.customers:,}",
            f"{r.churners:,}",
            f"{r.precision:.1%}",
            f"{r.recall:.1%}",
        )
    console.print(table)
    text = json.dumps(result.to_json(), ensure_ascii=False, indent=1)
    if output is not None:
        with atomic_file(output) as scratch:
            scratch.write_text(text + "\n", "utf-8")
        console.print(f"figures written to {output}", markup=False)
    else:
        typer.echo(text)
