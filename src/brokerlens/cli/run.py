"""`brokerlens run [--as-of T] [--engine duckdb|spark] [--no-publish]`: indicators and
classifications as of T, then published to the store."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import typer
from rich.table import Table

from brokerlens.cli.main import app, parse_date, settings_of
from brokerlens.config import Settings
from brokerlens.console import console
from brokerlens.engine import ENGINES


@app.command()
def run(
    ctx: typer.Context,
    as_of: Annotated[
        str | None,
        typer.Option("--as-of", help="Business date to compute as of [default: latest loaded]."),
    ] = None,
    engine: Annotated[
        str, typer.Option("--engine", help=f"SQL engine: {', '.join(ENGINES)}.")
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
    from brokerlens.pipeline import run_pipeline

    day = parse_date(as_of, "--as-of")
    settings = settings_of(ctx)
    report = run_pipeline(settings, as_of=day, engine=engine, full=full)
    table = Table(title=f"brokerlens run as of {report.as_of} ({report.engine})")
    table.add_column("step")
    table.add_column("seconds", justify="right")
    for step, seconds in report.seconds.items():
        table.add_row(step, f"{seconds:.2f}")
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
    console.print(f"behavioural risk preference: {_behaviour_note(settings, report.as_of)}")
    console.print('query them: brokerlens sql "select * from customer_profile limit 10"')
    if not no_publish:
        from brokerlens.cli.publish import publish_and_refresh

        publish_and_refresh(settings, report.as_of)


def _behaviour_note(settings: Settings, as_of: dt.date) -> str:
    """Which quarterly model the levels came from, or the command that fits the one due."""
    from brokerlens.lake.catalog import read_catalog
    from brokerlens.lake.layout import LakeLayout
    from brokerlens.riskpref.quarter import ended_by
    from brokerlens.riskpref.store import RiskprefStore

    store = RiskprefStore(settings.warehouse_dir / "riskpref")
    ended = [q for q in store.quarters() if q.end <= as_of]
    due = ended_by(as_of)
    if ended and ended[-1] == due:
        return f"levels of the {due} model"
    # the quarter is in the lake when the lake starts within its first week (holidays)
    first = min(read_catalog(LakeLayout(settings.lake_dir)).dates)
    covered = first <= due.start + dt.timedelta(days=7)
    fit = f"brokerlens riskpref fit --quarter {due}"
    if ended:
        later = f"; the {due} model is not fitted yet ({fit})" if covered else ""
        return f"levels of the {ended[-1]} model{later}"
    if not covered:
        return "no quarter ended by this date is wholly in the lake yet: levels are empty"
    return f"no quarterly model yet, levels are empty ({fit})"
