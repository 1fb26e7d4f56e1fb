"""`brokerlens products ...`: fit the recommendation model, evaluate it on a time split, show
what the suitability gate removed."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from brokerlens.cli.main import app, parse_date, settings_of
from brokerlens.console import console, err_console

products_app = typer.Typer(help="Product recommendation: fit, evaluate, the gate's report.")
app.add_typer(products_app, name="products")


def _say(message: str) -> None:
    err_console.print(message, markup=False)


def _lake(ctx: typer.Context):  # type: ignore[no-untyped-def]
    from brokerlens.lake.catalog import read_catalog
    from brokerlens.lake.layout import LakeLayout
    from brokerlens.warehouse.sources import LakeFiles

    settings = settings_of(ctx)
    layout = LakeLayout(settings.lake_dir)
    return settings, LakeFiles(layout, read_catalog(layout))


def _as_of(lake, as_of: str | None):  # type: ignore[no-untyped-def]
    from brokerlens.errors import LakeError

    days = sorted(lake.days)
    if not days:
        raise LakeError("the lake holds no loaded dates", hint="run `brokerlens ingest INBOX`")
    day = parse_date(as_of, "--as-of") or days[-1]
    if day not in lake.days:
        raise LakeError(
            f"--as-of {day} is not a loaded business date",
            hint=f"loaded dates run from {days[0]} to {days[-1]}",
        )
    return day


@products_app.command()
def fit(
    ctx: typer.Context,
    as_of: Annotated[
        str | None,
        typer.Option("--as-of", help="Read the lake up to this date [default: all of it]."),
    ] = None,
) -> None:
    """Fit the recommendation model on past windows and keep it as the next version."""
    from brokerlens.engine import open_engine
    from brokerlens.products.recommend.config import load_config
    from brokerlens.products.recommend.fit import fit_model
    from brokerlens.products.recommend.model import RecModels
    from brokerlens.warehouse.layout import WarehouseLayout

    settings, lake = _lake(ctx)
    day = _as_of(lake, as_of)
    config = load_config(settings).model
    engine = open_engine("duckdb", settings)
    try:
        lake.register_all(engine)
        model = fit_model(engine, lake, sorted(lake.days), day, config, _say)
    finally:
        engine.close()
    version = RecModels(WarehouseLayout(settings.warehouse_dir)).save(model)
    table = Table(title=f"recommendation model v{version} (lake through {model.lake_through})")
    for column in ("window", "customers", "sampled", "buyers", "pairs", "purchases"):
        table.add_column(column, justify="right")
    for w in model.windows:
        table.add_row(
            w["as_of"],
            f"{w['customers']:,}",
            f"{w['sampled']:,}",
            f"{w['buyers']:,}",
            f"{w['pairs']:,}",
            f"{w['purchases']:,}",
        )
    console.print(table)
    weights = ", ".join(f"{f} {c:+.2f}" for f, c in zip(model.features, model.coef, strict=True))
    console.print(f"standardised weights: {weights}", markup=False)


@products_app.command()
def evaluate(
    ctx: typer.Context,
    as_of: Annotated[
        str,
        typer.Option("--as-of", help="Recommend as of this date; purchases after it count."),
    ],
    oracle: Annotated[
        Path | None,
        typer.Option(
            help="The generator's _ground_truth/product_propensity.parquet (the oracle row)."
        ),
    ] = None,
) -> None:
    """Time split: fit on data up to T, recommend as of T (gated), count the purchases in the
    next 20 trading days; popularity, popularity within the risk class, the model, the oracle."""
    from brokerlens.errors import NotFound
    from brokerlens.products.recommend.config import load_config
    from brokerlens.products.recommend.service import evaluate_at

    settings, lake = _lake(ctx)
    day = _as_of(lake, as_of)
    if oracle is not None and not oracle.is_file():
        raise NotFound(f"--oracle {oracle} is not a file", hint="give product_propensity.parquet")
    config = load_config(settings).model
    result, model = evaluate_at(settings, lake, day, config, oracle, _say)
    k = config.top_k
    table = Table(
        title=(
            f"recommendation as of {result.as_of}, purchases through {result.through}: "
            f"{result.buyers:,} buyers, {result.purchases:,} purchases "
            f"({result.unsuitable_purchases:,} of products the gate never shows them)"
        )
    )
    for column in ("ranking", f"hit@{k}", f"recall@{k}", f"NDCG@{k}", "x best baseline"):
        table.add_column(column, justify="right")
    for column in (f"hit@{k}", f"recall@{k}", f"NDCG@{k}", "x best baseline"):
        table.add_column(f"{column} (suitable)", justify="right")
    base = max((r.hit for r in result.rows if r.ranking.startswith("popularity")), default=0.0)
    fair = max(
        (r.suitable_hit for r in result.rows if r.ranking.startswith("popularity")), default=0.0
    )
    for r in result.rows:
        table.add_row(
            r.ranking,
            f"{r.hit:.3f}",
            f"{r.recall:.3f}",
            f"{r.ndcg:.3f}",
            f"{r.hit / base:.2f}" if base else "-",
            f"{r.suitable_hit:.3f}",
            f"{r.suitable_recall:.3f}",
            f"{r.suitable_ndcg:.3f}",
            f"{r.suitable_hit / fair:.2f}" if fair else "-",
        )
    console.print(table)
    console.print(
        f"(suitable): over the {result.rows[0].suitable_customers:,} buyers of at least one "
        "product the gate lets a list show, counting those purchases only",
        markup=False,
    )
    console.print(f"model fitted on {len(model.windows)} window(s) ending {model.lake_through}")


@products_app.command("gate-report")
def gate_report(
    ctx: typer.Context,
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="Run date [default: the newest].")
    ] = None,
) -> None:
    """What the suitability gate removed in a run's recommendations, per reason."""
    from brokerlens.errors import NotFound
    from brokerlens.products.recommend.service import read_gate_report
    from brokerlens.warehouse.layout import WarehouseLayout

    settings = settings_of(ctx)
    warehouse = WarehouseLayout(settings.warehouse_dir)
    dates = warehouse.recommendation_dates()
    day = parse_date(as_of, "--as-of") or (dates[-1] if dates else None)
    report = read_gate_report(warehouse, day) if day else None
    if report is None:
        raise NotFound(
            f"no recommendations were made as of {day or 'any date'}",
            hint="run `brokerlens run` (it recommends once a model is fitted)",
        )
    table = Table(title=f"suitability gate, recommendations as of {report.as_of}")
    for column in ("reason", "pairs removed", "from the top lists"):
        table.add_column(column, justify="right")
    for reason, n in report.removed.items():
        table.add_row(reason, f"{n:,}", f"{report.removed_from_top.get(reason, 0):,}")
    console.print(table)
    console.print(
        f"{report.customers:,} customers x {report.products} products on sale scored; "
        f"{report.shown:,} items shown; {report.customers_without:,} customers with none",
        markup=False,
    )


