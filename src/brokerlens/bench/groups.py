"""Bench suite `groups` (issue 25): customer groups at scale. The generated brokerage is
loaded and its next-to-last date computed and published; N dynamic groups (`--groups`, seeded
by `--seed`) are created by bench users of four roles; their membership is refreshed on that
date (the first refresh: every member enters), the last date is computed and published (without
the refresh), and the refresh of every group on it is timed on its own (the daily run's step:
3M customers, 1,000 groups <= 120 s), then once more (a re-run of T replaces T's changes).
Last, the reads: a nested five-condition live count, a group's history and one date's change
page (p95 <= 300 ms each at 3M). The steps run as `python -m brokerlens.bench.groups_probe`.

Re-runs are idempotent: setup deletes the bench's own groups first (`--workdir` kept with
`--keep`, `--from-stage "groups setup"`).
"""

from __future__ import annotations

import sys
from collections.abc import Callable

from brokerlens.bench.harness import BenchPlan, Stage, cli, generate_stage, register_stage

SUITE = "groups"


def _dates(plan: BenchPlan) -> list[str]:
    return sorted(p.name for p in plan.inbox_dir.iterdir() if p.is_dir() and p.name[:2] == "20")


def _ingest(plan: BenchPlan) -> list[str]:
    return cli(plan, "ingest", str(plan.inbox_dir))


def _run_before_last(plan: BenchPlan) -> list[str]:
    dates = _dates(plan)
    return cli(plan, "run", "--as-of", dates[-2] if len(dates) > 1 else dates[-1])


def _run_last(plan: BenchPlan) -> list[str]:
    return cli(plan, "run", "--no-publish")


def _probe(step: str) -> Callable[[BenchPlan], list[str]]:
    def command(plan: BenchPlan) -> list[str]:
        home = str(plan.workdir / "home")
        argv = [sys.executable, "-m", "brokerlens.bench.groups_probe", step, "--home", home]
        return [*argv, "--groups", str(plan.groups), "--seed", str(plan.seed)]

    return command


for stage in (
    generate_stage,
    Stage("ingest", _ingest, ok_exit_codes=(0, 1)),
    Stage("run and publish T-1", _run_before_last),
    Stage("groups setup", _probe("setup")),
    Stage("groups refresh T-1 (first: all enter)", _probe("refresh")),
    Stage("run T --no-publish", _run_last),
    Stage("publish T (no refresh)", _probe("publish")),
    Stage("groups refresh T", _probe("refresh"), "3M, 1,000 groups: <= 120 s"),
    Stage("groups refresh T again", _probe("refresh"), "the same members and changes"),
    Stage("groups reads", _probe("reads"), "live count, history, change page: p95 <= 300 ms"),
):
    register_stage(SUITE, stage)
