"""A computed warehouse for publish tests: the small brokerage's lake, profiles as of its last
two loaded dates. Each test gets a home linking to it, with a store of its own."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from publish_home import Computed, linked_home

from brokerlens.config import Settings, load_settings
from brokerlens.lake.catalog import read_catalog
from brokerlens.lake.layout import LakeLayout
from brokerlens.store import dispose_engines
from support.brokerage import Brokerage
from support.store import BACKENDS, settings_for


@pytest.fixture(scope="session")
def computed(small_brokerage: Brokerage, tmp_path_factory: pytest.TempPathFactory) -> Computed:
    from brokerlens.pipeline import run_pipeline

    home = tmp_path_factory.mktemp("publish_computed") / "home"
    shutil.copytree(small_brokerage.settings.lake_dir, home / "lake")
    settings = load_settings(home=home)
    dates = sorted(read_catalog(LakeLayout(settings.lake_dir)).dates)
    run_pipeline(settings, as_of=dates[-2])
    run_pipeline(settings, as_of=dates[-1])
    return Computed(home, dates[-2], dates[-1])


@pytest.fixture(params=BACKENDS)
def pub_settings(
    request: pytest.FixtureRequest, computed: Computed, tmp_path: Path
) -> Iterator[Settings]:
    """Settings over the computed warehouse with an empty store, on SQLite and PostgreSQL."""
    settings = settings_for(request.param, linked_home(computed, tmp_path), request)
    yield settings
    dispose_engines()
