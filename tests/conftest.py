"""One deterministic small brokerage, generated and loaded once per test session, for every
test that needs a realistic lake rather than hand-built rows."""

from __future__ import annotations

import datetime as dt

import pytest

from brokerlens.config import load_settings
from support.brokerage import Brokerage
from support.store import pg_schema_url, store_settings  # noqa: F401  (shared fixtures)

SMALL_SEED = 20261122


@pytest.fixture(scope="session")
def small_brokerage(tmp_path_factory: pytest.TempPathFactory) -> Brokerage:
    from brokerlens.generate import GenerateOptions, generate
    from brokerlens.ingest import ingest_inbox

    root = tmp_path_factory.mktemp("small_brokerage")
    inbox = root / "inbox"
    generate(
        GenerateOptions(
            out=inbox, customers=600, days=12, start=dt.date(2025, 3, 3), seed=SMALL_SEED
        )
    )
    settings = load_settings(home=root / "home")
    report = ingest_inbox(settings, inbox)
    assert report.exit_code == 0, [d.reason for d in report.dates if d.reason]
    return Brokerage(inbox, settings)
