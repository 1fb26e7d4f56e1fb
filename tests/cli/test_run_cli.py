"""`brokerlens run` as a user meets it."""

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


def test_run_then_read_the_profile(home: Path) -> None:
    done = brokerlens("--home", str(home), "run")
    assert done.returncode == 0, done.stderr
    assert "customers profiled with catalog default" in done.stdout
    assert "alerts on " in done.stdout  # the alerts of T, counted per alert
    said = " ".join(done.stdout.split())
    assert "churn: skipped: no churn model yet (brokerlens churn fit)" in said
    # 12 days of March 2025: no quarter ended by then is in the lake
    assert "behavioural risk preference: no quarter ended by this date is wholly in" in said
    query = brokerlens(
        "--home", str(home), "sql", "select count(*) n from customer_profile", "--format", "csv"
    )
    assert query.returncode == 0 and int(query.stdout.split()[1]) > 500


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--as-of", "2020-01-02"], "--as-of 2020-01-02 is not a loaded business date"),
        (["--as-of", "yesterday"], "--as-of 'yesterday' is not a date"),
        (["--engine", "oracle"], "unknown engine 'oracle'"),
    ],
)
def test_bad_parameters_get_a_message_not_a_traceback(
    home: Path, args: list[str], message: str
) -> None:
    done = brokerlens("--home", str(home), "run", *args)
    assert done.returncode == 2
    assert message in done.stderr
    assert "Traceback" not in done.stderr


def test_run_on_an_empty_home_says_what_to_do(tmp_path: Path) -> None:
    done = brokerlens("--home", str(tmp_path), "run")
    assert done.returncode == 2
    assert "brokerlens ingest" in done.stderr
