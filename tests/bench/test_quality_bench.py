"""Bench suite `quality` (issue 20): two seeds' stages, and one table of every measure beside
its baseline and oracle, a target missed shown as NO."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from brokerlens.bench.harness import SUITES, BenchPlan
from brokerlens.bench.quality import main, seeded
from brokerlens.bench.quality_lines import QualityLine, at_least
from brokerlens.console import console


def _plan(tmp_path: Path) -> BenchPlan:
    return BenchPlan(
        customers=1000, days=250, start=dt.date(2025, 1, 2), seed=7, fmt="parquet",
        bad_rows=0.0, workdir=tmp_path / "w", suite="quality",
    )  # fmt: skip


def test_each_seed_is_generated_loaded_fitted_run_and_evaluated(tmp_path: Path) -> None:
    stages = SUITES["quality"]
    names = [s.name for s in stages]
    for tag in ("", " (seed +1)"):
        for name in ("generate", "ingest", "riskpref fit (second quarter)", "churn fit",
                     "run as of the evaluated dates", "evaluate"):  # fmt: skip
            assert name + tag in names
    assert names[-1] == "quality table"
    plan = _plan(tmp_path)
    assert seeded(plan, 0) == plan  # the first seed works where --from-stage looks
    second = seeded(plan, 1)
    assert second.seed == 8 and second.workdir == plan.workdir / "seed8"
    generate = next(s for s in stages if s.name == "generate (seed +1)")
    argv = generate.command(plan)
    assert argv[argv.index("--seed") + 1] == "8"
    assert argv[argv.index("--out") + 1] == str(plan.workdir / "seed8" / "inbox")
    table = stages[-1].command(plan)
    assert table[-2:] == [str(plan.workdir / "quality.json"), str(second.workdir / "quality.json")]


def test_the_table_puts_seeds_side_by_side(tmp_path: Path) -> None:
    files = []
    for seed, kappa in ((7, 0.873), (8, 0.64)):
        lines = [
            QualityLine("riskpref", "quadratic kappa", kappa, 0.544, None, ">= 0.7",
                        at_least(kappa, 0.7)),
            QualityLine("churn", "ROC AUC", 0.81, 0.62, 0.86, ">= oracle - 0.03", False),
        ]  # fmt: skip
        path = tmp_path / f"q{seed}.json"
        path.write_text(json.dumps({"seed": seed, "lines": [x.as_dict() for x in lines]}))
        files.append(str(path))
    with console.capture() as captured:
        assert main(["table", *files]) == 0
    out = captured.get()
    assert "model s7" in out and "oracle s8" in out
    kappa_row = next(line for line in out.splitlines() if "quadratic kappa" in line)
    assert "0.873" in kappa_row and "0.640" in kappa_row and "0.544" in kappa_row
    assert "yes" in kappa_row and "NO" in kappa_row
    auc_row = next(line for line in out.splitlines() if "ROC AUC" in line)
    assert "0.860" in auc_row and auc_row.count("NO") == 2
    with console.capture() as captured:
        assert main(["table", str(tmp_path / "missing.json")]) == 2
    assert "not evaluated yet" in captured.get()
