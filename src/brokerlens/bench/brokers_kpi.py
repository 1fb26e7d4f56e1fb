"""Bench suite `brokers`, stage `kpi` (issue 19 part D): the KPI of a month for every staff
member at scale (target: 3,000,000 customers <= 60 s).

Runnable over an existing home (`--home` with a lake ingested and run): `brokerlens kpi build`
runs only the steps it needs through `pipeline.single.run_single_step` - "relationship ledger"
(the ledger of T) then "kpi scores" (every metric's customers, the values, the scores and ranks
of the month to date, and each complete month not yet scored as complete). The suite's common
stages (generate, ingest, run --no-publish) are added here unless another part's module of the
suite added them first.
"""

from __future__ import annotations

from brokerlens.bench.harness import SUITES, BenchPlan, Stage, cli, generate_stage, register_stage

SUITE = "brokers"


def _ingest(plan: BenchPlan) -> list[str]:
    return cli(plan, "ingest", str(plan.inbox_dir))


def _run(plan: BenchPlan) -> list[str]:
    return cli(plan, "run", "--no-publish")


def _kpi(plan: BenchPlan) -> list[str]:
    return cli(plan, "kpi", "build")


COMMON = (
    generate_stage,
    Stage("ingest", _ingest, ok_exit_codes=(0, 1)),
    Stage("run --no-publish", _run),
)

_present = {s.name for s in SUITES.get(SUITE, [])}
for stage in COMMON:
    if stage.name not in _present:
        register_stage(SUITE, stage)
register_stage(SUITE, Stage("kpi", _kpi, "3M: <= 60 s"))
