"""The `brokers` suite's stage `broker tree` over a home with the small brokerage's lake: it
loads the organisation's versions into the store and times the tree; the stage is registered."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from brokerlens.bench import brokers_tree
from brokerlens.bench.harness import SUITES
from brokerlens.config import load_settings
from brokerlens.store import dispose_engines, open_store
from brokerlens.store.brokers_tree_schema import staff_versions
from support.brokerage import Brokerage


def test_the_stage_loads_the_versions_and_times_the_tree(
    small_brokerage: Brokerage, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    home = tmp_path / "home"
    home.mkdir()
    (home / "lake").symlink_to(small_brokerage.settings.lake_dir, target_is_directory=True)
    try:
        assert brokers_tree.main(["--home", str(home)]) == 0
        said = capsys.readouterr().out
        assert "members as of" in said and "broker tree, whole firm" in said
        db = open_store(load_settings(home=home))
        with db.connect() as connection:
            stored = connection.execute(
                sa.select(sa.func.count()).select_from(staff_versions)
            ).scalar_one()
        assert stored > 0
    finally:
        dispose_engines()
    assert "broker tree" in [s.name for s in SUITES["brokers"]]
