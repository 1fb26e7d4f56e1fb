"""Bench suite `brokers`, stage `kpi` (issue 19 part D): after the suite's common stages, the
stage runs `brokerlens kpi build` over the bench's home with the 60 s target at 3M customers."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import brokerlens.bench.brokers_kpi  # noqa: F401  (registers the stages)
from brokerlens.bench.harness import SUITES, BenchPlan


def test_the_kpi_stage_builds_the_month_over_the_bench_home(tmp_path: Path) -> None:
    stages = SUITES["brokers"]
    names = [s.name for s in stages]
    assert names.index("run --no-publish") < names.index("kpi")
    assert len(names) == len(set(names))  # the common stages once, whoever added them
    plan = BenchPlan(1000, 5, dt.date(2025, 1, 2), 1, "csv", 0.0, tmp_path, "brokers")
    kpi = next(s for s in stages if s.name == "kpi")
    command = kpi.command(plan)
    assert command[-2:] == ["kpi", "build"]
    assert command[command.index("--home") + 1] == str(tmp_path / "home")
    assert "60 s" in kpi.target
