"""The harness measures each stage on its own and stops at the first failure."""

import dataclasses
import datetime as dt
import sys
from pathlib import Path

import pytest

from brokerlens.bench import harness
from brokerlens.bench.harness import BenchPlan, Stage, run_bench
from brokerlens.errors import BrokerlensError

# Memory is sampled while a stage runs, so the allocation is held long enough to be seen.
ALLOCATE_200MB = (
    "import time; b = bytearray(200 * 1024 * 1024); b[::4096] = b'x' * len(b[::4096]); "
    "time.sleep(0.5)"
)


def plan(tmp_path: Path, suite: str) -> BenchPlan:
    return BenchPlan(10, 1, dt.date(2025, 1, 2), 1, "csv", 0.0, tmp_path / "work", suite)


@pytest.fixture
def suites(monkeypatch: pytest.MonkeyPatch) -> dict[str, list[Stage]]:
    fake: dict[str, list[Stage]] = {}
    monkeypatch.setattr(harness, "SUITES", fake)
    return fake


def test_each_stage_reports_its_own_peak_memory_not_the_parents(
    tmp_path: Path, suites: dict[str, list[Stage]]
) -> None:
    ballast = bytearray(300 * 1024 * 1024)  # the bench process itself is large
    ballast[::4096] = b"x" * len(ballast[::4096])
    harness.register_stage(
        "t", Stage("small", lambda p: [sys.executable, "-c", "import time; time.sleep(0.3)"])
    )
    harness.register_stage("t", Stage("big", lambda p: [sys.executable, "-c", ALLOCATE_200MB]))
    report = run_bench(plan(tmp_path, "t"))
    small, big = report.stages
    assert small.exit_code == big.exit_code == 0
    assert big.peak_rss_mb > 200 > small.peak_rss_mb
    assert '"name": "big"' in report.to_json()
    assert not (tmp_path / "work").exists()  # scratch removed unless kept


def test_a_failing_stage_stops_the_run(tmp_path: Path, suites: dict[str, list[Stage]]) -> None:
    harness.register_stage(
        "t", Stage("fails", lambda p: [sys.executable, "-c", "raise SystemExit(4)"])
    )
    harness.register_stage("t", Stage("never", lambda p: [sys.executable, "-c", "pass"]))
    with pytest.raises(BrokerlensError, match="'fails' failed with exit code 4"):
        run_bench(plan(tmp_path, "t"), keep=True)
    assert (tmp_path / "work" / "fails.log").exists()


def test_a_kept_workdir_resumes_at_a_stage(tmp_path: Path, suites: dict[str, list[Stage]]) -> None:
    for name in ("first", "second", "third"):
        harness.register_stage("t", Stage(name, lambda p: [sys.executable, "-c", "pass"]))
    resumed = dataclasses.replace(plan(tmp_path, "t"), from_stage="second")
    with pytest.raises(BrokerlensError, match="needs the earlier stages' home"):
        run_bench(resumed)
    (tmp_path / "work" / "home").mkdir(parents=True)
    report = run_bench(resumed)
    assert [s.name for s in report.stages] == ["second", "third"]
    assert (tmp_path / "work" / "home").is_dir()  # never removed: the earlier run's
    with pytest.raises(BrokerlensError, match="not a stage of t"):
        run_bench(dataclasses.replace(resumed, from_stage="fourth"))
