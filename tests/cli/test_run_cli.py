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


def test_a_full_disk_is_a_message_and_the_next_run_finishes(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """DuckDB's write failing for want of space (as it said at 1,000,000 customers on a full
    disk) is named with the file and what to do, not a traceback; the run then goes through."""
    import duckdb

    from brokerlens.engine.duckdb_engine import DuckDBEngine

    target = home / "warehouse" / "customer_day" / ".x.parquet.partial"
    written = DuckDBEngine.write_parquet

    def full(self: DuckDBEngine, sql: str, path: Path, *args: object, **kw: object) -> int:
        if "customer_day" in str(path):
            raise duckdb.IOException(
                'IO Error: Async write failed: {"exception_type":"IO","exception_message":'
                f'"Could not write file \\"{target}\\": No space left on device"}}'
            )
        return written(self, sql, path, *args, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(DuckDBEngine, "write_parquet", full)
    failed = brokerlens("--home", str(home), "run")
    assert failed.returncode == 2
    assert "Traceback" not in failed.stderr
    said = " ".join(failed.stderr.split())
    assert f"the disk is full: could not write {target}" in said
    assert "free space on that disk" in said
    monkeypatch.setattr(DuckDBEngine, "write_parquet", written)
    assert brokerlens("--home", str(home), "run").returncode == 0


def test_an_os_error_for_want_of_space_names_the_file() -> None:
    import errno

    from brokerlens.errors import disk_full

    assert disk_full(ValueError("no")) is None
    full = disk_full(OSError(errno.ENOSPC, "No space left on device", "/srv/home/lake/x"))
    assert full is not None and "could not write /srv/home/lake/x" in str(full)
    try:  # a wrapped one is found through its cause
        try:
            raise OSError(errno.ENOSPC, "No space left on device", "/srv/a")
        except OSError as exc:
            raise RuntimeError("step failed") from exc
    except RuntimeError as wrapped:
        found = disk_full(wrapped)
    assert found is not None and "/srv/a" in str(found)
