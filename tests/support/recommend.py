"""A generated brokerage long enough to fit and run the recommender: `recommend_run`, built
once per test session (support/built_once.py) and copied for each worker."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path

import pytest

from brokerlens.config import Settings, load_settings
from support.built_once import copy_of

SEED = 20261205
CUSTOMERS = 1500
DAYS = 66  # three 20-day windows to fit on, and T


@dataclass(frozen=True)
class RecommendRun:
    inbox: Path
    settings: Settings
    as_of: dt.date
    notes: dict[str, str]  # step -> the run's note
    removed: dict[str, int]  # the gate's removals from the top lists


def build_recommend_run(root: Path) -> RecommendRun:
    from brokerlens.generate import GenerateOptions, generate
    from brokerlens.ingest import ingest_inbox
    from brokerlens.pipeline import run_pipeline

    inbox = root / "inbox"
    generate(
        GenerateOptions(
            out=inbox, customers=CUSTOMERS, days=DAYS, start=dt.date(2025, 6, 3), seed=SEED
        )
    )
    settings = load_settings(home=root / "home")
    report = ingest_inbox(settings, inbox)
    assert report.exit_code == 0, [d.reason for d in report.dates if d.reason]
    run = run_pipeline(settings)
    notes = {s.name: s.result.note for s in run.steps}
    return RecommendRun(inbox, settings, run.as_of, notes, run.gate_removed)


def _build(root: Path) -> None:
    run = build_recommend_run(root)
    facts = {"as_of": run.as_of.isoformat(), "notes": run.notes, "removed": run.removed}
    (root / "run.json").write_text(json.dumps(facts), "utf-8")


def recommend_run_copy(factory: pytest.TempPathFactory) -> RecommendRun:
    """This worker's own copy of the session's recommender brokerage: a test may run on it."""
    root = copy_of(factory, "recommend_run", _build)
    facts = json.loads((root / "run.json").read_text("utf-8"))
    return RecommendRun(
        root / "inbox",
        load_settings(home=root / "home"),
        dt.date.fromisoformat(facts["as_of"]),
        facts["notes"],
        facts["removed"],
    )
