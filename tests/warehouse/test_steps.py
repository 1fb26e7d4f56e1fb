"""Run steps: declared by their packages, ordered by what they read and write, run by the
pipeline without a central list."""

from __future__ import annotations

import datetime as dt
import shutil
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest

from brokerlens.config import load_settings
from brokerlens.errors import ConfigError
from brokerlens.pipeline import discover_steps, run_pipeline
from brokerlens.warehouse import steps as registry
from brokerlens.warehouse.steps import RunContext, RunStep, StepResult, ordered, run_step
from support.brokerage import Brokerage

ROOT = Path(__file__).resolve().parents[2]


def _step(name: str, reads: tuple[str, ...] = (), writes: tuple[str, ...] = ()) -> RunStep:
    return RunStep(name, lambda ctx: StepResult(), reads, writes)


def test_a_step_runs_after_every_step_that_writes_what_it_reads() -> None:
    steps = {
        "report": _step("report", reads=("scores",)),
        "scores": _step("scores", reads=("days", "levels"), writes=("scores",)),
        "levels": _step("levels", writes=("levels",)),
        "days": _step("days", writes=("days",)),
    }
    assert [s.name for s in ordered(steps)] == ["levels", "days", "scores", "report"]


def test_steps_in_a_circle_are_refused_by_name() -> None:
    steps = {"a": _step("a", ("y",), ("x",)), "b": _step("b", ("x",), ("y",))}
    with pytest.raises(ConfigError, match="circle: a, b"):
        ordered(steps)


def test_the_shipped_steps_come_in_data_flow_order() -> None:
    names = [s.name for s in discover_steps()]
    assert set(names) >= {
        "customer_day",
        "lots",
        "customer_month",
        "questionnaire triggers",
        "riskpref levels",
        "indicators",
        "profile",
        "alerts",
        "activation",
        "360 lookup",
        "suitability facts",
        "suitability reports",
        "churn",
    }
    before = [
        ("customer_day", "customer_month"),
        ("questionnaire triggers", "indicators"),
        ("riskpref levels", "indicators"),
        ("lots", "indicators"),
        ("indicators", "profile"),
        ("profile", "alerts"),
        ("suitability facts", "suitability reports"),
        ("indicators", "churn"),
    ]
    for first, then in before:
        assert names.index(first) < names.index(then), (first, then)


def test_steps_belong_to_packages_below_the_pipeline() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))
    contract = next(c for c in config["tool"]["importlinter"]["contracts"] if c["id"] == "layers")
    layers = [{p.strip() for p in line.split("|")} for line in contract["layers"]]
    pipeline_at = next(i for i, layer in enumerate(layers) if "pipeline" in layer)
    below = set().union(*layers[pipeline_at + 1 :])
    for step in discover_steps():
        assert step.package in below, f"{step.name} is declared in {step.package}"
        assert step.on_engine or step.local, f"{step.name} runs off the engine without a reason"


@pytest.fixture
def extra_step() -> Iterator[list[dt.date]]:
    seen: list[dt.date] = []

    @run_step("test: after the profile", reads=("profile",))
    def after_profile(ctx: RunContext) -> StepResult:
        seen.append(ctx.as_of)
        assert ctx.warehouse.profile_file(ctx.as_of).exists()
        return StepResult(rows=7, note="ran")

    yield seen
    registry._STEPS.pop("test: after the profile")


def test_a_new_step_runs_without_editing_the_pipeline(
    small_brokerage: Brokerage, tmp_path: Path, extra_step: list[dt.date]
) -> None:
    shutil.copytree(small_brokerage.settings.lake_dir, tmp_path / "lake")
    settings = load_settings(home=tmp_path)
    report = run_pipeline(settings)
    assert extra_step == [report.as_of]
    names = [s.name for s in report.steps]
    assert names.index("profile") < names.index("test: after the profile")
    outcome = report.steps[names.index("test: after the profile")]
    assert (outcome.result.rows, outcome.result.note, outcome.engine) == (7, "ran", "duckdb")
    local = {s.name: s.engine for s in report.steps}
    assert local["360 lookup"].startswith("DuckDB into SQLite")
