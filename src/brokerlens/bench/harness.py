"""`brokerlens bench`: a benchmark harness, not a test.

Each stage runs as its own `brokerlens` subprocess so that its wall time and its peak resident
memory (sampled from /proc while it runs) are its own. Stages are entries of a registry: later
work adds its stages with `register_stage`; they appear in the table and the JSON unchanged.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

import psutil

from brokerlens.console import console
from brokerlens.errors import BrokerlensError, ConfigError


@dataclass(frozen=True)
class BenchPlan:
    """What one bench run measures, and where it works."""

    customers: int
    days: int
    start: dt.date
    seed: int
    fmt: str
    bad_rows: float
    workdir: Path
    suite: str
    inbox: Path | None = None  # an inbox generated earlier, reused instead of generating
    from_stage: str | None = None  # start here: the workdir holds what the stages before made
    groups: int = 1_000  # suite groups (issue 25): dynamic groups created

    @property
    def inbox_dir(self) -> Path:
        return self.inbox or self.workdir / "inbox"


@dataclass
class StageResult:
    name: str
    seconds: float
    peak_rss_mb: float
    exit_code: int
    detail: str = ""
    target: str = ""


@dataclass
class BenchReport:
    suite: str
    started: str
    machine: dict[str, object]
    plan: dict[str, object]
    stages: list[StageResult] = field(default_factory=list)

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False, indent=2, default=str)


StageCommand = Callable[[BenchPlan], list[str]]


@dataclass(frozen=True)
class Stage:
    name: str
    command: StageCommand
    target: str = ""
    # An exit code the stage may end with and still count as a success (e.g. ingest's
    # "loaded with quarantine" when bad rows were injected on purpose).
    ok_exit_codes: tuple[int, ...] = (0,)
    reuses_inbox: bool = False  # the generate stage: skipped when the plan names an inbox


SUITES: dict[str, list[Stage]] = {}


def register_stage(suite: str, stage: Stage) -> None:
    SUITES.setdefault(suite, []).append(stage)


def cli(plan: BenchPlan, *args: str) -> list[str]:
    return [sys.executable, "-m", "brokerlens", "--home", str(plan.workdir / "home"), *args]


def _generate(plan: BenchPlan) -> list[str]:
    return cli(
        plan,
        "generate",
        "--out",
        str(plan.inbox_dir),
        "--customers",
        str(plan.customers),
        "--start",
        plan.start.isoformat(),
        "--days",
        str(plan.days),
        "--seed",
        str(plan.seed),
        "--format",
        plan.fmt,
        "--bad-rows",
        str(plan.bad_rows),
    )


def _ingest(plan: BenchPlan) -> list[str]:
    return cli(plan, "ingest", str(plan.inbox_dir))


def _query(plan: BenchPlan) -> list[str]:
    return cli(
        plan,
        "sql",
        "select count(*) as days, sum(total_assets) as assets from daily_assets",
        "--format",
        "csv",
    )


generate_stage = Stage("generate", _generate, reuses_inbox=True)
register_stage("pipeline", replace(generate_stage, target="1M x 20 days <= 180 s, <= 8 GB"))
register_stage("pipeline", Stage("ingest", _ingest, "", ok_exit_codes=(0, 1)))
register_stage("pipeline", Stage("sql: assets over all days", _query))
_SPLIT_DATES = (
    "import pathlib, sys; inbox = pathlib.Path(sys.argv[1]); later = pathlib.Path(sys.argv[2]);"
    "later.mkdir(); dates = sorted(p for p in inbox.iterdir() if p.name[:2] == '20');"
    "[d.rename(later / d.name) for d in dates[1:]]"
)


def _split(plan: BenchPlan) -> list[str]:
    """Keep the first date in the inbox and move the later ones aside, to load them on their own."""
    inbox = plan.workdir / "inbox"
    return [sys.executable, "-c", _SPLIT_DATES, str(inbox), str(plan.workdir / "later")]


def _ingest_later(plan: BenchPlan) -> list[str]:
    return cli(plan, "ingest", str(plan.workdir / "later"))


# One ordinary business date at production scale: the first date carries the full reference
# snapshots, so it is loaded first and the second date (facts plus reference changes) is timed.
register_stage("ingest-day", generate_stage)
register_stage("ingest-day", Stage("split first date", _split))
register_stage("ingest-day", Stage("ingest first date (snapshots)", _ingest, "", (0, 1)))
register_stage(
    "ingest-day",
    Stage("ingest one date", _ingest_later, "3M assets, 6M positions, 0.5M trades <= 60 s", (0, 1)),
)


POLL_SECONDS = 0.05


def _high_water_kib(pid: int) -> int:
    """The process's peak resident set (VmHWM) so far, 0 once it has gone.

    Read from /proc rather than taken from wait4's ru_maxrss: a child forked from a large parent
    starts with the parent's high-water mark in ru_maxrss, while VmHWM belongs to its own image.
    """
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except (FileNotFoundError, ProcessLookupError, ValueError):
        pass
    return 0


def run_stage(stage: Stage, plan: BenchPlan, log_dir: Path) -> StageResult:
    """Run one stage as a child process, sampling its peak resident memory while it runs."""
    log_path = log_dir / f"{stage.name.split(':')[0].replace(' ', '_')}.log"
    argv = stage.command(plan)
    started = time.perf_counter()
    peak_kib = 0
    with log_path.open("wb") as log:
        proc = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT)
        while proc.poll() is None:
            peak_kib = max(peak_kib, _high_water_kib(proc.pid))
            time.sleep(POLL_SECONDS)
    seconds = time.perf_counter() - started
    tail = log_path.read_text(encoding="utf-8", errors="replace").strip().splitlines()[-3:]
    return StageResult(
        name=stage.name,
        seconds=round(seconds, 2),
        peak_rss_mb=round(peak_kib / 1024, 1),
        exit_code=proc.returncode,
        detail=" | ".join(tail)[-300:],
        target=stage.target,
    )


def _machine() -> dict[str, object]:
    return {
        "cpus": os.cpu_count(),
        "memory_gb": round(psutil.virtual_memory().total / 2**30, 1),
        "python": platform.python_version(),
        "platform": platform.platform(),
    }


def run_bench(
    plan: BenchPlan,
    on_stage: Callable[[StageResult], None] | None = None,
    keep: bool = False,
) -> BenchReport:
    """Run every stage of the plan's suite in order; stop at the first failing stage."""
    if plan.suite not in SUITES:
        raise ConfigError(
            f"unknown bench suite {plan.suite!r}", hint=f"choose one of: {', '.join(SUITES)}"
        )
    stages = SUITES[plan.suite]
    if plan.from_stage is not None:
        names = [s.name for s in stages]
        if plan.from_stage not in names:
            raise ConfigError(
                f"--from-stage {plan.from_stage!r} is not a stage of {plan.suite}",
                hint=f"choose one of: {', '.join(names)}",
            )
        if not (plan.workdir / "home").is_dir():
            raise ConfigError(
                f"--from-stage needs the earlier stages' home in {plan.workdir}",
                hint="pass the --workdir of an earlier bench run kept with --keep",
            )
        stages = stages[names.index(plan.from_stage) :]
    plan.workdir.mkdir(parents=True, exist_ok=True)
    report = BenchReport(
        suite=plan.suite,
        started=dt.datetime.now().isoformat(timespec="seconds"),
        machine=_machine(),
        plan={k: str(v) for k, v in asdict(plan).items()},
    )
    try:
        for stage in stages:
            if stage.reuses_inbox and plan.inbox is not None:
                continue
            result = run_stage(stage, plan, plan.workdir)
            report.stages.append(result)
            if on_stage:
                on_stage(result)
            if result.exit_code not in stage.ok_exit_codes:
                raise BrokerlensError(
                    f"bench stage {stage.name!r} failed with exit code {result.exit_code}: "
                    f"{result.detail}"
                )
    finally:
        if not keep and plan.from_stage is None:  # a workdir resumed in is never ours to remove
            shutil.rmtree(plan.workdir, ignore_errors=True)
    return report


def default_workdir() -> Path:
    return Path(tempfile.mkdtemp(prefix="brokerlens-bench-"))


def evaluator_main(
    description: str | None,
    evaluate: Callable[[Path, Path], dict[str, object]],
    summary: Callable[[dict[str, object]], str],
    argv: list[str] | None = None,
) -> int:
    """`python -m brokerlens.bench.<suite> --home H --truth T`: a suite's evaluation stage,
    the only reader of the generator's ground truth; prints the figures as JSON and a line."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--home", type=Path, required=True)
    parser.add_argument("--truth", type=Path, required=True)
    args = parser.parse_args(argv)
    if not args.truth.exists():
        console.print(f"error: --truth {args.truth} does not exist", markup=False)
        return 2
    figures = evaluate(args.home, args.truth)
    figures["evaluated_at"] = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    # soft_wrap: a long string value is not broken across lines (the JSON stays parseable)
    console.print(json.dumps(figures, ensure_ascii=False, indent=1), markup=False, soft_wrap=True)
    console.print(summary(figures), markup=False, soft_wrap=True)
    return 0
