"""Bench suite `marketing`: acting on the analytics at scale (issue 17).

The generated brokerage is loaded, run (the run builds every broker's work list) and published;
then each part is timed on its own, with its peak memory: building every broker's work list of
T again (the run's "work list" step alone), a broker's home page over HTTP (p95), a campaign
over a segment of about 500,000 customers frozen and split at launch, and its outcome report.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable

from brokerlens.bench.harness import BenchPlan, Stage, cli, generate_stage, register_stage
from brokerlens.bench.marketing_setup import BENCH_CAMPAIGN_FILE, BENCH_USER

CAMPAIGN_MEMBERS = 500_000


def _command(*args: str) -> Callable[[BenchPlan], list[str]]:
    def command(plan: BenchPlan) -> list[str]:
        return cli(plan, *args)

    return command


def _ingest(plan: BenchPlan) -> list[str]:
    return cli(plan, "ingest", str(plan.inbox_dir))


def _home(plan: BenchPlan) -> str:
    return str(plan.workdir / "home")


def _probe(plan: BenchPlan) -> list[str]:
    return [sys.executable, "-m", "brokerlens.bench.serve_probe", "worklist", "--home", _home(plan)]


def _setup(plan: BenchPlan) -> list[str]:
    members = str(min(CAMPAIGN_MEMBERS, plan.customers // 6 or 1))
    return [
        sys.executable, "-m", "brokerlens.bench.marketing_setup",
        "--home", _home(plan), "--members", members,
    ]  # fmt: skip


def _campaign(verb: str) -> Callable[[BenchPlan], list[str]]:
    def command(plan: BenchPlan) -> list[str]:
        found = json.loads((plan.workdir / BENCH_CAMPAIGN_FILE).read_text(encoding="utf-8"))
        return cli(plan, "campaigns", verb, str(found["campaign_id"]), "--user", BENCH_USER)

    return command


for stage in (
    generate_stage,
    Stage("ingest", _ingest, ok_exit_codes=(0, 1)),
    Stage("run --no-publish", _command("run", "--no-publish")),
    Stage("publish", _command("publish")),
    Stage("work list (every broker)", _command("worklist", "build"), "3M: <= 60 s"),
    Stage("broker home page", _probe, "p95 <= 300 ms"),
    Stage("campaign: segment and draft", _setup),
    Stage("campaign launch (freeze + split)", _campaign("launch"), "500k: <= 10 s"),
    Stage("campaign outcome report", _campaign("report"), "500k: <= 5 s"),
):
    register_stage("marketing", stage)
