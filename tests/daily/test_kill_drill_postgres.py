"""The daily job's kill drill on PostgreSQL: a home one date behind, its store a PostgreSQL
database, is killed inside the slowest step, inside the publish and right after its flip (where
the store takes part; the SQLite drill kills while loading and at every phase boundary), each
time in a fresh copy of the home and of the database (`CREATE DATABASE ... TEMPLATE`); the next
`daily` must leave it as an uninterrupted run does, and a reader must meanwhile see one whole
date. The SQLite side: tests/daily/test_daily_job.py."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from brokerlens.bench.daily import KillPoint, daily, drill, served
from brokerlens.generate import GenerateOptions, generate
from support.store import PG_URL, pg_database

pytestmark = pytest.mark.slow

DAYS = 4


def inbox_of(delivered: Path, where: Path, days: int) -> Path:
    """An inbox holding the first `days` dates the counter delivered (as links)."""
    where.mkdir(parents=True)
    for folder in sorted(p for p in delivered.iterdir() if p.name[0].isdigit())[:days]:
        (where / folder.name).symlink_to(folder)
    return where


@pytest.fixture
def store() -> Iterator[str]:
    with pg_database("kill_drill") as url:
        yield url


# Where the store matters: the SQLite drill (tests/daily/test_daily_job.py) kills at every step's
# boundary and while loading; here the slowest step and the publish around its flip, each kill
# costing two runs of the job.
WANTED = (
    "inside 计算 ",  # the slowest run step (the slowest comes first)
    "after 发布 staging (DuckDB)",  # inside the publish, before the flip
    "after 发布 flip (write lock)",  # right after the flip
)


def chosen(points: list[KillPoint]) -> list[KillPoint]:
    """The first of the uninterrupted run's kill points that each of WANTED starts."""
    picked = [next((p for p in points if p[0].startswith(want)), None) for want in WANTED]
    assert None not in picked, [p[0] for p in points]
    return [p for p in picked if p is not None]


def copies() -> set[str]:
    """The drill's copies of databases on the server (`drill_<hex>`, see bench.store_copy)."""
    admin = sa.create_engine(PG_URL)
    try:
        with admin.connect() as connection:
            names = connection.execute(sa.text("SELECT datname FROM pg_database")).scalars()
            return {name for name in names if name.startswith("drill_")}
    finally:
        admin.dispose()


def test_killed_anywhere_on_postgres_the_next_run_finishes_as_an_uninterrupted_one(
    store: str, tmp_path: Path
) -> None:
    delivered = tmp_path / "generated"
    start = dt.date(2025, 6, 3)
    generate(GenerateOptions(out=delivered, customers=150, days=DAYS, start=start, seed=21))
    home = tmp_path / "home"
    history = daily(home, inbox_of(delivered, tmp_path / "history", DAYS - 1), store)
    assert history.returncode == 0, history.stdout + history.stderr
    assert not (home / "brokerlens.db").exists()  # published to PostgreSQL, not to SQLite
    yesterday = served(home, store)[0]
    before = copies()

    full = inbox_of(delivered, tmp_path / "full", DAYS)
    figures = drill(home, full, tmp_path / "drill", store, chosen)

    results = figures["results"]
    assert isinstance(results, list) and len(results) == len(WANTED)
    for result in results:
        assert result["killed"], f"{result['where']}: the run ended before the kill"
        assert result["served_whole"], f"{result['where']}: a reader saw a mixed date"
        assert result["exit_code"] == 0, result["where"]
        assert result["different"] == [], result["where"]
    assert copies() <= before  # every copy dropped
    assert served(home, store)[0] == yesterday  # the base itself untouched
