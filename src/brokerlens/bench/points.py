"""Bench suite `points` (issue 23 section 1): the run step "points" at scale (the integrator
measures it at 3,000,000 customers against <= 60 s), every loaded day awarded once (so the
ledger has history), T run again (its file replaced: the same awards), and the reads the
service layer makes of the awards: one customer's ledger (the 360), the report's summaries by
branch, and the awards of 1,000 customers (the report replays those who spent points).

Over an existing home: `--workdir` kept from an earlier run of this suite and
`--from-stage points`. The reads stage runs as
`python -m brokerlens.bench.points reads --home HOME`; it prints one summary line.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
from pathlib import Path

import pyarrow.parquet as pq

from brokerlens.bench.harness import BenchPlan, Stage, cli, generate_stage, register_stage
from brokerlens.config import load_settings
from brokerlens.points.read import awards_of, issued_by_branch
from brokerlens.warehouse.query import customer_rows
from brokerlens.warehouse.served import Kind, kept_dates, kept_file

SUITE = "points"
SAMPLE = 1_000  # customers whose awards the report would replay


def _ingest(plan: BenchPlan) -> list[str]:
    return cli(plan, "ingest", str(plan.inbox_dir))


def _run(plan: BenchPlan) -> list[str]:
    return cli(plan, "run", "--no-publish")


def _points(plan: BenchPlan) -> list[str]:
    return cli(plan, "points", "build")


def _every_day(plan: BenchPlan) -> list[str]:
    return cli(plan, "points", "build", "--since", plan.start.isoformat())


def _reads(plan: BenchPlan) -> list[str]:
    home = str(plan.workdir / "home")
    return [sys.executable, "-m", "brokerlens.bench.points", "reads", "--home", home]


for stage in (
    generate_stage,
    Stage("ingest", _ingest, ok_exit_codes=(0, 1)),
    Stage("run --no-publish", _run),
    Stage("points", _points, "3M: <= 60 s"),
    Stage("points every day", _every_day),
    Stage("points again", _points, "the same awards as before"),
    Stage("points reads", _reads),
):
    register_stage(SUITE, stage)


def _files(home: Path, kind: Kind) -> list[Path]:
    settings = load_settings(home=home)
    found = (kept_file(settings, kind, d) for d in kept_dates(settings, kind))
    return [p for p in found if p is not None]


def reads(home: Path) -> str:
    """Time the service layer's reads of the kept awards; one line saying what was read."""
    awards, summaries = _files(home, "points_awards"), _files(home, "points_summary")
    if not awards:
        return "no awards kept: run `brokerlens points build` first"
    last = pq.read_table(awards[-1], columns=["customer_id"]).column("customer_id")
    ids = sorted(set(last.to_pylist()))
    if not ids:
        return f"{len(awards)} day(s) of awards, none on the last"
    started = time.perf_counter()
    one = customer_rows(awards, ids[len(ids) // 2], "entry_date, rule_id, ref")
    ledger = time.perf_counter() - started
    as_of = dt.date.today()
    started = time.perf_counter()
    branches = issued_by_branch(summaries, as_of, as_of + dt.timedelta(days=30))
    summary = time.perf_counter() - started
    sample = ids[:: max(1, len(ids) // SAMPLE)][:SAMPLE]
    started = time.perf_counter()
    rows = awards_of(awards, sample, as_of)
    replay = time.perf_counter() - started
    return (
        f"{len(awards)} day(s) of awards: one customer's ledger {ledger:.2f} s ({len(one)} rows); "
        f"summaries by branch {summary:.2f} s ({len(branches)} branches); "
        f"{len(sample):,} customers' awards {replay:.2f} s ({len(rows):,} rows)"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench.points")
    parser.add_argument("what", choices=["reads"])
    parser.add_argument("--home", required=True, type=Path)
    args = parser.parse_args(argv)
    sys.stdout.write(reads(args.home) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
