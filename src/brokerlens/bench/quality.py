"""Bench suite `quality` (issue 20): one table of how far a broker can trust the models, on two
seeds.

For the plan's seed and the next one, a brokerage is generated and loaded; the behavioural risk
preference is fitted for the last two complete quarters, the churn model is fitted, and the
alerts are run as of a series of dates (the `alerts` suite's stages); then each evaluator
(riskpref, churn, alerts: the only readers of the generator's ground truth) measures its part
and turns it into lines - the model's figure beside the simple baseline and, where the generator
can give it, the oracle. The last stage prints one table with a column per seed.

`brokerlens bench --suite quality --customers 50000 --days 250 --start 2025-01-02 --seed 7`
(about an hour on 2 cores). Run as `python -m brokerlens.bench.quality evaluate --home H
--inbox I --out F` it evaluates one home; `python -m brokerlens.bench.quality table F1 F2`
prints the table of evaluated seeds.
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from rich.cells import cell_len

from brokerlens.bench.alerts import RUN_STAGES as ALERT_RUNS
from brokerlens.bench.harness import (
    BenchPlan,
    Stage,
    StageCommand,
    cli,
    generate_stage,
    register_stage,
)
from brokerlens.bench.quality_lines import QualityLine
from brokerlens.bench.riskpref import bench_quarters
from brokerlens.console import console

SEEDS = 2
AREAS = ("riskpref", "churn", "alerts")  # brokerlens.bench.<area>: evaluate + quality_lines
TRUTH = Path("_ground_truth") / "customers.parquet"


def seeded(plan: BenchPlan, index: int) -> BenchPlan:
    """The plan of the index-th seed: the first works in the plan's own workdir (so that
    --from-stage finds its home), the next ones in `seed<N>` below it."""
    if index == 0:
        return plan
    seed = plan.seed + index
    return replace(plan, seed=seed, workdir=plan.workdir / f"seed{seed}", inbox=None)


def _for_seed(index: int, command: StageCommand) -> StageCommand:
    def run(plan: BenchPlan) -> list[str]:
        mine = seeded(plan, index)
        mine.workdir.mkdir(parents=True, exist_ok=True)
        return command(mine)

    return run


def _ingest(plan: BenchPlan) -> list[str]:
    # the generator's injected bad rows can push a small feed over 1%: the bench measures models
    return cli(plan, "ingest", str(plan.inbox_dir), "--threshold", "0.2")


def _riskpref_fit(which: int) -> StageCommand:
    def command(plan: BenchPlan) -> list[str]:
        quarters = bench_quarters(plan)
        if len(quarters) < 2:
            message = "the quality bench needs two complete quarters: --days 250 from a quarter"
            return [sys.executable, "-c", "import sys; sys.exit(sys.argv[1])", message]
        return cli(plan, "riskpref", "fit", "--quarter", quarters[which], "--seed", str(plan.seed))

    return command


def _churn_fit(plan: BenchPlan) -> list[str]:
    return cli(plan, "churn", "fit", "--seed", str(plan.seed))


def result_file(plan: BenchPlan) -> Path:
    return plan.workdir / "quality.json"


def _evaluate(plan: BenchPlan) -> list[str]:
    return [
        sys.executable,
        "-m",
        "brokerlens.bench.quality",
        "evaluate",
        "--home",
        str(plan.workdir / "home"),
        "--inbox",
        str(plan.inbox_dir),
        "--seed",
        str(plan.seed),
        "--out",
        str(result_file(plan)),
    ]


def _table(plan: BenchPlan) -> list[str]:
    files = [str(result_file(seeded(plan, i))) for i in range(SEEDS)]
    return [sys.executable, "-m", "brokerlens.bench.quality", "table", *files]


def _stages() -> list[Stage]:
    """Phase by phase, each for both seeds (loading, fitting, running, evaluating), so that
    `--from-stage` can resume both seeds' homes from a phase."""
    tags = [f" (seed +{i})" if i else "" for i in range(SEEDS)]
    phases: list[tuple[str, StageCommand, tuple[int, ...]]] = [
        ("generate", generate_stage.command, (0,)),
        ("ingest", _ingest, (0, 1)),
        ("riskpref fit (first quarter)", _riskpref_fit(0), (0,)),
        ("riskpref fit (second quarter)", _riskpref_fit(1), (0,)),
        ("churn fit", _churn_fit, (0,)),
        *((s.name, s.command, s.ok_exit_codes) for s in ALERT_RUNS),
        ("evaluate", _evaluate, (0,)),
    ]
    out = [
        Stage(name + tags[i], _for_seed(i, command), ok_exit_codes=ok)
        for name, command, ok in phases
        for i in range(SEEDS)
    ]
    out.append(Stage("quality table", _table, "one table of every measure on two seeds"))
    return out


