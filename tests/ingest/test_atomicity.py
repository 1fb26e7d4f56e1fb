"""A load killed half-way leaves the lake exactly as it was; the next run succeeds."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from brokerlens.ingest import ingest_inbox
from brokerlens.lake.commit import PAUSE_ENV
from support.factories import (
    D1,
    D2,
    D3,
    fact_date,
    make_daily_assets,
    query,
    reference_date,
    settings_for,
)

SNAPSHOT = (
    "select (select count(*) from daily_assets), (select sum(cash) from daily_assets), "
    "(select count(*) from trades), (select count(*) from customers), "
    "(select count(*) from quarantine)"
)


def start_ingest(home: Path, inbox: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "brokerlens", "--home", str(home), "ingest", str(inbox)],
        env={**os.environ, PAUSE_ENV: "60"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def wait_for_staged_directory(dates: Path, known: set[str], proc: subprocess.Popen[bytes]) -> None:
    """Until a new date directory is completely written (its quarantine file is the last)."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert proc.poll() is None, "the ingest ended before it could be killed"
        new = [p for p in dates.iterdir() if p.name not in known]
        if new and (new[0] / "_quarantine.parquet").exists():
            time.sleep(0.2)  # now inside the test pause, before the catalog swap
            return
        time.sleep(0.05)
    raise AssertionError("no staged directory appeared")


def test_kill_during_a_load_leaves_the_lake_unchanged(tmp_path: Path) -> None:
    home, inbox = tmp_path / "home", tmp_path / "inbox"
    reference_date(inbox, D1)
    fact_date(inbox, D1)
    fact_date(inbox, D2)
    settings = settings_for(home)
    assert ingest_inbox(settings, inbox).exit_code == 0
    catalog = (settings.lake_dir / "catalog.json").read_bytes()
    before = query(settings, SNAPSHOT)
    dates = settings.lake_dir / "dates"
    known = {p.name for p in dates.iterdir()}

    later = tmp_path / "later"
    fact_date(later, D2, daily_assets=[make_daily_assets("C1", D2, cash=5)])  # a re-delivery
    fact_date(later, D3)  # and a new date
    proc = start_ingest(home, later)
    try:
        wait_for_staged_directory(dates, known, proc)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    assert proc.returncode == -signal.SIGKILL

    assert (settings.lake_dir / "catalog.json").read_bytes() == catalog
    assert query(settings, SNAPSHOT) == before
    assert len(list(dates.iterdir())) > len(known)  # the half-done directory is there, unseen

    report = ingest_inbox(settings, later)  # the next run cleans up and succeeds
    assert [d.status for d in report.dates] == ["loaded", "loaded"]
    assert report.garbage_collected
    d2_cash = "select sum(cash) from daily_assets where biz_date = DATE '2025-01-03'"
    assert query(settings, d2_cash) == [(5,)]
    assert len(list(dates.iterdir())) == 3
