"""The churn tests' brokerage: the hand-built 50 days, loaded once per session.

The first 30 days are loaded, the features as of day 25 are computed and kept, then the other
20 days are loaded: the point-in-time test compares the features of day 25 before and after.
The inbox carries a `_ground_truth/customers.parquet` beside the date folders, as a generated
one does (the fit reads the home alone; test_churn_model plants garbage there in its place).
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from brokerlens.config import Settings, load_settings
from churn.churn_handbox import DAYS, build_inbox
from web.conftest import app_client, published, sign_in  # noqa: F401  (for the API test)

CONFIG = Path(__file__).with_name("churn.yaml")
PIT_DAY = DAYS[25]


@dataclass(frozen=True)
class ChurnHome:
    inbox: Path
    settings: Settings
    features_before: pa.Table  # features as of PIT_DAY when only days 0..29 were loaded


def features_of(settings: Settings, day: object) -> pa.Table:
    from brokerlens.churn.config import load_config
    from brokerlens.churn.data import ChurnData

    with ChurnData(settings, load_config(settings)) as data:
        return data.features(day)  # type: ignore[arg-type]


@pytest.fixture(scope="session")
def churn_home(tmp_path_factory: pytest.TempPathFactory) -> ChurnHome:
    from brokerlens.ingest import ingest_inbox

    root = tmp_path_factory.mktemp("churn")
    box = build_inbox()
    early, late = root / "inbox_early", root / "inbox"
    box.write(early, DAYS[:30])
    box.write(late, DAYS[30:])
    truth = late / "_ground_truth"
    truth.mkdir()
    pq.write_table(pa.table({"customer_id": ["S_OUT"]}), truth / "customers.parquet")
    settings = load_settings(home=root / "home")
    (settings.home / "churn").mkdir(parents=True)
    shutil.copy(CONFIG, settings.home / "churn" / "churn.yaml")
    for inbox in (early, late):
        report = ingest_inbox(settings, inbox)
        assert report.exit_code == 0, [d.reason for d in report.dates if d.reason]
        if inbox == early:
            before = features_of(settings, PIT_DAY)
    return ChurnHome(late, settings, before)


def copy_home(home: ChurnHome, target: Path) -> Settings:
    """A private copy of the loaded home, for tests that write models or scores."""
    shutil.copytree(home.settings.home, target)
    return load_settings(home=target)
