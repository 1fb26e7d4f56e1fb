"""`brokerlens daily INBOX` as a scheduler runs it: new dates in, computed, published, counted;
exit codes; one run at a time; killed anywhere, the next run finishes the job and the home ends
as an uninterrupted run leaves it, while readers see the old date or the new one."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest

from brokerlens.bench.daily import kill_when, newest_report, served
from brokerlens.bench.home_contents import differences, home_contents
from brokerlens.config import load_settings
from brokerlens.errors import RunBusy
from brokerlens.generate import GenerateOptions, generate
from brokerlens.lake.lock import file_lock
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