@products_app.command()
def metrics(
    ctx: typer.Context,
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="Business date [default: the latest loaded].")
    ] = None,
) -> None:
    """Evaluate every product as of T (the run's "product metrics" step on its own)."""
    import time

    from brokerlens.engine import open_engine
    from brokerlens.products.config import load_config
    from brokerlens.products.evaluate import compute_product_metrics
    from brokerlens.warehouse.layout import WarehouseLayout

    settings, lake = _lake(ctx)
    day = _as_of(lake, as_of)
    started = time.perf_counter()
    engine = open_engine("duckdb", settings)
    try:
        lake.register_all(engine)
        warehouse = WarehouseLayout(settings.warehouse_dir)
        rows = compute_product_metrics(engine, lake, warehouse, day, load_config(settings))
    finally:
        engine.close()
    seconds = time.perf_counter() - started
    console.print(f"product metrics as of {day}: {rows} products in {seconds:.1f} s")


@products_app.command()
def recommend(
    ctx: typer.Context,
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="Business date [default: the latest loaded].")
    ] = None,
) -> None:
    """Score every customer as of T with the newest usable model, gate, keep the top 10 (the
    run's "recommendations" step on its own, e.g. after a refit)."""
    from brokerlens.engine import open_engine
    from brokerlens.errors import NotFound
    from brokerlens.products.recommend.config import load_config
    from brokerlens.products.recommend.model import NO_MODEL_HINT, RecModels
    from brokerlens.products.recommend.service import recommend as score
    from brokerlens.products.recommend.service import usable_model
    from brokerlens.warehouse.layout import WarehouseLayout

    settings, lake = _lake(ctx)
    day = _as_of(lake, as_of)
    warehouse = WarehouseLayout(settings.warehouse_dir)
    model = usable_model(RecModels(warehouse), day)
    if model is None:
        raise NotFound(
            f"no recommendation model fitted through {day} or earlier", hint=NO_MODEL_HINT
        )
    engine = open_engine("duckdb", settings)
    try:
        lake.register_all(engine)
        report = score(
            settings, engine, lake, warehouse, day, model, load_config(settings).model, _say
        )
    finally:
        engine.close()
    console.print(f"recommendations as of {day}: {report.note()} in {report.seconds:.1f} s")
    removed = ", ".join(f"{k} {n:,}" for k, n in report.removed_from_top.items() if n)
    console.print(f"the gate removed from the top lists: {removed or 'nothing'}", markup=False)
