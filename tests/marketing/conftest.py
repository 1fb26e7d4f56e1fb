"""A generated brokerage run once per session with the work list step: `worklist_home`."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import sqlalchemy as sa

from brokerlens.config import Settings
from brokerlens.store import open_store
from brokerlens.store.marketing_schema import (
    campaign_members,
    campaigns,
    service_records,
    work_item_states,
)
from support.brokerage import Brokerage


@dataclass(frozen=True)
class WorklistHome:
    settings: Settings
    as_of: dt.date
    note: str
    inbox_path: str


@pytest.fixture(scope="session")
def worklist_home(small_brokerage: Brokerage) -> WorklistHome:
    from brokerlens.pipeline import run_pipeline

    report = run_pipeline(small_brokerage.settings)
    return WorklistHome(
        small_brokerage.settings, report.as_of, report.note("work list"), str(small_brokerage.inbox)
    )


@pytest.fixture
def clean_store(worklist_home: WorklistHome) -> Iterator[sa.Engine]:
    """The store with no marketing rows before and after the test; no installation settings."""
    db = open_store(worklist_home.settings)
    config = worklist_home.settings.home / "marketing" / "worklist.yaml"

    def wipe() -> None:
        with db.begin() as connection:
            for table in (work_item_states, service_records, campaign_members, campaigns):
                connection.execute(sa.delete(table))
        config.unlink(missing_ok=True)

    wipe()
    yield db
    wipe()
