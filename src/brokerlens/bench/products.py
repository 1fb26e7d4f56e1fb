"""Bench suite `products`: the product centre at scale (issue 16 section 4).

The generated brokerage is loaded and run without publishing (the run fits the recommendation
model when none is usable), then each part is timed on its own, with its peak memory: the
product evaluation of T, scoring and gating every customer, and, once published, the serving
side over HTTP: a customer's recommendation panel (360) and a product's target-customer page.
"""

from __future__ import annotations

import sys
from collections.abc import Callable

from brokerlens.bench.harness import BenchPlan, Stage, cli, generate_stage, register_stage


def _command(*args: str) -> Callable[[BenchPlan], list[str]]:
    def command(plan: BenchPlan) -> list[str]:
        return cli(plan, *args)

    return command


def _ingest(plan: BenchPlan) -> list[str]:
    return cli(plan, "ingest", str(plan.inbox_dir))


def _probe(probe: str) -> Callable[[BenchPlan], list[str]]:
    def command(plan: BenchPlan) -> list[str]:
        home = str(plan.workdir / "home")
        return [sys.executable, "-m", "brokerlens.bench.serve_probe", probe, "--home", home]

    return command


for stage in (
    generate_stage,
    Stage("ingest", _ingest, ok_exit_codes=(0, 1)),
    Stage("run --no-publish", _command("run", "--no-publish")),
    Stage("product evaluation", _command("products", "metrics"), "100 products <= 30 s"),
    Stage("recommendations", _command("products", "recommend"), "3M: scoring + gate <= 5 min"),
    Stage("publish", _command("publish")),
    Stage("360 recommendations (API)", _probe("recommendations"), "p95 <= 100 ms"),
    Stage("target customers page", _probe("targets"), "<= 1 s"),
):
    register_stage("products", stage)
