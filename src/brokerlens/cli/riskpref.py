"""`brokerlens riskpref ...`: fit a quarter's behavioural risk preference model, show a
customer's levels, list the stored models."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from brokerlens.cli.acting import UserOpt, acting
from brokerlens.cli.main import app, settings_of
from brokerlens.config import Settings
from brokerlens.console import console, err_console

if TYPE_CHECKING:
    from brokerlens.riskpref.quarter import Quarter

riskpref_app = typer.Typer(help="Behavioural risk preference (seed 002): quarterly models, levels.")
app.add_typer(riskpref_app, name="riskpref")


@riskpref_app.command()
def fit(
    ctx: typer.Context,
    quarter: Annotated[
        str | None,
        typer.Option(
            "--quarter",
            help="The quarter, e.g. 2025Q1 [default: the newest ended by the lake's last date].",
        ),
    ] = None,
    seed: Annotated[int, typer.Option(help="Seed of PCA/k-means: same seed, same model.")] = 42,
    partial: Annotated[
        bool, typer.Option("--partial", help="Fit a quarter the lake holds only part of.")
    ] = False,
    k_min: Annotated[int, typer.Option("--k-min", help="Smallest k tried.")] = 5,
    k_max: Annotated[int, typer.Option("--k-max", help="Largest k tried.")] = 24,
    engine: Annotated[
        str, typer.Option("--engine", help="SQL engine of the features: duckdb or spark.")
    ] = "duckdb",
) -> None:
    """Fit the quarter's model on 3 months of behaviour, score every customer, store it."""
    from brokerlens.riskpref import parse_quarter
    from brokerlens.riskpref.service import fit_quarter, newest_quarter

    settings = settings_of(ctx)
    q = parse_quarter(quarter) if quarter is not None else newest_quarter(settings)
    report = fit_quarter(
        settings,
        q,
        seed=seed,
        partial=partial,
        engine=engine,
        k_range=(k_min, k_max),
        progress=lambda message: err_console.print(message, markup=False),
    )
    _print_clusters(settings_of(ctx), report.quarter, report.version)
    table = Table(title=f"risk preference {report.quarter} v{report.version} as of {report.as_of}")
    table.add_column("level")
    table.add_column("customers", justify="right")
    for level, count in report.level_counts.items():
        table.add_row(level, f"{count:,}")
    console.print(table)
    console.print(
        f"{report.customers:,} customers scored; fit on {report.fit_sample:,}; "
        f"{report.components} principal components; k = {report.k}",
        markup=False,
    )
    console.print(f"stored in {report.path}", markup=False)


def _print_clusters(settings: Settings, quarter: Quarter, version: int) -> None:
    from brokerlens.riskpref.service import riskpref_models

    model = riskpref_models(settings).read_model(quarter, version)
    best = ", ".join(f"{s.k}: {s.silhouette:.3f}" for s in model.product.k_scores)
    console.print(f"silhouette by k ({model.k_rule}): {best}", markup=False)
    table = Table(title=f"{model.product.k} clusters of {quarter}")
    for column in ("cluster", "customers", "score", "name", "what sets it apart"):
        table.add_column(column)
    for c in model.clusters:
        table.add_row(str(c.cluster), f"{c.size:,}", str(c.score), c.name, c.description)
    console.print(table)


@riskpref_app.command()
def show(
    ctx: typer.Context,
    customer: Annotated[str, typer.Argument(help="Customer id.")],
    user: UserOpt,
) -> None:
    """A customer's level in every stored quarter, why (the absolute scale), and the cluster's
    description; the customer must be in the user's scope. Audited as `view_riskpref`."""
    from brokerlens.access.riskpref import customer_levels

    me = acting(ctx, user)
    rows = customer_levels(me.db, me.settings, me.principal, customer)
    table = Table(title=f"risk preference of {customer}")
    for column in (
        "quarter",
        "version",
        "level",
        "why",
        "cluster",
        "what sets it apart",
    ):
        table.add_column(column)
    for r in rows:
        table.add_row(
            r.quarter,
            str(r.version),
            r.level,
            r.why
            or f"cluster score {r.cluster_score}, timing {r.timing_adjust:+d}, "
            f"style {r.style_adjust:+d}",
            f"{r.cluster} {r.cluster_name}",
            r.description,
        )
    console.print(table)


@riskpref_app.command(name="models")
def models_(ctx: typer.Context) -> None:
    """The stored quarterly models: version, k, sample, clusters."""
    from brokerlens.riskpref.service import riskpref_models

    store = riskpref_models(settings_of(ctx))
    quarters = store.quarters()
    if not quarters:
        console.print("no model stored yet: brokerlens riskpref fit --quarter 2025Q1")
        return
    table = Table(title="risk preference models")
    for column in ("quarter", "versions", "as of", "k", "fit on", "scored", "levels"):
        table.add_column(column)
    for q in quarters:
        m = store.read_model(q)
        levels = " ".join(f"{k}{v}" for k, v in m.level_counts.items())
        table.add_row(
            str(q),
            ",".join(map(str, store.versions(q))),
            m.as_of,
            str(m.product.k),
            f"{m.fit_sample:,}",
            f"{m.scored:,}",
            levels,
        )
    console.print(table)
