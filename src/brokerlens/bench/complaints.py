"""Bench suite `complaints`: the annual complaint summary at scale (issue 18).

The generated brokerage is loaded, run and published; then about 100,000 complaints with a seed
are put in the store (a generated brokerage's feed holds few a year) and the annual summary is
timed in the process, as head-office compliance and as a branch manager, with its export.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable

from brokerlens.bench.complaints_setup import BENCH_COMPLAINTS_FILE
from brokerlens.bench.harness import BenchPlan, Stage, cli, generate_stage, register_stage

COMPLAINTS = 100_000


def _command(*args: str) -> Callable[[BenchPlan], list[str]]:
    def command(plan: BenchPlan) -> list[str]:
        return cli(plan, *args)

    return command


def _ingest(plan: BenchPlan) -> list[str]:
    return cli(plan, "ingest", str(plan.inbox_dir))


def _home(plan: BenchPlan) -> str:
    return str(plan.workdir / "home")


def _setup(plan: BenchPlan) -> list[str]:
    return [
        sys.executable, "-m", "brokerlens.bench.complaints_setup",
        "--home", _home(plan), "--complaints", str(COMPLAINTS), "--seed", str(plan.seed),
    ]  # fmt: skip


def _probe(plan: BenchPlan) -> list[str]:
    found = json.loads((plan.workdir / BENCH_COMPLAINTS_FILE).read_text(encoding="utf-8"))
    return [
        sys.executable, "-m", "brokerlens.bench.complaints_probe",
        "--home", _home(plan), "--year", str(found["year"]),
    ]  # fmt: skip


for stage in (
    generate_stage,
    Stage("ingest", _ingest, ok_exit_codes=(0, 1)),
    Stage("run --no-publish", _command("run", "--no-publish")),
    Stage("publish", _command("publish")),
    Stage("complaints: 100,000 seeded", _setup),
    Stage("annual complaint summary", _probe, "3M: <= 5 s"),
):
    register_stage("complaints", stage)
