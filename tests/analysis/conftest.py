"""A computed warehouse for the analysis tests: the small brokerage's lake, run as of its
newest date (no publish), once per worker."""

from __future__ import annotations

import shutil

import pytest

from brokerlens.config import Settings, load_settings
from support.brokerage import Brokerage


@pytest.fixture(scope="session")
def analysed(small_brokerage: Brokerage, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    from brokerlens.pipeline import run_pipeline

    home = tmp_path_factory.mktemp("analysed") / "home"
    shutil.copytree(small_brokerage.settings.lake_dir, home / "lake")
    settings = load_settings(home=home)
    run_pipeline(settings)
    return settings
