"""Bench suites for the indicator pipeline.

`indicators`: the generated days but the last are loaded and computed in full (`run --full`),
then the last day is loaded and computed incrementally, then one classification's change
preview is timed. `--days 251` thus gives 250 days of history and a next day.
`engines`: the same small brokerage computed in full on DuckDB and on Spark, side by side.
"""

from __future__ import annotations

import sys

from brokerlens.bench.harness import (
    BenchPlan,
    Stage,
    StageCommand,
    cli,
    generate_stage,
    register_stage,
)

# Link every date folder but the last into history/, the last into next/: the inbox is untouched.
_HOLD_BACK = (
    "import pathlib, sys; inbox, work = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2]);"
    "dates = sorted(p for p in inbox.iterdir() if p.is_dir() and p.name[:2] == '20');"
    "h = work / 'history'; n = work / 'next'; h.mkdir(); n.mkdir();"
    "[(h / d.name).symlink_to(d.resolve()) for d in dates[:-1]];"
    "(n / dates[-1].name).symlink_to(dates[-1].resolve())"
)
# An edited catalog: the top service level from 1,000,000 down to 800,000 of assets.
_EDIT_CATALOG = (
    "import pathlib, sys; from importlib import resources;"
    "text = resources.files('brokerlens.classify').joinpath('default_catalog.yaml').read_text();"
    "edited = text.replace('total_assets_t >= 1000000 OR', 'total_assets_t >= 800000 OR', 1);"
    "assert edited != text; pathlib.Path(sys.argv[1]).write_text(edited)"
)


def hold_back(plan: BenchPlan) -> list[str]:
    return [sys.executable, "-c", _HOLD_BACK, str(plan.inbox_dir), str(plan.workdir)]


def _ingest(folder: str | None) -> StageCommand:
    """Ingest a folder of the work dir, or the plan's inbox when `folder` is None."""

    def command(plan: BenchPlan) -> list[str]:
        return cli(plan, "ingest", str(plan.workdir / folder if folder else plan.inbox_dir))

    return command


def _run(*args: str) -> StageCommand:
    def command(plan: BenchPlan) -> list[str]:
        return cli(plan, "run", *args)

    return command


def _edit_catalog(plan: BenchPlan) -> list[str]:
    return [sys.executable, "-c", _EDIT_CATALOG, str(plan.workdir / "edited.yaml")]


def _preview(plan: BenchPlan) -> list[str]:
    edited = str(plan.workdir / "edited.yaml")
    return cli(plan, "catalog", "preview", edited, "--classification", "service_level")


for stage in (
    generate_stage,
    Stage("hold back the last date", hold_back),
    Stage("ingest history", _ingest("history"), ok_exit_codes=(0, 1)),
    Stage("run --full (history)", _run("--full"), "1M x 250 d <= 180 s; 3M <= 600 s, <= 16 GB"),
    Stage("ingest next date", _ingest("next"), ok_exit_codes=(0, 1)),
    Stage("run (next date, incremental)", _run(), "1M <= 60 s"),
    Stage("edit catalog", _edit_catalog),
    Stage("catalog preview: service_level", _preview, "3M <= 5 s"),
):
    register_stage("indicators", stage)

for stage in (
    generate_stage,
    Stage("ingest", _ingest(None), ok_exit_codes=(0, 1)),
    Stage("run --full --engine duckdb", _run("--full", "--engine", "duckdb")),
    Stage("run --full --engine spark", _run("--full", "--engine", "spark")),
):
    register_stage("engines", stage)
