"""Bench suite `brokers`, stage `statements` (issue 19 C): the monthly commission statements of
every staff member (income per customer and day, then the split by the ledger's shares), run as
one step over an existing home (`--home` with a lake ingested; the integrator measures it at
3,000,000 customers / 6.4M relationships against <= 60 s).

The stages run only the run steps they need, through `pipeline.single.run_single_step`: the
relationship ledger first (the statements read its file of T), then the statements. Run as
`python -m brokerlens.bench.brokers_statements STEP --home HOME [--as-of YYYY-MM-DD]`; prints
one summary line (the bench table shows it).
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

from brokerlens.bench.harness import (
    SUITES,
    BenchPlan,
    Stage,
    StageCommand,
    cli,
    generate_stage,
    register_stage,
)
from brokerlens.config import load_settings
from brokerlens.pipeline.single import run_single_step

SUITE = "brokers"
STEPS = {"ledger": "relationship ledger", "statements": "commission statements"}


def _step(name: str) -> StageCommand:
    def command(plan: BenchPlan) -> list[str]:
        home = str(plan.workdir / "home")
        module = "brokerlens.bench.brokers_statements"
        return [sys.executable, "-m", module, name, "--home", home]

    return command


def _ingest(plan: BenchPlan) -> list[str]:
    return cli(plan, "ingest", str(plan.inbox_dir))


def _register() -> None:
    # The suite is shared by the parts of issue 19: the brokerage is made once, by whichever
    # part's module registers first.
    known = {s.name for s in SUITES.get(SUITE, [])}
    if "generate" not in known:
        register_stage(SUITE, generate_stage)
    if "ingest" not in known:
        register_stage(SUITE, Stage("ingest", _ingest, ok_exit_codes=(0, 1)))
    if "relationship ledger" not in known:
        register_stage(SUITE, Stage("relationship ledger", _step("ledger")))
    register_stage(SUITE, Stage("statements", _step("statements"), "3M: <= 60 s"))


_register()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="brokers_statements")
    parser.add_argument("step", choices=sorted(STEPS))
    parser.add_argument("--home", required=True, type=Path)
    parser.add_argument("--as-of", default=None, help="YYYY-MM-DD (default: the last loaded day)")
    args = parser.parse_args(argv)
    as_of = dt.date.fromisoformat(args.as_of) if args.as_of else None
    day, outcome = run_single_step(load_settings(home=args.home), STEPS[args.step], as_of=as_of)
    note = outcome.result.note
    sys.stdout.write(f"{outcome.name} as of {day}: {outcome.seconds:.2f} s; {note}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
