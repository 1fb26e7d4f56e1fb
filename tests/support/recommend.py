"""A generated brokerage long enough to fit and run the recommender: `recommend_run`."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from brokerlens.config import Settings, load_settings

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
