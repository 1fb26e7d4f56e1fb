"""Bench suite `compliance`: compliance operations at scale (issue 18).

The generated brokerage is loaded and run without publishing; then the call-back rules are
timed on their own, step and load together (`brokerlens callbacks build`): first with no
store, so the run draws the year's sample (start the brokerage late in a year, so that T falls
in the next one and its prior year-end is in the lake) and the new accounts' tasks and the
store takes them all; then again, a later day's work: the sample is in the store, only new
accounts are looked at (and replacements, of which there are none yet). Then the brokerage is
published and the call-back work list page is timed over HTTP as a call-centre user
(`serve_probe callbacks`).
"""

from __future__ import annotations

import sys

from brokerlens.bench.harness import BenchPlan, Stage, cli, generate_stage, register_stage


def _ingest(plan: BenchPlan) -> list[str]:
    return cli(plan, "ingest", str(plan.inbox_dir))


def _run(plan: BenchPlan) -> list[str]:
    return cli(plan, "run", "--no-publish")


def _callbacks(plan: BenchPlan) -> list[str]:
    return cli(plan, "callbacks", "build")


def _publish(plan: BenchPlan) -> list[str]:
    return cli(plan, "publish")


def _probe(plan: BenchPlan) -> list[str]:
    home = str(plan.workdir / "home")
    return [sys.executable, "-m", "brokerlens.bench.serve_probe", "callbacks", "--home", home]


for stage in (
    generate_stage,
    Stage("ingest", _ingest, ok_exit_codes=(0, 1)),
    Stage("run --no-publish", _run),
    Stage("call-backs: the year's sample + new accounts (step + load)", _callbacks, "3M: <= 30 s"),
    Stage("call-backs: a later day (step + load)", _callbacks, "3M: <= 30 s"),
    Stage("publish", _publish),
    Stage("call-back work list page", _probe, "p95 <= 300 ms"),
):
    register_stage("compliance", stage)
