"""`brokerlens daily INBOX` as a scheduler runs it: new dates in, computed, published, counted;
exit codes; one run at a time; killed anywhere, the next run finishes the job and the home ends
as an uninterrupted run leaves it, while readers see the old date or the new one."""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
import threading
import time
from dataclasses import replace
from pathlib import Path

import pytest
import sqlalchemy as sa

from brokerlens.bench.daily import kill_when, newest_report, served
from brokerlens.bench.home_contents import connected, differences, home_contents, store_url
from brokerlens.config import load_settings
from brokerlens.daily import run_daily
from brokerlens.errors import ConfigError, RunBusy
from brokerlens.generate import GenerateOptions, generate
from brokerlens.lake.lock import file_lock
from brokerlens.publish import bulk
from brokerlens.warehouse import steps as steps_module
from brokerlens.warehouse.steps import RunContext, StepResult, registered_steps
from support.cli import brokerlens

pytestmark = pytest.mark.slow

DAYS = 8


@pytest.fixture(scope="module")
def delivered(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("daily") / "generated"
    generate(GenerateOptions(out=out, customers=250, days=DAYS, start=dt.date(2025, 6, 3), seed=21))
    return out


def inbox_of(delivered: Path, where: Path, days: int) -> Path:
    """An inbox holding the first `days` dates the counter delivered (as links)."""
    where.mkdir(parents=True, exist_ok=True)
    for folder in sorted(p for p in delivered.iterdir() if p.name[0].isdigit())[:days]:
        (where / folder.name).symlink_to(folder)
    return where


def dates(delivered: Path) -> list[str]:
    return sorted(p.name for p in delivered.iterdir() if p.name[0].isdigit())


@pytest.fixture(scope="module")
def yesterday(delivered: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A home brought up to the next-to-last date by `daily`, and the full inbox."""
    root = tmp_path_factory.mktemp("yesterday")
    home = root / "home"
    first = brokerlens("--home", str(home), "daily", str(inbox_of(delivered, root / "a", DAYS - 1)))
    assert first.returncode == 0, first.stdout + first.stderr
    return home, inbox_of(delivered, root / "full", DAYS)


@pytest.fixture(scope="module")
def today(yesterday: tuple[Path, Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The same home after an uninterrupted daily run with the last date."""
    home = tmp_path_factory.mktemp("today") / "home"
    shutil.copytree(yesterday[0], home, symlinks=True)
    done = brokerlens("--home", str(home), "daily", str(yesterday[1]))
    assert done.returncode == 0, done.stdout + done.stderr
    return home


def test_a_new_date_is_loaded_computed_published_and_reported(
    yesterday: tuple[Path, Path], today: Path, delivered: Path
) -> None:
    last, before = dates(delivered)[-1], dates(delivered)[-2]
    assert served(yesterday[0])[0] == before
    as_of, rows, count = served(today)
    assert (as_of, rows) == (last, count) and rows > 0
    report = newest_report(today)
    assert report["status"] == "done" and report["exit_code"] == 0
    assert report["dates_loaded"] == [last] and report["already_loaded"] == DAYS - 1
    phases = {line["phase"] for line in report["steps"]}  # type: ignore[union-attr]
    assert phases == {"ingest", "run", "publish", "segments"}
    names = [line["name"] for line in report["steps"] if line["phase"] == "run"]  # type: ignore[union-attr]
    assert "indicators" in names and "360 lookup" in names
    assert report["peak_rss_mb"] > 0  # type: ignore[operator]


def test_nothing_new_exits_5_and_changes_nothing(today: Path, yesterday: tuple[Path, Path]) -> None:
    before = home_contents(today)
    again = brokerlens("--home", str(today), "daily", str(yesterday[1]))
    assert again.returncode == 5, again.stdout + again.stderr
    assert "nothing new" in again.stdout
    assert differences(home_contents(today), before) == []


def test_a_second_run_while_one_runs_exits_4(tmp_path: Path, yesterday: tuple[Path, Path]) -> None:
    settings = load_settings(home=tmp_path / "home")
    lock = settings.runs_dir / "daily.lock"
    with file_lock(lock, lambda pid: RunBusy(pid)):
        busy = brokerlens("--home", str(settings.home), "daily", str(yesterday[1]))
    assert busy.returncode == 4
    assert "another daily run is running" in busy.stderr and "Traceback" not in busy.stderr
    assert not settings.lake_dir.exists()  # it did nothing


def test_an_inbox_that_is_not_there_is_named(tmp_path: Path) -> None:
    missing = brokerlens("--home", str(tmp_path / "home"), "daily", str(tmp_path / "nope"))
    assert missing.returncode == 2 and "Traceback" not in missing.stderr
    assert "nope" in missing.stderr and "this run's report:" in missing.stderr
    assert newest_report(tmp_path / "home")["status"] == "failed"


# (where, the line after which it is killed, seconds later): every phase boundary, run-step
# boundaries early and late, inside the slowest steps (the product metrics and the indicators
# take longest on this brokerage) and inside the publish. One home is killed at each in turn
# (each run resumes what the one before left): cheaper than a fresh home per point, and a
# harder case. `brokerlens bench --suite daily` kills a fresh home at every step boundary.
KILL_POINTS = [
    ("while loading the new date", None, 1.2),
    ("after the new date is loaded", "入库 ", 0.0),
    ("after customer_day", "计算 customer_day ", 0.0),
    ("inside the product metrics", "计算 lots ", 0.5),
    ("inside the indicators", "计算 activation ", 0.4),
    ("after the profile", "计算 profile ", 0.0),
    ("inside the publish, before the flip", "发布 staging (DuckDB) ", 0.0),
    ("right after the flip", "发布 flip (write lock) ", 0.0),
]


def test_killed_again_and_again_the_next_run_finishes_as_an_uninterrupted_one(
    yesterday: tuple[Path, Path], today: Path, tmp_path: Path, delivered: Path
) -> None:
    home = tmp_path / "home"
    shutil.copytree(yesterday[0], home, symlinks=True)
    last, before = dates(delivered)[-1], dates(delivered)[-2]
    for where, after, delay in KILL_POINTS:
        seen = None if after is None else (lambda line, after=after: after in line)
        kill_when(home, yesterday[1], seen, delay)
        as_of, rows, count = served(home)  # a reader meanwhile: one whole date or the other
        assert as_of in (before, last) and rows == count, where
    finished = brokerlens("--home", str(home), "daily", str(yesterday[1]))
    assert finished.returncode == 0, finished.stdout + finished.stderr
    assert differences(home_contents(home), home_contents(today)) == []
    # killed in the publish: the run is not done again, the publish is
    assert newest_report(home)["resumed"] == ["run"]
    assert "计算 " not in finished.stdout and "continued an interrupted run" in finished.stdout


def test_a_rejected_date_exits_3_and_the_served_date_stays(
    yesterday: tuple[Path, Path], delivered: Path, tmp_path: Path
) -> None:
    home = tmp_path / "home"
    shutil.copytree(yesterday[0], home, symlinks=True)
    inbox = inbox_of(delivered, tmp_path / "inbox", DAYS - 1)
    last = dates(delivered)[-1]
    broken = inbox / last
    shutil.copytree(delivered / last, broken)
    with (broken / "daily_assets.csv").open("a", encoding="utf-8") as feed:
        feed.write("not,a,row,of,the,feed\n")  # the manifest's checksum no longer holds
    rejected = brokerlens("--home", str(home), "daily", str(inbox))
    assert rejected.returncode == 3, rejected.stdout + rejected.stderr
    assert "rejected" in rejected.stdout and "Traceback" not in rejected.stderr
    assert served(home)[0] == dates(delivered)[-2]
    report = newest_report(home)
    assert report["dates_rejected"] == [last] and report["status"] == "rejected"


def test_the_profile_loads_while_the_run_goes_on_and_ends_as_run_then_publish(
    yesterday: tuple[Path, Path], today: Path, tmp_path: Path
) -> None:
    # the daily job's report (the run that did the work, not a later "nothing new"): the store
    # took the profile rows before the run's last step ended
    reports = [json.loads(p.read_text()) for p in sorted((today / "runs").glob("daily-2*.json"))]
    worked = next(r for r in reports if any(s["phase"] == "run" for s in r["steps"]))
    steps = [(s["phase"], s["name"]) for s in worked["steps"]]
    assert steps.index(("publish", "profile rows")) < steps.index(("run", "work list"))
    assert steps.index(("run", "profile")) < steps.index(("publish", "staging (DuckDB)"))
    assert steps.index(("publish", "flip (write lock)")) > steps.index(("run", "work list"))
    # and readers get what the commands one after the other publish (the running aggregates'
    # files are cut differently by `run` alone, so only the store and the served copy count)
    home = tmp_path / "home"
    shutil.copytree(yesterday[0], home, symlinks=True)
    for command in (("ingest", str(yesterday[1])), ("run",), ("publish",)):
        done = brokerlens("--home", str(home), *command)
        assert done.returncode == 0, done.stdout + done.stderr
    served_now, served_today = _readers_see(home), _readers_see(today)
    assert served_now["store"] and differences(served_now, served_today) == []


def _readers_see(home: Path) -> dict[str, object]:
    return {k: v for k, v in home_contents(home).items() if not k.startswith("warehouse/")}


def test_a_run_failing_after_the_profile_calls_the_publish_off(
    yesterday: tuple[Path, Path], today: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "home"
    shutil.copytree(yesterday[0], home, symlinks=True)
    settings = load_settings(home)
    monkeypatch.setattr(bulk, "SQLITE_CHUNK_ROWS", 20)
    monkeypatch.setattr(bulk, "HOLD_SECONDS", 0.0)
    loading = threading.Event()

    def slow() -> None:  # the load is under way, and stays so for a while
        loading.set()
        time.sleep(0.3)

    monkeypatch.setattr(bulk, "between_batches", slow)
    real = registered_steps()["work list"]

    def broken(ctx: RunContext) -> StepResult:
        assert loading.wait(60), "the publish never began loading during the run"
        raise ConfigError("the work list's rules are broken")

    monkeypatch.setitem(steps_module._STEPS, "work list", replace(real, func=broken))
    before = served(home)
    with pytest.raises(ConfigError, match="work list"):
        run_daily(settings, yesterday[1])
    # readers kept the served date; the half-loaded table is gone, its snapshot marked failed
    assert served(home) == before
    with connected(store_url(home, None)) as connection:
        statuses = connection.execute(sa.text("select status from snapshots")).scalars().all()
        tables = sa.inspect(connection).get_table_names()
    assert statuses.count("failed") == 1 and "loading" not in statuses
    assert {t for t in tables if re.fullmatch(r"profile_\d+", t)} <= _served_tables(home)
    monkeypatch.undo()  # the rules mended: the next run finishes the job (the lock was let go)
    finished = brokerlens("--home", str(home), "daily", str(yesterday[1]))
    assert finished.returncode == 0, finished.stdout + finished.stderr
    assert differences(home_contents(home), home_contents(today)) == []


def _served_tables(home: Path) -> set[str]:
    with connected(store_url(home, None)) as connection:
        rows = connection.execute(
            sa.text("select table_name from snapshots where status in ('served', 'retired')")
        )
        return {r[0] for r in rows}
