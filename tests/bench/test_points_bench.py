"""Bench suite `points` (issue 23): the step after the run that builds customer_day, the day
and every day and T again, then the reads; the reads stage runs over an existing home and
prints what it read."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from brokerlens.bench import points as points_bench
from brokerlens.bench.harness import SUITES, BenchPlan
from points.conftest import Lake, lake  # noqa: F401  (the hand-built points lake)

PLAN = BenchPlan(
    customers=1,
    days=1,
    start=dt.date(2025, 1, 2),
    seed=1,
    fmt="csv",
    bad_rows=0.0,
    workdir=Path("/w"),
    suite="points",
)


def test_the_suite_runs_the_step_after_the_run() -> None:
    stages = {s.name: s for s in SUITES["points"]}
    names = list(stages)
    assert names.index("run --no-publish") < names.index("points") < names.index("points reads")
    assert stages["points"].command(PLAN)[-2:] == ["points", "build"]
    assert stages["points every day"].command(PLAN)[-2:] == ["--since", "2025-01-02"]
    assert stages["points"].target == "3M: <= 60 s"


def test_the_reads_stage_runs_over_an_existing_home(
    lake: Lake,  # noqa: F811
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert points_bench.main(["reads", "--home", str(lake.settings.home)]) == 0
    said = capsys.readouterr().out
    assert said.startswith("4 day(s) of awards: one customer's ledger")
    assert "2 branches" in said and "customers' awards" in said
