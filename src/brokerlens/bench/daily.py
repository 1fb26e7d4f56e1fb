"""Bench suites for the daily job (issue 21).

`daily`: the generated days but the last are brought in by one `daily` run (the first load and
the first publish), then the last date by another: the daily job a data centre schedules, timed
with its peak memory and its slowest steps; then a full rebuild (`run --full`) beside a raw scan
of every column of the lake, the ratio saying what the computation costs over reading.
`daily-drill`: the kill drill: a home one date behind is killed at every step boundary of the
daily job (and inside the slowest steps, and while loading), each time in a fresh copy; the next
`daily` must finish it as an uninterrupted run does (`home_contents`), and a reader meanwhile
sees one whole date.

The drill runs on the store the bench runs on: the home's SQLite file, or the PostgreSQL database
BROKERLENS_DATABASE_URL names when it is set (`brokerlens bench --suite daily-drill` with it set
publishes the history there). On PostgreSQL every killed copy of the home gets a copy of that
database too (`CREATE DATABASE ... TEMPLATE`, see `store_copy`), dropped when done.

`python -m brokerlens.bench.daily steps|scan|drill ...` are the stages that are not CLI commands.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb
import sqlalchemy as sa

from brokerlens.bench.harness import BenchPlan, Stage, cli, generate_stage, register_stage
from brokerlens.bench.home_contents import connected, differences, home_contents, store_url
from brokerlens.bench.indicators import hold_back
from brokerlens.bench.store_copy import StoreCopies
from brokerlens.console import console
from brokerlens.lake.catalog import read_catalog
from brokerlens.lake.layout import LakeLayout

STORE_VARIABLE = "BROKERLENS_DATABASE_URL"
KillPoint = tuple[str, str | None, float]  # where, the output line to kill after, seconds later


def environment(store: str | None, **extra: str) -> dict[str, str]:
    """This process's environment for a `brokerlens` run on `store` (None: the home's SQLite)."""
    env = {k: v for k, v in os.environ.items() if k != STORE_VARIABLE}
    if store is not None:
        env[STORE_VARIABLE] = store
    return {**env, "COLUMNS": "200", **extra}


def _daily_argv(home: Path, inbox: Path) -> list[str]:
    return [sys.executable, "-m", "brokerlens", "--home", str(home), "daily", str(inbox)]


def kill_when(
    home: Path,
    inbox: Path,
    seen: Callable[[str], bool] | None,
    delay: float,
    store: str | None = None,
) -> list[str]:
    """Start `brokerlens daily` (on `store`, a URL, or the home's SQLite when None), SIGKILL it
    `delay` seconds after a line of its output passes `seen` (or `delay` seconds after it
    started when `seen` is None); its lines so far. Raises RuntimeError when it ends before the
    kill point."""
    env = environment(store, PYTHONUNBUFFERED="1")
    proc = subprocess.Popen(
        _daily_argv(home, inbox),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
    )
    assert proc.stdout is not None
    lines: list[str] = []
    try:
        if seen is None:
            time.sleep(delay)
        else:
            for line in proc.stdout:
                lines.append(line)
                if seen(line):
                    time.sleep(delay)
                    break
            else:
                raise RuntimeError("the run ended before the kill point:\n" + "".join(lines))
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.wait(timeout=600)
        proc.stdout.close()
    return lines


def served(home: Path, store: str | None = None) -> tuple[str, int, int]:
    """What a reader sees: the served date, its snapshot's row count, its table's rows (of the
    store at `store`, or the home's SQLite when None)."""
    with connected(store_url(home, store)) as db:
        as_of, rows, table = db.execute(
            sa.text(
                "SELECT s.as_of_date, s.rows, s.table_name "
                "FROM serving v JOIN snapshots s ON s.snapshot_id = v.snapshot_id "
                "WHERE s.status = 'served'"
            )
        ).one()
        quoted = db.dialect.identifier_preparer.quote(table)  # the name the store keeps
        count = db.execute(sa.text(f"SELECT count(*) FROM {quoted}")).scalar_one()
    return str(as_of), int(rows), int(count)


def daily(home: Path, inbox: Path, store: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        _daily_argv(home, inbox),
        capture_output=True,
        text=True,
        env=environment(store),
    )


LINE = re.compile(r"^\d\d:\d\d:\d\d (\S+) (.+?)  ([0-9.]+) s")  # the CLI's progress line


def timed_daily(home: Path, inbox: Path, store: str | None = None) -> tuple[int, list[str], float]:
    """`daily` run to its end: its exit code, its output (stderr too), and the seconds from its
    start to its first line (the first date loaded: `kill_points` aims inside the loading)."""
    started = time.perf_counter()
    proc = subprocess.Popen(
        _daily_argv(home, inbox),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=environment(store, PYTHONUNBUFFERED="1"),
    )
    assert proc.stdout is not None
    lines: list[str] = []
    first = 0.0
    with proc.stdout:
        for line in proc.stdout:
            first = first or time.perf_counter() - started
            lines.append(line)
    return proc.wait(), lines, first


def kill_points(lines: list[str], first_line_at: float | None = None) -> list[KillPoint]:
    """(where, the output line to kill after, seconds later) for every finished piece of work
    of an uninterrupted run's output, inside its two slowest run steps, and while loading:
    halfway through the first date's loading when the run's first line came `first_line_at`
    seconds after its start, else a second after the start."""
    points: list[KillPoint] = []
    steps: list[tuple[str, float]] = []
    for line in lines:
        found = LINE.match(line)
        if found is None:
            continue
        marker = f"{found[1]} {found[2]}  "
        points.append((f"after {marker.strip()}", marker, 0.0))
        steps.append((marker, float(found[3])))
    loading = 1.0
    if first_line_at is not None and steps:
        loading = max(first_line_at - steps[0][1] / 2, 0.1)
    points.insert(0, ("while loading", None, round(loading, 2)))
    runs = [(i, m, s) for i, (m, s) in enumerate(steps) if m.startswith("计算 ") and i]
    for i, marker, seconds in sorted(runs, key=lambda r: -r[2])[:2]:
        points.append((f"inside {marker.strip()}", steps[i - 1][0], seconds / 2))
    return points


def drill(
    base: Path,
    inbox: Path,
    work: Path,
    store: str | None = None,
    choose: Callable[[list[KillPoint]], list[KillPoint]] | None = None,
) -> dict[str, object]:
    """Kill a copy of `base` at every point of `kill_points` (or at those `choose` picks of
    them), finish it, compare. `store`: the base's PostgreSQL database (a URL), copied with the
    home for every run; None when the store is the home's SQLite file."""
    copies = None if store is None else StoreCopies(store)
    try:
        return _drill(base, inbox, work, copies, choose)
    finally:
        if copies is not None:
            copies.drop_all()


def _drill(
    base: Path,
    inbox: Path,
    work: Path,
    copies: StoreCopies | None,
    choose: Callable[[list[KillPoint]], list[KillPoint]] | None,
) -> dict[str, object]:
    def fresh(home: Path) -> str | None:
        """`home` a fresh copy of the base home, on a fresh copy of its store: its URL."""
        shutil.rmtree(home, ignore_errors=True)
        shutil.copytree(base, home, symlinks=True)
        return None if copies is None else copies.copy()

    base_store = None if copies is None else copies.url.render_as_string(hide_password=False)
    before = served(base, base_store)[0]
    reference = work / "reference"
    reference_store = fresh(reference)
    exit_code, lines, first_line_at = timed_daily(reference, inbox, reference_store)
    if exit_code != 0:
        raise RuntimeError("the uninterrupted run failed:\n" + "".join(lines))
    expected = home_contents(reference, reference_store)
    after = served(reference, reference_store)[0]
    points = kill_points(lines, first_line_at)
    if choose is not None:
        points = choose(points)
    results = []
    for point in points:
        home = work / "killed"
        store = fresh(home)
        try:
            result = _kill_and_finish(home, inbox, store, point, (before, after), expected)
        finally:
            if copies is not None and store is not None:
                copies.drop(store)
        results.append(result)
        if result["killed"]:
            different = result["different"]
            outcome = "equal" if not different else "DIFFERENT: " + ", ".join(different)
            console.print(
                f"{point[0]}: {'whole' if result['served_whole'] else 'MIXED'} date while "
                f"killed, resumed exit {result['exit_code']}, {outcome}",
                markup=False,
                highlight=False,
                soft_wrap=True,
            )
    killed = [r for r in results if r["killed"]]
    return {
        "points": len(results),
        "killed": len(killed),
        "equal": sum(1 for r in killed if not r["different"] and r["exit_code"] == 0),
        "served_whole": sum(1 for r in killed if r["served_whole"]),
        "results": results,
    }


def _kill_and_finish(
    home: Path,
    inbox: Path,
    store: str | None,
    point: KillPoint,
    dates: tuple[str, str],
    expected: dict[str, Any],
) -> dict[str, Any]:
    """Kill a run of `home` at `point`, check a reader sees one whole date of `dates` (before,
    after), finish it and compare it with `expected`."""
    where, marker, delay = point
    seen = None if marker is None else (lambda line: marker in line)
    try:
        kill_when(home, inbox, seen, delay, store)
    except RuntimeError:
        return {"where": where, "killed": False}
    as_of, rows, count = served(home, store)
    finished = daily(home, inbox, store)
    return {
        "where": where,
        "killed": True,
        "served_whole": as_of in dates and rows == count,
        "exit_code": finished.returncode,
        "different": differences(home_contents(home, store), expected),
    }


def newest_report(home: Path) -> dict[str, Any]:
    """The newest `daily` run report of a home."""
    newest = max((home / "runs").glob("daily-2*.json"), key=lambda p: p.stat().st_mtime_ns)
    report: dict[str, Any] = json.loads(newest.read_text(encoding="utf-8"))
    return report


def slowest_steps(home: Path, top: int = 8) -> str:
    """One line from the newest daily report: the slowest steps, the phases and the peak."""
    report = newest_report(home)
    steps = sorted(report["steps"], key=lambda s: -s["seconds"])[:top]
    phases = ", ".join(f"{k} {v:.1f} s" for k, v in report["phase_seconds"].items())
    slow = ", ".join(f"{s['name']} {s['seconds']:.1f} s" for s in steps)
    return (
        f"as of {report['as_of']}: {report['seconds']:.1f} s, peak {report['peak_rss_mb']:,} MB; "
        f"{phases}; slowest: {slow}"
    )


def raw_scan(home: Path) -> str:
    """Read every column of every loaded file of the lake once (DuckDB, max of each column)."""
    layout = LakeLayout(home / "lake")
    catalog = read_catalog(layout)
    feeds = sorted({f for _, entry in catalog.ordered() for f in entry.feeds})
    started = time.perf_counter()
    con = duckdb.connect()
    for feed in feeds:
        files = [str(p) for _, p in catalog.files_of(layout, feed) if p.exists()]
        if files:  # the max of every column makes DuckDB read every column of every file
            con.execute(
                "SELECT max(COLUMNS(*)) FROM read_parquet(?, union_by_name = true)", [files]
            ).fetchall()
    con.close()
    return f"raw scan of {len(feeds)} feeds in {time.perf_counter() - started:.1f} s"


def _python(*args: str) -> Callable[[BenchPlan], list[str]]:
    def command(plan: BenchPlan) -> list[str]:
        home = str(plan.workdir / "home")
        return [
            sys.executable,
            "-m",
            "brokerlens.bench.daily",
            *args,
            "--home",
            home,
            "--workdir",
            str(plan.workdir),
            "--inbox",
            str(plan.inbox_dir),
        ]

    return command


def _daily(folder: str | None) -> Callable[[BenchPlan], list[str]]:
    def command(plan: BenchPlan) -> list[str]:
        inbox = plan.inbox_dir if folder is None else plan.workdir / folder
        return cli(plan, "daily", str(inbox))

    return command


def _register() -> None:
    hold = Stage("hold back the last date", hold_back)
    history = Stage("history: daily (first load and publish)", _daily("history"), "", (0, 1))
    for suite in ("daily", "daily-drill"):
        register_stage(suite, generate_stage)
        register_stage(suite, hold)
        register_stage(suite, history)
    register_stage(
        "daily",
        Stage(
            "new date: daily",
            _daily(None),
            "3M x >= 20 days <= 600 s, <= 8 GB; 1M x >= 120 days <= 240 s",
            (0, 1),
        ),
    )
    register_stage("daily", Stage("steps of the daily run", _python("steps")))
    register_stage(
        "daily",
        Stage(
            "run --full",
            lambda plan: cli(plan, "run", "--full", "--no-publish"),
            "1M x >= 120 days <= 900 s",
        ),
    )
    register_stage("daily", Stage("raw scan of the lake", _python("scan")))
    register_stage(
        "daily-drill",
        Stage("kill drill", _python("drill"), "every point: 0 mixed, resumed = uninterrupted"),
    )


_register()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m brokerlens.bench.daily")
    parser.add_argument("what", choices=("steps", "scan", "drill"))
    parser.add_argument("--home", type=Path, required=True)
    parser.add_argument("--workdir", type=Path, required=True)
    parser.add_argument("--inbox", type=Path, required=True)
    args = parser.parse_args(argv)
    if args.what == "steps":
        console.print(slowest_steps(args.home), markup=False, soft_wrap=True)
    elif args.what == "scan":
        console.print(raw_scan(args.home), markup=False, soft_wrap=True)
    else:
        store = os.environ.get(STORE_VARIABLE) or None
        figures = drill(args.home, args.inbox, args.workdir / "drill", store)
        console.print(json.dumps(figures, ensure_ascii=False, indent=1), markup=False)
        console.print(
            f"kill drill: {figures['killed']} of {figures['points']} points killed; "
            f"{figures['served_whole']} served one whole date; {figures['equal']} finished "
            "equal to the uninterrupted run",
            markup=False,
            soft_wrap=True,
        )
        return 0 if figures["equal"] == figures["killed"] == figures["served_whole"] else 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
