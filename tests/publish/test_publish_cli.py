"""`brokerlens run` publishes at its end; `brokerlens publish` on its own; errors read plainly."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from support.brokerage import Brokerage
from support.cli import brokerlens


@pytest.fixture
def home(small_brokerage: Brokerage, tmp_path: Path) -> Path:
    shutil.copytree(small_brokerage.settings.lake_dir, tmp_path / "lake")
    return tmp_path


def test_run_publishes_and_publish_republishes(home: Path) -> None:
    env = {"BROKERLENS_DATABASE_URL": ""}
    nothing = brokerlens("--home", str(home), "publish", env=env)
    assert nothing.returncode == 2 and "Traceback" not in nothing.stderr
    assert "run `brokerlens run` first" in nothing.stderr

    done = brokerlens("--home", str(home), "run", env=env)
    assert done.returncode == 0, done.stderr
    assert "published 6" in done.stdout and "(snapshot 1, table profile_1" in done.stdout

    again = brokerlens("--home", str(home), "publish", env=env)
    assert again.returncode == 0, again.stderr
    assert "(snapshot 2, table profile_2" in again.stdout

    bad = brokerlens("--home", str(home), "publish", "--as-of", "2020-01-02", env=env)
    assert bad.returncode == 2 and "Traceback" not in bad.stderr
    assert "no profile has been computed as of that date" in bad.stderr


def test_run_no_publish_leaves_the_store_alone(home: Path) -> None:
    done = brokerlens("--home", str(home), "run", "--no-publish")
    assert done.returncode == 0, done.stderr
    assert "published" not in done.stdout
    assert not (home / "brokerlens.db").exists()


def test_publish_refreshes_every_segments_count(home: Path) -> None:
    import sqlalchemy as sa

    from brokerlens.access import Condition, count_customers, create_segment
    from brokerlens.auth import add_user, get_user, principal_of
    from brokerlens.auth.principal import Role
    from brokerlens.config import load_settings
    from brokerlens.store import dispose_engines, open_store
    from brokerlens.store.schema import segment_counts

    env = {"BROKERLENS_DATABASE_URL": ""}
    assert brokerlens("--home", str(home), "run", env=env).returncode == 0
    settings = load_settings(home=home, database_url=None)
    db = open_store(settings)
    add_user(
        db,
        username="hq_user",
        display_name="总部",
        role=Role.HQ_MARKETING,
        password="Segment-Refresh-2025",
    )
    hq = principal_of(get_user(db, "hq_user"))
    rich = [Condition(field="total_assets_t", op="ge", value=100000)]
    create_segment(db, hq, "十万以上", rich)
    expected = count_customers(db, hq, rich)
    dispose_engines()

    again = brokerlens("--home", str(home), "publish", env=env)
    assert again.returncode == 0, again.stderr
    assert "refreshed the counts of 1 segment(s)" in again.stdout
    with open_store(settings).connect() as connection:
        counted = connection.execute(sa.select(segment_counts.c.customers)).scalars().all()
    dispose_engines()
    assert counted == [expected] and expected > 0
