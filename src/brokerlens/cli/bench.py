"""`brokerlens bench`: time every stage at a given scale and record peak memory."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from brokerlens.cli.main import app, settings_of
from brokerlens.console import console
from brokerlens.errors import ConfigError

if TYPE_CHECKING:
    from brokerlens.bench.harness import StageResult


@app.command()
def bench(
    ctx: typer.Context,
    suite: Annotated[
        str,
        typer.Option(
            help="pipeline (generate, ingest, query), ingest-day (one big date), indicators "
            "(full run, next-day run, catalog preview), engines (DuckDB beside Spark), serve "
            "(publish, 360, list, count, load over HTTP), riskpref (behavioural risk "
            "preference: stability and agreement with the ground truth), churn (the churn "
            "model against the ground truth: AUC, top 5% precision, lift, weeks ahead), "
            "products (product evaluation, recommendations scored and gated, their pages) or "
            "marketing (every broker's work list, a broker's home page, a campaign over 500,000 "
            "customers launched and reported) or uplift (a campaign's measured uplift against "
            "the generator's oracle, the treatment fed back with generate --actions) or "
            "compliance (the call-back rules: the year's sample and new accounts' tasks made "
            "and loaded; start late in a year so that T falls in the next) or alerts (every "
            "alert's share of the book a day, and precision, recall and lead against the "
            "ground truth where it tells: churn alerts, risk_mismatch) or quality (issue 20: "
            "risk preference, churn and alerts on two seeds, each beside its baseline and "
            "oracle, in one table) or daily (issue 21: the history brought in by `daily`, then "
            "one new date by `daily`, its slowest steps, a full rebuild beside a raw scan of "
            "the lake) or daily-drill (the daily job killed at every step and finished) or "
            "analysis (issue 22: the business metrics of T), kb (issue 23: knowledge-base search "
            "over 10,000 seeded articles on SQLite and PostgreSQL) or points (issue 23: the "
            "points step at scale, every day awarded, T again, and the reads of the awards) or "
            "groups (issue 25: N dynamic groups' membership refreshed, a nested live count, a "
            "group's history and change page)."
        ),
    ] = "pipeline",
    customers: Annotated[int, typer.Option(min=1, help="Customers to generate.")] = 100_000,
    days: Annotated[int, typer.Option(min=1, help="Trading days to generate.")] = 20,
    start: Annotated[str, typer.Option(help="First business date, YYYY-MM-DD.")] = "2025-01-02",
    seed: Annotated[int, typer.Option(help="Generator seed.")] = 42,
    fmt: Annotated[str, typer.Option("--format", help="Feed format: csv or parquet.")] = "csv",
    bad_rows: Annotated[float, typer.Option(help="Share of broken rows to inject.")] = 0.0,
    output: Annotated[
        Path | None, typer.Option(help="JSON report path [default: <home>/bench/<time>.json].")
    ] = None,
    workdir: Annotated[
        Path | None, typer.Option(help="Scratch folder [default: a new temporary folder].")
    ] = None,
    keep: Annotated[bool, typer.Option(help="Keep the scratch folder afterwards.")] = False,
    from_stage: Annotated[
        str | None,
        typer.Option(
            help="Start at this stage, in a --workdir kept (--keep) from an earlier run that "
            "made what the stages before it make."
        ),
    ] = None,
    inbox: Annotated[
        Path | None,
        typer.Option(help="Reuse an inbox generated earlier instead of generating (read only)."),
    ] = None,
    groups: Annotated[
        int, typer.Option(min=1, help="Suite groups: dynamic groups to create (seeded).")
    ] = 1_000,
) -> None:
    """Generate at a scale into a scratch home, time every stage, print a table, write JSON."""
    # each suite module registers its stages when imported
    import brokerlens.bench.alerts  # issue 20 alerts
    import brokerlens.bench.analysis  # issue 22
    import brokerlens.bench.brokers_kpi  # issue 19 part D
    import brokerlens.bench.brokers_staff  # issue 19 part E
    import brokerlens.bench.brokers_statements  # issue 19 C
    import brokerlens.bench.brokers_tree  # issue 19 part A
    import brokerlens.bench.churn
    import brokerlens.bench.complaints
    import brokerlens.bench.compliance
    import brokerlens.bench.daily  # issue 21: the daily job and its kill drill
    import brokerlens.bench.groups  # issue 25: customer groups
    import brokerlens.bench.indicators
    import brokerlens.bench.kb  # issue 23: the knowledge base's search
    import brokerlens.bench.marketing
    import brokerlens.bench.points  # issue 23
    import brokerlens.bench.products
    import brokerlens.bench.quality  # issue 20: one table of model quality on two seeds
    import brokerlens.bench.riskpref
    import brokerlens.bench.serve
    import brokerlens.bench.uplift  # noqa: F401
    from brokerlens.bench.harness import SUITES, BenchPlan, default_workdir, run_bench

    settings = settings_of(ctx)
    if inbox is not None and not (inbox / "_generator.json").exists():
        raise ConfigError(
            f"--inbox {inbox} holds no generated brokerage (no _generator.json)",
            hint="point it at a folder made by `brokerlens generate`",
        )
    if inbox is not None:  # the report names the brokerage benched, not the defaults
        customers, days = generated_size(inbox)
    try:
        start_date = dt.date.fromisoformat(start)
    except ValueError:
        raise ConfigError(
            f"--start {start!r} is not a date", hint="write it as YYYY-MM-DD"
        ) from None
    if suite not in SUITES:
        raise ConfigError(
            f"--suite {suite!r} is unknown", hint=f"choose one of: {', '.join(SUITES)}"
        )
    plan = BenchPlan(
        customers=customers,
        days=days,
        start=start_date,
        seed=seed,
        fmt=fmt,
        bad_rows=bad_rows,
        workdir=workdir or default_workdir(),
        suite=suite,
        inbox=inbox,
        from_stage=from_stage,
        groups=groups,
    )
    console.print(f"bench {suite}: {customers:,} customers x {days} trading days in {plan.workdir}")

    def show(result: StageResult) -> None:
        console.print(f"  {result.name}: {result.seconds:.1f} s, peak {result.peak_rss_mb:,.0f} MB")

    report = run_bench(plan, on_stage=show, keep=keep)
    table = Table(title=f"brokerlens bench: {suite}, {customers:,} customers x {days} days")
    for column in ("stage", "seconds", "peak RSS MB", "exit", "target"):
        table.add_column(column, justify="right" if column != "stage" else "left")
    for r in report.stages:
        table.add_row(
            r.name, f"{r.seconds:.1f}", f"{r.peak_rss_mb:,.0f}", str(r.exit_code), r.target
        )
    console.print(table)
    path = output or settings.bench_dir / f"{report.started.replace(':', '')}-{suite}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(report.to_json(), encoding="utf-8")
    console.print(f"report written to {path}")


def generated_size(inbox: Path) -> tuple[int, int]:
    """Customers and delivered dates of a folder made by `generate` (continuations included)."""
    options = json.loads((inbox / "_generator.json").read_text(encoding="utf-8"))
    dates = [p for p in inbox.iterdir() if p.is_dir() and p.name[:2] == "20"]
    return int(options["customers"]), len(dates)
