"""`brokerlens metrics`: the business metric catalog (issue 22) and the metrics of T built
again (the run's "business metrics" step alone, over what a run kept: after adding a metric to
`<home>/metrics/metrics.yaml`, or for the bench)."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from brokerlens.cli.main import app, parse_date, settings_of
from brokerlens.console import console

metrics_app = typer.Typer(help="Business metrics: the catalog, and building them again (issue 22).")
app.add_typer(metrics_app, name="metrics")


@metrics_app.command("list")
def list_metrics(
    ctx: typer.Context,
    lang: Annotated[str, typer.Option("--lang", help="zh or en.")] = "zh",
) -> None:
    """Every metric: id, name, unit, whether over the period or at its end, and how it is
    computed."""
    from brokerlens.analysis.metrics import load_metrics
    from brokerlens.errors import ConfigError

    if lang not in ("zh", "en"):
        raise ConfigError(f"--lang {lang!r} is not zh or en")
    table = Table("id", "name", "unit", "kind", "why")
    for metric in load_metrics(settings_of(ctx)).values():
        table.add_row(metric.id, metric.label(lang), metric.unit, metric.kind, metric.why(lang))
    console.print(table)


@metrics_app.command()
def build(
    ctx: typer.Context,
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="An already-run date (default: the last loaded).")
    ] = None,
) -> None:
    """Build the metrics of T again (the run's "business metrics" step alone)."""
    from brokerlens.pipeline.single import run_single_step

    settings = settings_of(ctx)
    when, outcome = run_single_step(
        settings, "business metrics", as_of=parse_date(as_of, "--as-of")
    )
    console.print(
        f"business metrics as of {when}: {outcome.result.note} ({outcome.seconds:.2f} s)",
        markup=False,
    )
