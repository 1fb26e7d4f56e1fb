"""Bench suite `analysis` (issue 22): the business metrics of T at scale (the run step
"business metrics" alone, `brokerlens metrics build`, over what `run` kept).

Over an existing home: `--workdir` kept from an earlier run of this suite and
`--from-stage "business metrics"`."""

from __future__ import annotations

from brokerlens.bench.harness import BenchPlan, Stage, cli, generate_stage, register_stage

SUITE = "analysis"


def _ingest(plan: BenchPlan) -> list[str]:
    return cli(plan, "ingest", str(plan.inbox_dir))


def _run(plan: BenchPlan) -> list[str]:
    return cli(plan, "run", "--no-publish")


def _metrics(plan: BenchPlan) -> list[str]:
    return cli(plan, "metrics", "build")


for stage in (
    generate_stage,
    Stage("ingest", _ingest, ok_exit_codes=(0, 1)),
    Stage("run --no-publish", _run),
    Stage("business metrics", _metrics, "3M: inside the daily job's 600 s (issue 21)"),
):
    register_stage(SUITE, stage)
