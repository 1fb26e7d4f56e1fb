"""Bench suite `brokers`, stage `statements` (issue 19 C): registered after the ledger it reads,
and runnable over an existing home, printing the step's time and what it made."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from brokerlens.bench import brokers_statements
from brokerlens.bench.harness import SUITES, BenchPlan
from support.brokers_statements import statements_home


def test_the_statements_stage_follows_the_ledger() -> None:
    names = [s.name for s in SUITES["brokers"]]
    assert names.index("relationship ledger") < names.index("statements")
    stage = next(s for s in SUITES["brokers"] if s.name == "statements")
    plan = BenchPlan(
        customers=1,
        days=1,
        start=dt.date(2025, 1, 2),
        seed=1,
        fmt="csv",
        bad_rows=0.0,
        workdir=Path("/w"),
        suite="brokers",
    )
    assert stage.command(plan)[-3:] == ["statements", "--home", "/w/home"]


def test_the_stage_runs_over_an_existing_home(
    tmp_path_factory: pytest.TempPathFactory, capsys: pytest.CaptureFixture[str]
) -> None:
    home = statements_home(tmp_path_factory)
    assert brokers_statements.main(["statements", "--home", str(home)]) == 0
    said = capsys.readouterr().out
    assert said.startswith("commission statements as of 2025-04-08:")
    assert "2025-04 through 2025-04-08" in said
