"""The `serve` bench suite ends by timing `brokerlens publish` in the bench's home."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from brokerlens.bench.harness import SUITES, BenchPlan
from brokerlens.bench.serve import _publish  # noqa: F401  (importing registers the suite)


def test_serve_suite_times_publish(tmp_path: Path) -> None:
    stages = {stage.name: stage for stage in SUITES["serve"]}
    assert {"publish", "publish (PostgreSQL)"} <= set(stages)
    assert "run --no-publish" in stages
    plan = BenchPlan(10, 2, dt.date(2025, 1, 2), 1, "csv", 0.0, tmp_path, "serve")
    command = stages["publish"].command(plan)
    assert command[-1] == "publish" and str(tmp_path / "home") in command
