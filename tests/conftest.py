"""One deterministic small brokerage, generated and loaded once per test session, for every
test that needs a realistic lake rather than hand-built rows; and the order in which `make test`
hands the test files to its pytest-xdist workers; and the check that fails a run on a skip
tests/skips-allowed.txt does not allow (support/skips.py)."""

from __future__ import annotations

import datetime as dt

import pytest

from brokerlens.config import load_settings
from support import fast_hashes, fresh_stores
from support.brokerage import Brokerage
from support.skips import pytest_addoption, pytest_configure  # noqa: F401  (no silent skip)
from support.store import pg_store_url, store_settings  # noqa: F401  (shared fixtures)

fresh_stores.install()  # a new store is a copy of one migrated once per process
fast_hashes.install()  # argon2id with cheap parameters (support/fast_hashes.py)

SMALL_SEED = 20261122
SLOW_MARKS = ("slow", "spark", "browser")


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """On a pytest-xdist worker (`make test` runs `-n 2 --dist loadfile --no-loadscope-reorder`,
    which hands out whole files in this order): the files with a slow, Spark or browser test
    first, so no worker is left alone with one of them at the end. A stable sort: each file's
    tests stay together and in order, as do the Spark files among themselves (the engine
    parity test expects the dialect tests before it). A run without workers keeps its order."""
    if not hasattr(config, "workerinput"):
        return
    slow = {
        item.nodeid.split("::", 1)[0]
        for item in items
        if any(item.get_closest_marker(mark) for mark in SLOW_MARKS)
    }
    items.sort(key=lambda item: item.nodeid.split("::", 1)[0] not in slow)


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
