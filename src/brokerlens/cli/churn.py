"""`brokerlens churn ...`: fit the churn early-warning model, score a date, show a customer's
scores and reasons, list the stored models."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from brokerlens.cli.acting import UserOpt, acting
from brokerlens.cli.main import app, parse_date, settings_of
from brokerlens.console import console, err_console

churn_app = typer.Typer(help="Churn early warning: fit the model, score a date, show reasons.")
app.add_typer(churn_app, name="churn")


def _say(message: str) -> None:
    err_console.print(message, markup=False)


@churn_app.command()
def fit(
    ctx: typer.Context,
    seed: Annotated[int, typer.Option(help="LightGBM seed: same seed, same model.")] = 42,
    as_of: Annotated[
        str | None,
        typer.Option("--as-of", help="Read the lake up to this date [default: all of it]."),
    ] = None,
) -> None:
    """Label churn from the lake, train on earlier as-of dates, test on later ones, store."""
    from brokerlens.churn.service import fit_model

    report = fit_model(
        settings_of(ctx), seed=seed, as_of=parse_date(as_of, "--as-of"), progress=_say
    )
    table = Table(title=f"churn model v{report.version} (lake through {report.lake_through})")
    for column in ("slice", "rows", "churned", "ROC AUC", "precision top 5%", "lift", "Brier"):
        table.add_column(column, justify="right")
    for name, m in report.metrics.items():
        table.add_row(
            name,
            f"{report.rows[name]:,}",
            f"{m.get('positives', 0):,.0f}",
            str(m.get("roc_auc", "-")),
            str(m.get("precision_top_5pct", "-")),
            str(m.get("lift_top", "-")),
            str(m.get("brier", "-")),
        )
    console.print(table)
    console.print(f"stored in {report.path}; seconds {report.seconds}", markup=False)


@churn_app.command()
def score(
    ctx: typer.Context,
    as_of: Annotated[
        str | None,
        typer.Option("--as-of", help="Business date to score [default: the latest loaded]."),
    ] = None,
    version: Annotated[
        int | None, typer.Option(help="Model version [default: the newest].")
    ] = None,
) -> None:
    """Score every customer on the books at T with the newest model; store the scores."""
    from brokerlens.churn.service import score as score_date

    report = score_date(
        settings_of(ctx), as_of=parse_date(as_of, "--as-of"), version=version, progress=_say
    )
    console.print(
        f"scored {report.customers:,} customers as of {report.as_of} with model "
        f"v{report.version} in {report.seconds:.1f} s; the top 5% are {report.flagged:,}; "
        f"stored in {report.path}",
        markup=False,
    )


@churn_app.command()
def show(
    ctx: typer.Context,
    customer: Annotated[str, typer.Argument(help="Customer id.")],
    user: UserOpt,
    limit: Annotated[int, typer.Option(min=1, help="As-of dates shown, newest first.")] = 5,
) -> None:
    """A customer's churn probability, rank and reasons on the scored dates up to the served
    date, newest first; the customer must be in the user's scope. Audited as `view_churn`, as
    the web's GET /api/customers/{id}/churn."""
    from brokerlens.access.churn import customer_churn

    me = acting(ctx, user)
    found = customer_churn(me.db, me.settings, me.principal, customer)
    table = Table(title=f"churn risk of {customer} (model v{found.model_version})")
    for column in ("as of", "probability", "rank"):
        table.add_column(column)
    for r in found.history[:limit]:
        table.add_row(str(r.score_date), f"{r.probability:.1%}", f"{r.rank:,}")
    console.print(table)
    if not found.reasons_zh:
        console.print(
            f"no reasons as of {found.score_date}: they are given to the top ranks only "
            "(model.reasons_share, at most model.reasons_max_rows, in churn.yaml) / "
            "仅排名靠前的客户给出原因",
            markup=False,
        )
        return
    console.print(f"reasons as of {found.score_date} / 原因:", markup=False)
    for zh, en in zip(found.reasons_zh, found.reasons_en, strict=False):
        console.print(f"  - {zh}  ({en})", markup=False)


@churn_app.command(name="models")
def models_(ctx: typer.Context) -> None:
    """The stored churn models: version, when, data, test figures."""
    from brokerlens.churn.service import churn_models

    store = churn_models(settings_of(ctx))
    versions = store.versions()
    if not versions:
        console.print("no churn model stored yet: brokerlens churn fit")
        return
    table = Table(title="churn models")
    for column in ("version", "fitted at", "lake through", "seed", "test AUC", "test top 5%"):
        table.add_column(column)
    for v in versions:
        m = store.read_model(v)
        test = m.metrics.get("test", {})
        table.add_row(
            f"v{v}",
            m.fitted_at,
            m.lake_through,
            str(m.seed),
            str(test.get("roc_auc", "-")),
            str(test.get("precision_top_5pct", "-")),
        )
    console.print(table)
