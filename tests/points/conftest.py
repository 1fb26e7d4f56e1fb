"""The hand-built points lake (points_handbox.py), ingested and awarded day by day once per
session: the step's tests and the report's read it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest

from brokerlens.config import Settings, load_settings
from brokerlens.ingest import ingest_inbox
from brokerlens.pipeline.single import run_single_step
from points.points_handbox import D4, DAYS, build_box, write_rules


@dataclass(frozen=True)
class Lake:
    settings: Settings
    notes: dict[dt.date, str]


@pytest.fixture(scope="session")
def lake(tmp_path_factory: pytest.TempPathFactory) -> Lake:
    root = tmp_path_factory.mktemp("points_hand")
    settings = load_settings(home=root / "home")
    report = ingest_inbox(settings, build_box().write(root / "inbox"))
    assert report.exit_code == 0, [d.reason for d in report.dates if d.reason]
    write_rules(settings)
    run_single_step(settings, "customer_day", as_of=D4)
    notes = {}
    for day in DAYS:
        _, outcome = run_single_step(settings, "points", as_of=day)
        notes[day] = outcome.result.note
    return Lake(settings, notes)
