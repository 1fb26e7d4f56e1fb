"""One deterministic small brokerage, generated and loaded once per test session, for every
test that needs a realistic lake rather than hand-built rows; and the order in which `make test`
hands the test files to its pytest-xdist workers; and the check that fails a run on a skip
tests/skips-allowed.txt does not allow (support/skips.py)."""

from __future__ import annotations

import datetime as dt
import gc
from pathlib import Path

import pytest

from brokerlens.config import load_settings
from support import fast_hashes, fresh_stores
from support.brokerage import Brokerage
from support.built_once import copy_of
from support.skips import pytest_addoption, pytest_configure  # noqa: F401  (no silent skip)
from support.store import pg_store_url, store_settings  # noqa: F401  (shared fixtures)

fresh_stores.install()  # a new store is a copy of one migrated once per process
fast_hashes.install()  # argon2id with cheap parameters (support/fast_hashes.py)
# A test process holds half a million objects by its end, and the default thresholds (700, 10,
# 10) scan them all a hundred times over: 7% of the tests' time went to the collector. Fewer,
# larger young collections (tests/access + tests/publish: 29 s of collection -> 14 s).
gc.set_threshold(20_000, 20, 10)

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
    """Generated and loaded once for the session (support/built_once.py); each worker has its
    own copy."""
    root = copy_of(tmp_path_factory, "small_brokerage", _generate_and_load)
    return Brokerage(root / "inbox", load_settings(home=root / "home"))


def _generate_and_load(root: Path) -> None:
    from brokerlens.generate import GenerateOptions, generate
    from brokerlens.ingest import ingest_inbox

    inbox = root / "inbox"
    generate(
        GenerateOptions(
            out=inbox, customers=600, days=12, start=dt.date(2025, 3, 3), seed=SMALL_SEED
        )
    )
    report = ingest_inbox(load_settings(home=root / "home"), inbox)
    assert report.exit_code == 0, [d.reason for d in report.dates if d.reason]
