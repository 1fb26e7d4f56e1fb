"""Bench suite `serve`: the serving side at scale.

The generated brokerage is loaded and computed without publishing, then `publish` is timed on
its own (profile table, reference data, changes, trend, flip). Later stages (web requests and
the like) register here too with `register_stage("serve", ...)`.
"""

from __future__ import annotations

from brokerlens.bench.harness import BenchPlan, Stage, cli, generate_stage, register_stage


def _ingest(plan: BenchPlan) -> list[str]:
    return cli(plan, "ingest", str(plan.inbox_dir))


def _run(plan: BenchPlan) -> list[str]:
    return cli(plan, "run", "--no-publish")


def _publish(plan: BenchPlan) -> list[str]:
    return cli(plan, "publish")


for stage in (
    generate_stage,
    Stage("ingest", _ingest, ok_exit_codes=(0, 1)),
    Stage("run --no-publish", _run),
    Stage("publish", _publish, "3M <= 120 s"),
):
    register_stage("serve", stage)