for _stage in _stages():
    register_stage("quality", _stage)


def evaluate(home: Path, inbox: Path) -> list[QualityLine]:
    """Every area's lines for one generated and loaded home."""
    lines: list[QualityLine] = []
    for area in AREAS:
        module = importlib.import_module(f"brokerlens.bench.{area}")
        evaluator: Callable[[Path, Path], dict[str, Any]] = module.evaluate
        to_lines: Callable[[dict[str, Any]], list[QualityLine]] = module.quality_lines
        lines.extend(to_lines(evaluator(home, inbox / TRUTH)))
    return lines


def _number(value: float | None) -> str:
    if value is None or value != value:  # None or NaN
        return "—"
    return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.3f}"


def _met(value: bool | None) -> str:
    return "" if value is None else ("yes" if value else "NO")


def print_table(results: list[dict[str, Any]]) -> list[list[str]]:
    """One row per measure; per seed its value, baseline, oracle and whether the target is met.
    Printed as plain aligned text (soft-wrapped): eight figure columns do not fit a terminal."""
    head = ["area", "measure", "target"]
    for result in results:
        seed = result["seed"]
        head += [f"model s{seed}", f"baseline s{seed}", f"oracle s{seed}", f"met s{seed}"]
    keys: list[tuple[str, str]] = []
    for result in results:
        for line in result["lines"]:
            key = (line["area"], line["measure"])
            if key not in keys:
                keys.append(key)
    rows = [head]
    for area, measure in keys:
        cells: list[str] = []
        target = ""
        for result in results:
            found = [x for x in result["lines"] if (x["area"], x["measure"]) == (area, measure)]
            if not found:
                cells += ["—"] * 4
                continue
            x = found[0]
            target = target or x["target"]
            cells += [
                _number(x["value"]),
                _number(x["baseline"]),
                _number(x["oracle"]),
                _met(x["met"]),
            ]
        rows.append([area, measure, target, *cells])
    widths = [max(cell_len(row[i]) for row in rows) for i in range(len(head))]

    def text(row: list[str]) -> str:
        padded = [
            c + " " * (w - cell_len(c)) if i < 3 else " " * (w - cell_len(c)) + c
            for i, (c, w) in enumerate(zip(row, widths, strict=True))
        ]
        return "  ".join(padded).rstrip()

    console.print("brokerlens model quality (issue 20)", markup=False)
    for row in rows:
        console.print(text(row), markup=False, soft_wrap=True)
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    sub = parser.add_subparsers(dest="command", required=True)
    one = sub.add_parser("evaluate", help="evaluate one generated and loaded home")
    one.add_argument("--home", type=Path, required=True)
    one.add_argument("--inbox", type=Path, required=True)
    one.add_argument("--seed", type=int, required=True)
    one.add_argument("--out", type=Path, required=True)
    both = sub.add_parser("table", help="print the table of evaluated seeds")
    both.add_argument("files", type=Path, nargs="+")
    args = parser.parse_args(argv)
    if args.command == "evaluate":
        if not (args.inbox / TRUTH).exists():
            console.print(f"error: {args.inbox / TRUTH} does not exist", markup=False)
            return 2
        lines = evaluate(args.home, args.inbox)
        result = {"seed": args.seed, "lines": [x.as_dict() for x in lines]}
        args.out.write_text(json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8")
        print_table([result])
        return 0
    missing = [str(f) for f in args.files if not f.exists()]
    if missing:
        console.print(f"error: not evaluated yet: {', '.join(missing)}", markup=False)
        return 2
    print_table([json.loads(f.read_text(encoding="utf-8")) for f in args.files])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
